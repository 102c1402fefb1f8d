// MAIN-world script, injected at document_start before any page script runs.
// It replaces navigator.credentials.create/get for `publicKey` requests and the PublicKeyCredential
// statics, and hands each request to the isolated bridge over its own MessageChannel. It decides
// nothing about security: origin, rpId and clientDataJSON are the background's job. Everything
// else (passwords, federated, no phone paired, the person chose the browser) goes to the browser.
// Kept small on purpose (it runs in every frame of every secure page): no libraries.
import { effectiveTimeout, type CredentialJSON, type PairkeyCapabilities } from '../../shared/webauthn/ceremony-contract.ts';
import { PAGE_CHANNEL, type OpenMessage, type PortReply, type PortRequest } from '../page-bridge-wire.ts';
import { convertOptions, type ConvertedOptions } from './webidl.ts';

type Options = CredentialCreationOptions & CredentialRequestOptions;
type Native = (this: CredentialsContainer, options?: Options) => Promise<Credential | null>;

// Captured now, before the page can replace them.
const PKC = globalThis.PublicKeyCredential;
const container = CredentialsContainer.prototype;
const nativeCreate = container.create as Native;
const nativeGet = container.get as Native;
const post = window.postMessage.bind(window);
const listen = window.addEventListener.bind(window);
const define = Object.defineProperties;
const create = Object.create;
const apply = Reflect.apply;
const Channel = MessageChannel;
const portPost = MessagePort.prototype.postMessage;
const { parse, stringify } = JSON;
const targetOrigin = location.origin === 'null' ? '*' : location.origin;
const ACK_MS = 3000;
const SAFETY_GRACE_MS = 2000;

const abortError = () => new DOMException('The operation was aborted.', 'AbortError');
const domError = (name: string, message: string): Error =>
  name === 'TypeError' ? new TypeError(message) : new DOMException(message, name);

// ---- base64url (no library: this file must stay small) ----------------------------------------

function toB64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromB64(text: string): ArrayBuffer {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*={0,2}$/.test(text)) throw new DOMException('Invalid base64url', 'EncodingError');
  const s = atob(text.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out.buffer;
}

// ---- the bridge -----------------------------------------------------------------------------------

// Opens waiting for the bridge's ack. If the bridge loaded after us, our `open` went unheard:
// its `ready` makes us post again. Only the first acked port of an open is used.
const unacked = new Set<() => void>();
// Set once the bridge has spoken here (its `ready`, or an ack). From then on it listens for good,
// so a request travels with its `open` instead of waiting a round trip for the ack, and is never
// posted twice. A page that forges `ready` only makes its own calls wait for the ack timeout.
let bridgeListens = false;
listen('message', (event: MessageEvent) => {
  const d = event.data as { channel?: unknown; kind?: unknown } | null;
  if (event.source === window && d && d.channel === PAGE_CHANNEL && d.kind === 'ready') {
    bridgeListens = true;
    for (const retry of [...unacked]) retry();
  }
});

/**
 * A port the bridge acknowledged, or null when no bridge answers (Pairkey is not there).
 * `sent`: `first` went on the port with the open (the bridge was known to listen).
 */
function openPort(first: PortRequest | null): Promise<{ port: MessagePort; sent: boolean } | null> {
  return new Promise((resolve) => {
    let settled = false;
    const eager = bridgeListens && first !== null;
    const settle = (port: MessagePort | null) => {
      if (settled) return port?.close();
      settled = true;
      unacked.delete(attempt);
      clearTimeout(timer);
      resolve(port && { port, sent: eager });
    };
    function attempt() {
      const { port1, port2 } = new Channel();
      port1.onmessage = (event) => {
        if ((event.data as PortReply | null)?.type === 'ack') {
          bridgeListens = true;
          settle(port1);
        }
      };
      const open: OpenMessage = { channel: PAGE_CHANNEL, kind: 'open' };
      post(open, targetOrigin, [port2]);
      if (eager) send(port1, first);
    }
    const timer = setTimeout(() => settle(null), ACK_MS);
    if (!eager) unacked.add(attempt);
    attempt();
  });
}

const send = (port: MessagePort, message: PortRequest) => apply(portPost, port, [message]);

/** Deep-copy the options, turning every BufferSource into a tagged base64url string. */
function tag(value: unknown, depth = 0): unknown {
  if (depth > 16) throw new TypeError('Options are nested too deeply');
  if (value instanceof ArrayBuffer) return { $b64: toB64(new Uint8Array(value)) };
  if (ArrayBuffer.isView(value)) return { $b64: toB64(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)) };
  if (Array.isArray(value)) return value.map((v) => tag(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k in value) {
      const v = (value as Record<string, unknown>)[k];
      if (typeof v !== 'function' && v !== undefined) out[k] = tag(v, depth + 1);
    }
    return out;
  }
  return value;
}

