// Native-shaped PublicKeyCredentialCreationOptions / PublicKeyCredentialRequestOptions
// (WebAuthn L3 §5.4, §5.5), validated and normalised the way a browser's WebIDL bindings plus
// §5.1.3 / §5.1.4 would, so that the rest of Pairkey only ever sees well-formed options.
//
// What mirrors browsers:
//  - missing required members or wrong types → TypeError naming the member path;
//  - spec defaults are applied (attestation 'none', userVerification 'preferred', residentKey
//    from requireResidentKey, empty pubKeyCredParams → ES256 + RS256, empty sequences);
//  - "enum-like" DOMString members (attestation, userVerification, residentKey, attachment,
//    hints, transports) ignore unknown values, as the spec requires for forward compatibility;
//  - descriptors and pubKeyCredParams entries with an unknown `type` are skipped;
//  - `alg` is a WebIDL `long`, so a numeric string ("-7") is converted;
//  - unknown members are ignored.
// Where we are stricter than WebIDL: DOMString members must really be strings (WebIDL would
// stringify anything), binary members must be Uint8Array (the extension converts BufferSources
// before calling us), and sizes are capped (OPTION_LIMITS) so a page cannot make the extension
// and the phone shuffle megabytes around.
import { WebAuthnError } from '../errors.ts';
import { copyBytes } from '../bytes.ts';

export type UserVerificationRequirement = 'discouraged' | 'preferred' | 'required';
export type ResidentKeyRequirement = 'discouraged' | 'preferred' | 'required';
export type AttestationConveyancePreference = 'none' | 'indirect' | 'direct' | 'enterprise';
export type AuthenticatorAttachment = 'platform' | 'cross-platform';
export type PublicKeyCredentialHint = 'security-key' | 'client-device' | 'hybrid';
export type AuthenticatorTransport = 'usb' | 'nfc' | 'ble' | 'smart-card' | 'hybrid' | 'internal';

export interface CredentialDescriptor {
  type: 'public-key';
  id: Uint8Array;
  transports?: string[];
}

export interface CredentialParameters {
  type: 'public-key';
  alg: number;
}

export interface AuthenticatorSelection {
  authenticatorAttachment?: AuthenticatorAttachment;
  residentKey: ResidentKeyRequirement;
  /** Normalised to `residentKey === 'required'` (the effective value per §5.4.4). */
  requireResidentKey: boolean;
  userVerification: UserVerificationRequirement;
}

export interface CreationOptions {
  rp: { id?: string; name: string };
  user: { id: Uint8Array; name: string; displayName: string };
  challenge: Uint8Array;
  pubKeyCredParams: CredentialParameters[];
  timeout?: number;
  excludeCredentials: CredentialDescriptor[];
  authenticatorSelection: AuthenticatorSelection;
  hints: string[];
  attestation: AttestationConveyancePreference;
  extensions: Record<string, unknown>;
}

export interface RequestOptions {
  challenge: Uint8Array;
  timeout?: number;
  rpId?: string;
  allowCredentials: CredentialDescriptor[];
  userVerification: UserVerificationRequirement;
  hints: string[];
  extensions: Record<string, unknown>;
}

export const COSE_ALG_ES256 = -7;
export const COSE_ALG_RS256 = -257;

/** Size caps (DoS protection). Exceeding one is a TypeError naming the member. */
export const OPTION_LIMITS = {
  /** Total bytes of credential IDs in excludeCredentials / allowCredentials. */
  descriptorBytes: 64 * 1024,
  descriptorCount: 4096,
  challengeBytes: 16 * 1024,
  stringLength: 4096,
  pubKeyCredParams: 64,
  hints: 16,
  transports: 16,
  extensionKeys: 64,
} as const;

const REQUIREMENTS = ['discouraged', 'preferred', 'required'] as const;
const CONVEYANCES = ['none', 'indirect', 'direct', 'enterprise'] as const;
const ATTACHMENTS = ['platform', 'cross-platform'] as const;
const HINTS = ['security-key', 'client-device', 'hybrid'] as const;
const TRANSPORTS = ['usb', 'nfc', 'ble', 'smart-card', 'hybrid', 'internal'] as const;

