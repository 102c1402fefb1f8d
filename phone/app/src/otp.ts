// One-time password accounts (TOTP, RFC 6238, and HOTP, RFC 4226): reading them from an
// `otpauth://` QR code or from what the person typed, and computing their codes with otplib.
// Everything a QR code or a form gives us is checked here before it is stored.
import { parse as parseOtpauth } from '@otplib/uri';
import { createGuardrails, generate, ScureBase32Plugin, type HashAlgorithm } from 'otplib';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/**
 * RFC 4226 asks for 128-bit secrets, but widely used services issue 80-bit ones (16 base32
 * characters); an authenticator that refused them would be useless there. 10 bytes is the floor.
 */
const MIN_SECRET_BYTES = 10;
const guardrails = createGuardrails({ MIN_SECRET_BYTES });
const base32 = new ScureBase32Plugin();

export const OtpSpecSchema = Type.Object(
  {
    type: Type.Union([Type.Literal('totp'), Type.Literal('hotp')]),
    issuer: Type.String({ maxLength: 128 }),
    account: Type.String({ maxLength: 256 }),
    /** Normalised base32: upper case, no spaces, no padding. */
    secret: Type.String({ pattern: '^[A-Z2-7]{16,128}$' }),
    algorithm: Type.Union([Type.Literal('sha1'), Type.Literal('sha256'), Type.Literal('sha512')]),
    digits: Type.Integer({ minimum: 6, maximum: 8 }),
    /** TOTP time step in seconds. */
    period: Type.Integer({ minimum: 10, maximum: 300 }),
    /** HOTP: the counter of the next code to show. */
    counter: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  },
  { additionalProperties: false },
);
export type OtpSpec = Static<typeof OtpSpecSchema>;

export interface OtpAccount extends OtpSpec {
  id: string;
  createdAt: number;
}

export class OtpInputError extends Error {
  override name = 'OtpInputError';
}

/** What the person typed on the "add by key" form. */
export interface ManualOtpInput {
  type: 'totp' | 'hotp';
  issuer: string;
  account: string;
  secret: string;
  algorithm?: string;
  digits?: number;
  period?: number;
  counter?: number;
}

export function normaliseSecret(secret: string): string {
  // Keys are often shown in groups ("jbsw y3dp …") and sometimes padded.
  return secret.replace(/[\s-]+/g, '').replace(/=+$/, '').toUpperCase();
}

function checkSpec(candidate: OtpSpec): OtpSpec {
  if (!Value.Check(OtpSpecSchema, candidate)) {
    const first = [...Value.Errors(OtpSpecSchema, candidate)][0];
    const field = first?.path.replace(/^\//, '') || 'account';
    throw new OtpInputError(field === 'secret' ? 'The key must be at least 16 base32 characters (A–Z, 2–7).' : `Invalid ${field}: ${first?.message ?? 'not accepted'}`);
  }
  let bytes: Uint8Array;
  try {
    bytes = base32.decode(candidate.secret);
  } catch {
    throw new OtpInputError('The key is not valid base32.');
  }
  if (bytes.length < MIN_SECRET_BYTES) throw new OtpInputError(`The key is too short (${bytes.length * 8} bits; at least ${MIN_SECRET_BYTES * 8} needed).`);
  return candidate;
}

function algorithmOf(value: string | undefined): HashAlgorithm {
  const normal = (value ?? 'sha1').toLowerCase().replace(/[-_]/g, '');
  if (normal === 'sha1' || normal === 'sha256' || normal === 'sha512') return normal;
  throw new OtpInputError(`Unsupported algorithm ${value}`);
}

export function manualOtpSpec(input: ManualOtpInput): OtpSpec {
  const issuer = input.issuer.trim();
  const account = input.account.trim();
  if (!issuer && !account) throw new OtpInputError('Give the account a name or an issuer.');
  return checkSpec({
    type: input.type,
    issuer,
    account,
    secret: normaliseSecret(input.secret),
    algorithm: algorithmOf(input.algorithm),
    digits: input.digits ?? 6,
    period: input.period ?? 30,
    counter: input.counter ?? 0,
  });
}

/** Read an `otpauth://totp/…` or `otpauth://hotp/…` URI (Google's Key Uri Format). */
export function otpSpecFromUri(uri: string): OtpSpec {
  let parsed;
  try {
    parsed = parseOtpauth(uri.trim());
  } catch (error) {
    throw new OtpInputError(`Not a one-time password QR code: ${error instanceof Error ? error.message : String(error)}`);
  }
  // The label is "Issuer:account" or "account"; the issuer parameter wins when both exist.
  const colon = parsed.label.indexOf(':');
  const labelIssuer = colon >= 0 ? parsed.label.slice(0, colon).trim() : '';
  const account = (colon >= 0 ? parsed.label.slice(colon + 1) : parsed.label).trim();
  return checkSpec({
    type: parsed.type,
    issuer: parsed.params.issuer?.trim() || labelIssuer,
    account,
    secret: normaliseSecret(parsed.params.secret),
    algorithm: algorithmOf(parsed.params.algorithm),
    digits: parsed.params.digits ?? 6,
    period: parsed.params.period ?? 30,
    counter: parsed.params.counter ?? 0,
  });
}

/** The TOTP code at `nowMs`. */
export function totpCode(spec: OtpSpec, nowMs: number): Promise<string> {
  return generate({ strategy: 'totp', secret: spec.secret, algorithm: spec.algorithm, digits: spec.digits, period: spec.period, epoch: Math.floor(nowMs / 1000), guardrails });
}

/** The HOTP code for `counter`. */
export function hotpCode(spec: OtpSpec, counter: number): Promise<string> {
  return generate({ strategy: 'hotp', secret: spec.secret, algorithm: spec.algorithm, digits: spec.digits, counter, guardrails });
}

/** Whole seconds until the current TOTP code changes (1 … period). */
export function secondsLeft(period: number, nowMs: number): number {
  return period - (Math.floor(nowMs / 1000) % period);
}

/** A display name: "Issuer (account)", or whichever of the two exists. */
export function otpTitle(spec: Pick<OtpSpec, 'issuer' | 'account'>): string {
  if (spec.issuer && spec.account) return `${spec.issuer} (${spec.account})`;
  return spec.issuer || spec.account;
}
