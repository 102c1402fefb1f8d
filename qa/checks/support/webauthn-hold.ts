// Holding a page's WebAuthn sign-in call, as an attacker between the page and the authenticator
// would: the call's options are handed to the check, which then lets the call go on later (a
// challenge answered after it expired) or answers it with a credential made elsewhere (a phishing
// page on a sibling origin). Page code is strings: functions would carry tsx's helpers along.
import type { DriverPage } from '../../browser/driver.ts';

/** Base64url and the ArrayBuffer ⇄ JSON mapping, shared by every page script below. */
const HELPERS = `
  const b64 = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  const unb64 = (text) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
  const enc = (v) => {
    if (v instanceof ArrayBuffer) return { $bytes: b64(new Uint8Array(v)) };
    if (ArrayBuffer.isView(v)) return { $bytes: b64(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) };
    if (Array.isArray(v)) return v.map(enc);
    if (v && typeof v === 'object' && !(v instanceof AbortSignal)) {
      const out = {};
      for (const key of Object.keys(v)) out[key] = enc(v[key]);
      return out;
    }
    return v;
  };
  const dec = (v) => {
    if (Array.isArray(v)) return v.map(dec);
    if (v && typeof v === 'object') {
      if (typeof v.$bytes === 'string') return unb64(v.$bytes);
      const out = {};
      for (const key of Object.keys(v)) out[key] = dec(v[key]);
      return out;
    }
    return v;
  };`;

/** Replaces navigator.credentials.get on the page by one that waits for the check. */
const INSTALL = `(() => {
  if (window.__pairkeyQaHold) return true;
  ${HELPERS}
  const container = navigator.credentials;
  const original = container.get.bind(container);
  const calls = [];
  const waiters = [];
  container.get = (options) => new Promise((resolve, reject) => {
    calls.push({ options, resolve, reject });
    for (const wake of waiters.splice(0)) wake();
  });
  const take = () => {
    const call = calls.shift();
    if (!call) throw new Error('No WebAuthn call is being held');
    return call;
  };
  const answer = (json) => {
    const bytes = (text) => unb64(text).buffer;
    const response = Object.create(AuthenticatorAssertionResponse.prototype, {
      clientDataJSON: { value: bytes(json.response.clientDataJSON) },
      authenticatorData: { value: bytes(json.response.authenticatorData) },
      signature: { value: bytes(json.response.signature) },
      userHandle: { value: json.response.userHandle ? bytes(json.response.userHandle) : null },
    });
    return Object.create(PublicKeyCredential.prototype, {
      id: { value: json.id },
      rawId: { value: bytes(json.rawId) },
      type: { value: json.type },
      authenticatorAttachment: { value: json.authenticatorAttachment },
      response: { value: response },
      getClientExtensionResults: { value: () => dec(json.clientExtensionResults) },
      toJSON: { value: () => json },
    });
  };
  window.__pairkeyQaHold = {
    options: () => new Promise((resolve) => {
      const give = () => resolve(enc(calls[0].options.publicKey));
      if (calls.length > 0) give(); else waiters.push(give);
    }),
    proceed: () => { const call = take(); original(call.options).then(call.resolve, call.reject); return true; },
    answer: (json) => { take().resolve(answer(json)); return true; },
  };
  return true;
})()`;

/** The held call's publicKey options, with byte fields as { $bytes: base64url }. */
export type HeldOptions = Record<string, unknown>;

/** Credential JSON in the shape of PublicKeyCredential.toJSON() (bytes as base64url). */
export type CredentialJson = Record<string, unknown>;

export async function holdWebAuthn(page: DriverPage): Promise<void> {
  await page.eval(INSTALL);
}

/** Resolves once the page has made a held call; its options. */
export function heldOptions(page: DriverPage): Promise<HeldOptions> {
  return page.eval<HeldOptions>('window.__pairkeyQaHold.options()');
}

/** Let the held call go to the authenticator now. */
export async function proceed(page: DriverPage): Promise<void> {
  await page.eval('window.__pairkeyQaHold.proceed()');
}

/** Answer the held call with a credential obtained elsewhere. */
export async function answerWith(page: DriverPage, credential: CredentialJson): Promise<void> {
  await page.eval(`window.__pairkeyQaHold.answer(${JSON.stringify(credential)})`);
}

/**
 * Make the sign-in call with `options` from `page` (another origin) and return the credential:
 * what a phishing page sharing the RP ID gets from the authenticator.
 */
export function getFrom(page: DriverPage, options: HeldOptions, rpId: string): Promise<CredentialJson> {
  return page.eval<CredentialJson>(`(async () => {
    ${HELPERS}
    const publicKey = dec(${JSON.stringify(options)});
    publicKey.rpId = publicKey.rpId || ${JSON.stringify(rpId)};
    const credential = await navigator.credentials.get({ publicKey });
    const r = credential.response;
    return {
      id: credential.id,
      rawId: b64(new Uint8Array(credential.rawId)),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment,
      response: {
        clientDataJSON: b64(new Uint8Array(r.clientDataJSON)),
        authenticatorData: b64(new Uint8Array(r.authenticatorData)),
        signature: b64(new Uint8Array(r.signature)),
        userHandle: r.userHandle ? b64(new Uint8Array(r.userHandle)) : null,
      },
      clientExtensionResults: enc(credential.getClientExtensionResults()),
    };
  })()`);
}

/** The origin inside a credential's clientDataJSON. */
export function clientDataOrigin(credential: CredentialJson): string {
  const response = credential.response as { clientDataJSON: string };
  return (JSON.parse(Buffer.from(response.clientDataJSON, 'base64url').toString('utf8')) as { origin: string }).origin;
}
