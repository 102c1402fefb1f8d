// MAIN-world script, injected at document_start before any page script runs.
// It replaces navigator.credentials.create/get for `publicKey` requests and hands them to the
// isolated bridge. It decides nothing about security: origin, rpId and clientDataJSON are the
// background's job. Everything else (passwords, federated, no phone paired) goes to the browser.
import { fromB64url, toArrayBuffer, toB64url } from '../../shared/bytes.ts';
import { PAGE_CHANNEL, type CredentialJSON, type PageReply, type PageRequest, type PageResult } from './messages.ts';

// Captured now, before the page can replace them.
const container = CredentialsContainer.prototype;
const nativeCreate = container.create;
const nativeGet = container.get;
const postMessage = window.postMessage.bind(window);
const addListener = window.addEventListener.bind(window);
const define = Object.defineProperties;
const randomId = () => crypto.randomUUID();

const pending = new Map<string, (result: PageResult) => void>();

addListener('message', (event: MessageEvent) => {
  if (event.source !== window) return;
  const data = event.data as Partial<PageReply> | null;
  if (!data || data.channel !== PAGE_CHANNEL || data.dir !== 'to-page' || typeof data.id !== 'string') return;
  const resolve = pending.get(data.id);
  if (resolve && data.result) {
    pending.delete(data.id);
    resolve(data.result);
  }
});

/** Deep-copy the options, turning every BufferSource into a tagged base64url string. */
function tag(value: unknown, depth = 0): unknown {
  if (depth > 16) throw new TypeError('Options are nested too deeply');
  if (value instanceof ArrayBuffer) return { $b64: toB64url(new Uint8Array(value)) };
  if (ArrayBuffer.isView(value)) {
    return { $b64: toB64url(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)) };
  }
  if (Array.isArray(value)) return value.map((v) => tag(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k !== 'signal' && typeof v !== 'function' && v !== undefined) out[k] = tag(v, depth + 1);
    }
    return out;
  }
  return value;
}

function domError(name: string, message: string): Error {
  return name === 'TypeError' ? new TypeError(message) : new DOMException(message, name);
}

function send(kind: PageRequest['kind'], id: string, options?: unknown, mediation?: string): void {
  const request: PageRequest = { channel: PAGE_CHANNEL, dir: 'to-bridge', id, kind, options, mediation };
  postMessage(request, location.origin === 'null' ? '*' : location.origin);
}

function request(kind: 'create' | 'get', options: CredentialCreationOptions | CredentialRequestOptions): Promise<PageResult> {
  const signal = options.signal;
  if (signal?.aborted) return Promise.reject(signal.reason ?? new DOMException('The operation was aborted.', 'AbortError'));
  const id = randomId();
  const mediation = (options as CredentialRequestOptions).mediation;
  return new Promise<PageResult>((resolve, reject) => {
    const onAbort = () => {
      pending.delete(id);
      send('cancel', id);
      reject(signal?.reason ?? new DOMException('The operation was aborted.', 'AbortError'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    pending.set(id, (result) => {
      signal?.removeEventListener('abort', onAbort);
      resolve(result);
    });
    try {
      send(kind, id, tag((options as { publicKey: unknown }).publicKey), mediation);
    } catch (error) {
      pending.delete(id);
      reject(error);
    }
  });
}

const bytes = (b64: string) => toArrayBuffer(fromB64url(b64));

/** Build an object that passes `instanceof PublicKeyCredential` from its JSON form. */
function toCredential(json: CredentialJSON): PublicKeyCredential {
  const r = json.response;
  const isRegistration = r.attestationObject !== undefined;
  const response = Object.create(
    (isRegistration ? AuthenticatorAttestationResponse : AuthenticatorAssertionResponse).prototype,
  );
  const values: PropertyDescriptorMap = {
    clientDataJSON: { value: bytes(r.clientDataJSON), enumerable: true },
    toJSON: { value: () => structuredClone(r) },
  };
  if (isRegistration) {
    values.attestationObject = { value: bytes(r.attestationObject!), enumerable: true };
    values.getTransports = { value: () => [...(r.transports ?? [])] };
    values.getAuthenticatorData = { value: () => bytes(r.authenticatorData) };
    values.getPublicKey = { value: () => (r.publicKey ? bytes(r.publicKey) : null) };
    values.getPublicKeyAlgorithm = { value: () => r.publicKeyAlgorithm };
  } else {
    values.authenticatorData = { value: bytes(r.authenticatorData), enumerable: true };
    values.signature = { value: bytes(r.signature!), enumerable: true };
    values.userHandle = { value: r.userHandle ? bytes(r.userHandle) : null, enumerable: true };
  }
  define(response, values);
  const credential = Object.create(PublicKeyCredential.prototype);
  define(credential, {
    id: { value: json.id, enumerable: true },
    rawId: { value: bytes(json.rawId), enumerable: true },
    type: { value: 'public-key', enumerable: true },
    authenticatorAttachment: { value: json.authenticatorAttachment, enumerable: true },
    response: { value: response, enumerable: true },
    getClientExtensionResults: { value: () => structuredClone(json.clientExtensionResults) },
    toJSON: { value: () => structuredClone(json) },
  });
  return credential as PublicKeyCredential;
}

function override(kind: 'create' | 'get', native: typeof nativeCreate) {
  return {
    [kind](this: CredentialsContainer, options?: CredentialCreationOptions & CredentialRequestOptions) {
      if (!options || typeof options !== 'object' || !('publicKey' in options) || !options.publicKey) {
        return native.call(this, options);
      }
      return request(kind, options).then((result): Promise<Credential | null> | Credential => {
        if (result.status === 'ok') return toCredential(result.credential);
        if (result.status === 'passthrough') return native.call(this, options);
        throw domError(result.name, result.message);
      });
    },
  }[kind]!;
}

define(container, {
  create: { value: override('create', nativeCreate), writable: true, configurable: true },
  get: { value: override('get', nativeGet), writable: true, configurable: true },
});