export function validateCreationOptions(input: unknown): CreationOptions {
  const o = dict(input, 'options', true);
  const rpIn = dict(o.rp, 'rp', true);
  const rp: CreationOptions['rp'] = { name: requiredString(rpIn.name, 'rp.name') };
  if (rpIn.id !== undefined) rp.id = string(rpIn.id, 'rp.id');

  const userIn = dict(o.user, 'user', true);
  const userId = bytes(userIn.id, 'user.id');
  // §5.1.3 step 4 says between 1 and 64 bytes; Chromium refuses only more than 64 (an empty
  // user.id registers), and the site sees Chromium (issue 12, docs/extension.md "Conformance").
  if (userId.length > 64) fail(`user.id must be at most 64 bytes long (got ${userId.length})`);
  const user = {
    id: userId,
    name: requiredString(userIn.name, 'user.name'),
    displayName: requiredString(userIn.displayName, 'user.displayName'),
  };

  const out: CreationOptions = {
    rp,
    user,
    challenge: challenge(o.challenge),
    pubKeyCredParams: pubKeyCredParams(o.pubKeyCredParams),
    excludeCredentials: descriptors(o.excludeCredentials, 'excludeCredentials'),
    authenticatorSelection: authenticatorSelection(o.authenticatorSelection),
    hints: hints(o.hints),
    attestation: oneOf(o.attestation, CONVEYANCES) ?? 'none',
    extensions: extensions(o.extensions),
  };
  const timeout = optionalTimeout(o.timeout);
  if (timeout !== undefined) out.timeout = timeout;
  return out;
}

export function validateRequestOptions(input: unknown): RequestOptions {
  const o = dict(input, 'options', true);
  const out: RequestOptions = {
    challenge: challenge(o.challenge),
    allowCredentials: descriptors(o.allowCredentials, 'allowCredentials'),
    userVerification: oneOf(o.userVerification, REQUIREMENTS) ?? 'preferred',
    hints: hints(o.hints),
    extensions: extensions(o.extensions),
  };
  const timeout = optionalTimeout(o.timeout);
  if (timeout !== undefined) out.timeout = timeout;
  if (o.rpId !== undefined) out.rpId = string(o.rpId, 'rpId');
  return out;
}

// ---- members -------------------------------------------------------------------------------

function challenge(value: unknown): Uint8Array {
  const c = bytes(value, 'challenge');
  // Chromium accepts short challenges, even an empty one (the 16-byte minimum is advice to RPs).
  if (c.length > OPTION_LIMITS.challengeBytes) fail(`challenge is larger than ${OPTION_LIMITS.challengeBytes} bytes`);
  return c;
}

function pubKeyCredParams(value: unknown): CredentialParameters[] {
  const list = sequence(value, 'pubKeyCredParams', true, OPTION_LIMITS.pubKeyCredParams);
  // §5.1.3 step 10: an empty list means "ES256 and RS256".
  if (list.length === 0) {
    return [
      { type: 'public-key', alg: COSE_ALG_ES256 },
      { type: 'public-key', alg: COSE_ALG_RS256 },
    ];
  }
  const out: CredentialParameters[] = [];
  list.forEach((entry, i) => {
    const path = `pubKeyCredParams[${i}]`;
    const p = dict(entry, path, true);
    const type = requiredString(p.type, `${path}.type`);
    const alg = long(p.alg, `${path}.alg`);
    // §5.1.3 step 10.1: entries of a type this client does not support are skipped.
    if (type === 'public-key') out.push({ type, alg });
  });
  // §5.1.3 step 10.2: nothing usable left → NotSupportedError.
  if (out.length === 0) throw new WebAuthnError('NotSupportedError', 'pubKeyCredParams lists no supported credential type');
  return out;
}

function descriptors(value: unknown, name: string): CredentialDescriptor[] {
  const list = sequence(value, name, false, OPTION_LIMITS.descriptorCount);
  const out: CredentialDescriptor[] = [];
  let total = 0;
  list.forEach((entry, i) => {
    const path = `${name}[${i}]`;
    const d = dict(entry, path, true);
    const type = requiredString(d.type, `${path}.type`);
    const id = bytes(d.id, `${path}.id`);
    total += id.length;
    if (total > OPTION_LIMITS.descriptorBytes) fail(`${name} holds more than ${OPTION_LIMITS.descriptorBytes} bytes of credential IDs`);
    let transports: string[] | undefined;
    if (d.transports !== undefined) {
      const raw = sequence(d.transports, `${path}.transports`, false, OPTION_LIMITS.transports);
      // Unknown transports are ignored (§5.8.4), but each must be a string (WebIDL DOMString).
      transports = raw
        .map((t, j) => string(t, `${path}.transports[${j}]`))
        .filter((t) => (TRANSPORTS as readonly string[]).includes(t));
    }
    // §5.8.3: descriptors with an unknown type are ignored.
    if (type !== 'public-key') return;
    out.push(transports ? { type, id, transports } : { type, id });
  });
  return out;
}

