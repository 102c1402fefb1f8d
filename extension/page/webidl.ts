// WebIDL conversion of the options a page passes to navigator.credentials.create/get, done in the
// page the way Chromium's bindings do it: members read once each, dictionary members in
// lexicographic order, getters and valueOf run during the call, conversion errors rejecting the
// returned promise (never thrown synchronously), unknown members never read. A site cannot tell
// this from the browser's own bindings, and the extension then only carries plain values.
// The member lists follow Chromium's IDL (checked against native Chromium by the conformance suite,
// test/conformance/); semantic checks (rpId, user.id length, …) stay with the background.
// Runs in every frame of every page: no libraries, nothing captured after page scripts ran.

type Conv = (value: unknown, path: string) => unknown;
interface Member {
  name: string;
  conv: Conv;
  required?: boolean;
  fallback?: unknown;
}

const toNumber = Number;
const toStringFn = String;
const iterator = Symbol.iterator;
const ABuf = ArrayBuffer;
const isView = ArrayBuffer.isView;
const SAB = typeof SharedArrayBuffer === 'function' ? SharedArrayBuffer : undefined;
const Signal = AbortSignal;
const U8 = Uint8Array;

function typeError(message: string): never {
  throw new TypeError(message);
}

const domString: Conv = (v, path) => {
  if (typeof v === 'symbol') typeError(`${path} cannot be converted from a Symbol.`);
  return toStringFn(v);
};
const usvString: Conv = (v, path) => {
  const s = domString(v, path) as string & { toWellFormed?: () => string };
  return typeof s.toWellFormed === 'function' ? s.toWellFormed() : s;
};
const boolean: Conv = (v) => !!v;

/** ECMAScript ToNumber as WebIDL uses it (BigInt and Symbol are TypeErrors). */
function number(v: unknown, path: string): number {
  if (typeof v === 'bigint' || typeof v === 'symbol') typeError(`${path} is not a number.`);
  return toNumber(v);
}
function integer(v: unknown, path: string, bits: 32, signed: boolean): number {
  const n = number(v, path);
  if (!Number.isFinite(n) || n === 0) return 0;
  const mod = 2 ** bits;
  let x = Math.trunc(n) % mod;
  if (x < 0) x += mod;
  if (signed && x >= mod / 2) x -= mod;
  return x;
}
const long: Conv = (v, path) => integer(v, path, 32, true);
const unsignedLong: Conv = (v, path) => integer(v, path, 32, false);

/** BufferSource: an ArrayBuffer or a view of one (not shared), copied as bytes now. */
const bufferSource: Conv = (v, path) => {
  if (v instanceof ABuf) return new U8(v.slice(0));
  if (isView(v)) {
    if (SAB && v.buffer instanceof SAB) typeError(`${path} must not be backed by a SharedArrayBuffer.`);
    return new U8(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
  }
  return typeError(`${path} is not of type '(ArrayBuffer or ArrayBufferView)'.`);
};

const enumeration =
  (values: readonly string[]): Conv =>
  (v, path) => {
    const s = domString(v, path) as string;
    if (!values.includes(s)) typeError(`The provided value '${s}' is not a valid enum value for ${path}.`);
    return s;
  };

const sequence =
  (item: Conv): Conv =>
  (v, path) => {
    if (v === null || (typeof v !== 'object' && typeof v !== 'function')) typeError(`${path} cannot be converted to a sequence.`);
    const iter: unknown = (v as Record<symbol, unknown>)[iterator];
    if (typeof iter !== 'function') typeError(`${path} cannot be converted to a sequence.`);
    const out: unknown[] = [];
    let i = 0;
    for (const entry of v as Iterable<unknown>) out.push(item(entry, `${path}[${i++}]`));
    return out;
  };

const record =
  (value: Conv): Conv =>
  (v, path) => {
    if (v === undefined || v === null) return {};
    if (typeof v !== 'object' && typeof v !== 'function') typeError(`${path} cannot be converted to a record.`);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v as object)) out[key] = value((v as Record<string, unknown>)[key], `${path}.${key}`);
    return out;
  };

const abortSignal: Conv = (v, path) => (v instanceof Signal ? v : typeError(`${path} is not of type 'AbortSignal'.`));

/**
 * A dictionary: members in lexicographic order (WebIDL), each read exactly once; the members of an
 * inherited dictionary (`inherited`, e.g. PublicKeyCredentialEntity's name) are read first.
 */
function dictionary(members: Member[], inherited: Member[] = []): Conv {
  const byName = (a: Member, b: Member) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const sorted = [...[...inherited].sort(byName), ...[...members].sort(byName)];
  return (v, path) => {
    if (v !== undefined && v !== null && typeof v !== 'object' && typeof v !== 'function') typeError(`${path} is not an object.`);
    const source = (v ?? {}) as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const m of sorted) {
      const value = source[m.name];
      const where = path ? `${path}.${m.name}` : m.name;
      if (value !== undefined) out[m.name] = m.conv(value, where);
      else if (m.fallback !== undefined) out[m.name] = m.fallback;
      else if (m.required) typeError(`The required member ${where} is missing.`);
    }
    return out;
  };
}