async function capabilities(): Promise<PairkeyCapabilities> {
  const none: PairkeyCapabilities = { active: false, extensions: [] };
  const ask: PortRequest = { type: 'capabilities' };
  const opened = await openPort(ask);
  if (!opened) return none;
  const { port } = opened;
  return new Promise((resolve) => {
    port.onmessage = (event) => {
      const reply = event.data as PortReply | null;
      if (reply?.type === 'capabilities') resolve(reply.capabilities);
    };
    if (!opened.sent) send(port, ask);
    setTimeout(() => resolve(none), ACK_MS);
  }).finally(() => port.close()) as Promise<PairkeyCapabilities>;
}

// ---- credentials ----------------------------------------------------------------------------------

/** Build an object that passes `instanceof PublicKeyCredential` from its JSON form. */
function toCredential(json: CredentialJSON): PublicKeyCredential {
  const r = json.response;
  const registration = r.attestationObject !== undefined;
  const response = create((registration ? AuthenticatorAttestationResponse : AuthenticatorAssertionResponse).prototype);
  const clone = <T>(value: T) => () => parse(stringify(value)) as T;
  const values: PropertyDescriptorMap = {
    clientDataJSON: { value: fromB64(r.clientDataJSON), enumerable: true },
    toJSON: { value: clone(r) },
  };
  if (registration) {
    values.attestationObject = { value: fromB64(r.attestationObject!), enumerable: true };
    values.getTransports = { value: () => [...(r.transports ?? [])] };
    values.getAuthenticatorData = { value: () => fromB64(r.authenticatorData) };
    values.getPublicKey = { value: () => (r.publicKey ? fromB64(r.publicKey) : null) };
    values.getPublicKeyAlgorithm = { value: () => r.publicKeyAlgorithm };
  } else {
    values.authenticatorData = { value: fromB64(r.authenticatorData), enumerable: true };
    values.signature = { value: fromB64(r.signature!), enumerable: true };
    values.userHandle = { value: r.userHandle ? fromB64(r.userHandle) : null, enumerable: true };
  }
  define(response, values);
  const credential = create(PKC.prototype);
  define(credential, {
    id: { value: json.id, enumerable: true },
    rawId: { value: fromB64(json.rawId), enumerable: true },
    type: { value: 'public-key', enumerable: true },
    authenticatorAttachment: { value: json.authenticatorAttachment, enumerable: true },
    response: { value: response, enumerable: true },
    getClientExtensionResults: {
      value: () => {
        // In the JS API, PRF results and a large blob are ArrayBuffers (toJSON keeps base64url).
        const results = clone(json.clientExtensionResults)() as { prf?: { results?: Record<string, unknown> }; largeBlob?: { blob?: unknown } };
        const prf = results.prf?.results;
        if (prf) for (const k in prf) prf[k] = fromB64(prf[k] as string);
        if (typeof results.largeBlob?.blob === 'string') results.largeBlob.blob = fromB64(results.largeBlob.blob);
        return results;
      },
    },
    toJSON: { value: clone(json) },
  });
  return credential as PublicKeyCredential;
}

// ---- create / get ---------------------------------------------------------------------------------

/**
 * One Pairkey ceremony. `options` are already converted (webidl.ts), so nothing the page owns is
 * read again. The abort listener is in place before the first await: an abort right after the call
 * (in the same task) must reject with the signal's reason, as Chromium does (issue 12).
 */