function authenticatorSelection(value: unknown): AuthenticatorSelection {
  const s = dict(value, 'authenticatorSelection', false);
  // WebIDL boolean: any value converts by truthiness, as in browsers.
  const requireResidentKey = s.requireResidentKey === undefined ? false : Boolean(s.requireResidentKey);
  // §5.4.4: residentKey wins when present and known; otherwise requireResidentKey decides.
  const residentKey = oneOf(s.residentKey, REQUIREMENTS) ?? (requireResidentKey ? 'required' : 'discouraged');
  const out: AuthenticatorSelection = {
    residentKey,
    requireResidentKey: residentKey === 'required',
    userVerification: oneOf(s.userVerification, REQUIREMENTS) ?? 'preferred',
  };
  const attachment = oneOf(s.authenticatorAttachment, ATTACHMENTS);
  if (attachment) out.authenticatorAttachment = attachment;
  return out;
}

function hints(value: unknown): string[] {
  const list = sequence(value, 'hints', false, OPTION_LIMITS.hints);
  const out: string[] = [];
  list.forEach((h, i) => {
    const hint = string(h, `hints[${i}]`);
    if ((HINTS as readonly string[]).includes(hint) && !out.includes(hint)) out.push(hint);
  });
  return out;
}

function extensions(value: unknown): Record<string, unknown> {
  const e = dict(value, 'extensions', false);
  const keys = Object.keys(e);
  if (keys.length > OPTION_LIMITS.extensionKeys) fail(`extensions has more than ${OPTION_LIMITS.extensionKeys} members`);
  // Object.fromEntries defines members: a page's own "__proto__" member stays a member instead of
  // running the prototype setter.
  return Object.fromEntries(keys.filter((k) => e[k] !== undefined).map((k) => [k, e[k]]));
}

function optionalTimeout(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = numeric(value, 'timeout');
  if (n < 0) fail('timeout must not be negative');
  // WebIDL unsigned long; anything beyond 2^32-1 ms is "no limit" for our purposes.
  return Math.min(Math.trunc(n), 0xffffffff);
}

// ---- WebIDL-ish conversions ----------------------------------------------------------------

type Dict = Record<string, unknown>;

/** A dictionary member: undefined/null → {} (WebIDL), unless it is required. */
function dict(value: unknown, path: string, required: boolean): Dict {
  if (value === undefined || value === null) {
    if (required) fail(`${path} is required`);
    return {};
  }
  if (typeof value !== 'object' || Array.isArray(value) || ArrayBuffer.isView(value)) {
    fail(`${path} must be an object`);
  }
  return value as Dict;
}

function sequence(value: unknown, path: string, required: boolean, max: number): unknown[] {
  if (value === undefined) {
    if (required) fail(`${path} is required`);
    return [];
  }
  if (!Array.isArray(value)) fail(`${path} must be an array`);
  if (value.length > max) fail(`${path} has more than ${max} entries`);
  return value;
}

function string(value: unknown, path: string): string {
  if (typeof value !== 'string') fail(`${path} must be a string`);
  if (value.length > OPTION_LIMITS.stringLength) fail(`${path} is longer than ${OPTION_LIMITS.stringLength} characters`);
  return value;
}

function requiredString(value: unknown, path: string): string {
  if (value === undefined) fail(`${path} is required`);
  return string(value, path);
}

/** Binary members must already be Uint8Array; we copy so later changes by the caller don't leak in. */
function bytes(value: unknown, path: string): Uint8Array {
  if (value === undefined) fail(`${path} is required`);
  if (!(value instanceof Uint8Array)) fail(`${path} must be a Uint8Array`);
  return copyBytes(value);
}

/** A number, or a string holding one (WebIDL ToNumber on a DOMString). */
function numeric(value: unknown, path: string): number {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && value.trim() !== '') n = Number(value);
  else fail(`${path} must be a number`);
  if (!Number.isFinite(n)) fail(`${path} must be a finite number`);
  return n;
}

/** WebIDL `long` (COSEAlgorithmIdentifier). */
function long(value: unknown, path: string): number {
  if (value === undefined) fail(`${path} is required`);
  const n = Math.trunc(numeric(value, path));
  if (n < -0x80000000 || n > 0x7fffffff) fail(`${path} is outside the range of a long`);
  return n === 0 ? 0 : n; // no -0
}

/** Enum-like DOMString: an unknown value (or a non-string) counts as absent. */
function oneOf<T extends string>(value: unknown, allowed: readonly T[]): T | undefined {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : undefined;
}

function fail(message: string): never {
  throw new WebAuthnError('TypeError', message);
}