const member = (name: string, conv: Conv, extra: Partial<Member> = {}): Member => ({ name, conv, ...extra });

// ---- WebAuthn dictionaries (WebAuthn L3 §5.4, §5.5, §5.8, extensions as Chromium knows them) ----

const descriptor = dictionary([
  member('type', domString, { required: true }),
  member('id', bufferSource, { required: true }),
  member('transports', sequence(domString)),
]);

const prfValues = dictionary([member('first', bufferSource, { required: true }), member('second', bufferSource)]);

// AuthenticationExtensionsClientInputs as Chromium reads it, for create() and get() alike (the
// bindings read every member; which ones make sense for which call is checked afterwards).
const extensionInputs = dictionary([
  member('appid', usvString),
  member('appidExclude', usvString),
  member('credBlob', bufferSource),
  member('credProps', boolean),
  member('credentialProtectionPolicy', domString),
  member('enforceCredentialProtectionPolicy', boolean, { fallback: false }),
  member('getCredBlob', boolean),
  member('hmacCreateSecret', boolean),
  member('largeBlob', dictionary([member('support', domString), member('read', boolean), member('write', bufferSource)])),
  member('minPinLength', boolean),
  member('prf', dictionary([member('eval', prfValues), member('evalByCredential', record(prfValues))])),
  member('uvm', boolean),
]);

const entityName = [member('name', domString, { required: true })];

export const creationOptions = dictionary([
  member('rp', dictionary([member('id', domString)], entityName), { required: true }),
  member('user', dictionary([member('id', bufferSource, { required: true }), member('displayName', domString, { required: true })], entityName), { required: true }),
  member('challenge', bufferSource, { required: true }),
  member('pubKeyCredParams', sequence(dictionary([member('type', domString, { required: true }), member('alg', long, { required: true })])), { required: true }),
  member('timeout', unsignedLong),
  member('excludeCredentials', sequence(descriptor), { fallback: [] }),
  member(
    'authenticatorSelection',
    dictionary([
      member('authenticatorAttachment', domString),
      member('residentKey', domString),
      member('requireResidentKey', boolean, { fallback: false }),
      member('userVerification', domString, { fallback: 'preferred' }),
    ]),
  ),
  member('hints', sequence(domString), { fallback: [] }),
  member('attestation', domString, { fallback: 'none' }),
  member('extensions', extensionInputs),
]);

export const requestOptions = dictionary([
  member('challenge', bufferSource, { required: true }),
  member('timeout', unsignedLong),
  member('rpId', usvString),
  member('allowCredentials', sequence(descriptor), { fallback: [] }),
  member('userVerification', domString, { fallback: 'preferred' }),
  member('hints', sequence(domString), { fallback: [] }),
  member('extensions', extensionInputs),
]);

// Chromium 156 has no 'immediate' yet: it is a TypeError there.
const MEDIATION = ['silent', 'optional', 'conditional', 'required'] as const;

/** The top-level CredentialCreationOptions / CredentialRequestOptions members Pairkey handles. */
export interface ConvertedOptions {
  mediation: string;
  signal?: AbortSignal;
  publicKey?: Record<string, unknown>;
  /** Another credential type was asked for: the browser handles the call. */
  other: boolean;
}

/**
 * Convert create()/get()'s argument. Members of other credential types (password, federated,
 * identity, otp, digital) are only looked at to know the call is not Pairkey's: the browser then
 * gets the page's own object and converts those itself.
 */
export function convertOptions(kind: 'create' | 'get', options: unknown): ConvertedOptions {
  if (options !== undefined && options !== null && typeof options !== 'object' && typeof options !== 'function') {
    typeError(`The options of ${kind}() are not an object.`);
  }
  const o = (options ?? {}) as Record<string, unknown>;
  // uiMode (get) is read by Chromium and has no effect here.
  const others = kind === 'create' ? ['digital', 'federated', 'password'] : ['digital', 'federated', 'identity', 'otp', 'password'];
  const ignored = kind === 'get' ? ['uiMode'] : [];
  let other = false;
  let mediation = 'optional';
  let signal: AbortSignal | undefined;
  let publicKey: Record<string, unknown> | undefined;
  // Lexicographic order over the members of both kinds, as the bindings read them.
  for (const name of [...others, ...ignored, 'mediation', 'publicKey', 'signal'].sort()) {
    const value = o[name];
    if (value === undefined || ignored.includes(name)) continue;
    if (name === 'mediation') mediation = enumeration(MEDIATION)(value, 'mediation') as string;
    else if (name === 'signal') signal = abortSignal(value, 'signal') as AbortSignal;
    else if (name === 'publicKey') publicKey = (kind === 'create' ? creationOptions : requestOptions)(value, 'publicKey') as Record<string, unknown>;
    else other = true;
  }
  return { mediation, ...(signal ? { signal } : {}), ...(publicKey ? { publicKey } : {}), other };
}