function ceremony(kind: 'create' | 'get', native: Native, self: CredentialsContainer, options: ConvertedOptions): Promise<Credential | null> {
  const { signal, publicKey } = options;
  if (signal?.aborted) return Promise.reject(signal.reason ?? abortError());
  const conditional = options.mediation === 'conditional';
  // What the browser gets when Pairkey hands the call over: the converted values only, so no page
  // getter or valueOf runs twice.
  const nativeOptions = { mediation: options.mediation, publicKey, ...(signal ? { signal } : {}) } as Options;

  return new Promise<Credential | null>((resolve, reject) => {
    let port: MessagePort | null = null;
    // Set when the person may also pick a passkey from the browser's own autofill.
    let alongside: AbortController | null = null;
    let done = false;
    let safety: ReturnType<typeof setTimeout> | undefined;
    const finish = (settle: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(safety);
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    const cancel = (error: unknown) => {
      if (port) send(port, { type: 'cancel' });
      alongside?.abort();
      finish(() => reject(error));
    };
    const onAbort = () => cancel(signal!.reason ?? abortError());
    signal?.addEventListener('abort', onAbort, { once: true });

    const callNative = (opts: Options) => {
      const call = native.call(self, opts);
      const report = () => port && send(port, { type: 'native-done' });
      call.then(report, report);
      return call;
    };

    // Built before the port opens so it can travel with the open; an error in it (options nested
    // too deeply) is thrown again below, once the bridge has answered.
    let request: PortRequest | null = null;
    try {
      request = { type: kind, options: tag(publicKey), mediation: options.mediation };
    } catch {
      request = null;
    }

    openPort(request).then((link) => {
      if (done) {
        if (link?.sent) send(link.port, { type: 'cancel' });
        return link?.port.close();
      }
      if (!link) return finish(() => resolve(native.call(self, nativeOptions)));
      const opened = link.port;
      port = opened;
      // Conditional requests wait for the person as long as the page stays (no timeout, per spec).
      if (!conditional) {
        safety = setTimeout(
          () => cancel(new DOMException('The operation either timed out or was not allowed.', 'NotAllowedError')),
          effectiveTimeout((publicKey as { timeout?: unknown }).timeout) + SAFETY_GRACE_MS,
        );
      }
      port.onmessage = (event) => {
        const reply = event.data as PortReply | null;
        if (!reply || done) return;
        if (reply.type === 'start-native' && conditional && !alongside) {
          alongside = new AbortController();
          const own = alongside;
          callNative({ ...nativeOptions, signal: own.signal }).then(
            (credential) => {
              if (own.signal.aborted) return;
              send(opened, { type: 'cancel' });
              finish(() => resolve(credential));
            },
            () => undefined, // the phone may still answer; the page's own abort is handled above
          );
          return;
        }
        if (reply.type !== 'result') return;
        const result = reply.result;
        if (result.status === 'ok') {
          alongside?.abort();
          finish(() => resolve(toCredential(result.credential)));
        } else if (result.status === 'passthrough') {
          if (alongside) return; // the browser's own call is already running
          finish(() => resolve(callNative(nativeOptions)));
        } else if (!alongside) {
          finish(() => reject(domError(result.name, result.message)));
        }
      };
      if (link.sent) return;
      try {
        send(opened, request ?? { type: kind, options: tag(publicKey), mediation: options.mediation });
      } catch (error) {
        finish(() => reject(error));
      }
    });
  });
}

function override(kind: 'create' | 'get', native: Native): Native {
  return {
    [kind](this: CredentialsContainer, options?: Options) {
      // WebIDL conversion happens during the call; its errors reject the promise (never a sync throw).
      let converted: ConvertedOptions;
      try {
        converted = convertOptions(kind, options);
      } catch (error) {
        return Promise.reject(error);
      }
      // Not a public-key request (passwords, federated, …): the browser's, with the page's own object.
      if (!converted.publicKey || converted.other) return native.call(this, options);
      return ceremony(kind, native, this, converted);
    },
  }[kind]!;
}

const method = (value: unknown) => ({ value, writable: true, configurable: true });

if (PKC) {
  define(container, { create: method(override('create', nativeCreate)), get: method(override('get', nativeGet)) });

  // ---- statics --------------------------------------------------------------------------------------
  // Pairkey adds a roaming authenticator: it never changes what the browser says about its own
  // platform authenticator (isUserVerifyingPlatformAuthenticatorAvailable stays native), and it adds
  // conditional mediation and its client extensions when a phone is paired.
  const statics = PKC as unknown as Record<string, ((...args: unknown[]) => Promise<unknown>) | undefined>;
  const nativeConditional = statics.isConditionalMediationAvailable;
  const nativeCapabilities = statics.getClientCapabilities;
  const nativeUvpaa = statics.isUserVerifyingPlatformAuthenticatorAvailable!;
  const safely = async <T>(call: (() => Promise<T>) | undefined, fallback: T): Promise<T> => {
    try {
      return call ? await call() : fallback;
    } catch {
      return fallback;
    }
  };
  const conditionalAvailable = async () =>
    (await safely(nativeConditional && (() => nativeConditional.call(PKC) as Promise<boolean>), false)) || (await capabilities()).active;

  const parseJSON = (creation: boolean) =>
    function (json: Record<string, unknown>) {
      if (!json || typeof json !== 'object') throw new TypeError('Options JSON must be an object');
      const out: Record<string, unknown> = { ...json, challenge: fromB64(json.challenge as string) };
      const list = creation ? 'excludeCredentials' : 'allowCredentials';
      if (Array.isArray(json[list])) out[list] = (json[list] as { id: string }[]).map((d) => ({ ...d, id: fromB64(d.id) }));
      if (creation) out.user = { ...(json.user as object), id: fromB64((json.user as { id: string }).id) };
      return out;
    };

  define(PKC, {
    isConditionalMediationAvailable: method({ isConditionalMediationAvailable: conditionalAvailable }.isConditionalMediationAvailable),
    getClientCapabilities: method(
      {
        async getClientCapabilities() {
          const caps = (await safely(nativeCapabilities && (() => nativeCapabilities.call(PKC) as Promise<Record<string, boolean>>), null)) ?? {
            userVerifyingPlatformAuthenticator: await safely(() => nativeUvpaa.call(PKC) as Promise<boolean>, false),
            conditionalGet: await safely(nativeConditional && (() => nativeConditional.call(PKC) as Promise<boolean>), false),
          };
          const pairkey = await capabilities();
          if (pairkey.active) {
            caps.conditionalGet = true;
            for (const name of pairkey.extensions) caps[`extension:${name}`] = true;
          }
          return caps;
        },
      }.getClientCapabilities,
    ),
    ...(statics.parseCreationOptionsFromJSON ? {} : { parseCreationOptionsFromJSON: method(parseJSON(true)) }),
    ...(statics.parseRequestOptionsFromJSON ? {} : { parseRequestOptionsFromJSON: method(parseJSON(false)) }),
  });
}
