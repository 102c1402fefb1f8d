// One-time codes from authenticator apps: TOTP (RFC 6238) and HOTP (RFC 4226) through otplib.
import { createGuardrails, generateSecret, generateURI, verifySync } from 'otplib';
import type { OtpAlgorithm } from '../../config.ts';
import { crypto as nodeCrypto } from '@otplib/plugin-crypto-node';

export type OtpKind = 'totp' | 'hotp';

/** What an authenticator app needs besides the secret; fixed per enrolment. */
export interface OtpParams {
  kind: OtpKind;
  algorithm: OtpAlgorithm;
  digits: 6 | 8;
  /** TOTP step in seconds (ignored for HOTP). */
  period: number;
}

export type OtpCheck =
  /** `step`: the TOTP time step or HOTP counter that matched. */
  | { valid: true; step: number }
  /** `reused`: right code, but its time step was already accepted once. */
  | { valid: false; reason: 'wrong' | 'reused' };

/** 160-bit secret (RFC 4226 §4 recommends it), base32 as authenticator apps expect. */
export function newOtpSecret(): string {
  return generateSecret({ length: 20 });
}

export function otpauthUri(params: OtpParams, secret: string, issuer: string, label: string): string {
  return generateURI({
    strategy: params.kind,
    issuer,
    label,
    secret,
    algorithm: params.algorithm,
    digits: params.digits,
    ...(params.kind === 'totp' ? { period: params.period } : { counter: 0 }),
  });
}

/** Codes are exactly `digits` decimal digits; spaces people type between groups are dropped. */
export function normaliseOtpCode(input: string): string {
  return input.replace(/\s/g, '');
}

/**
 * What otplib would otherwise build again on every call (its default guardrails), and its
 * node:crypto (OpenSSL) HMAC plugin in place of the default pure-JS one: synchronous, so codes are
 * checked with `verifySync`.
 */
const CHECK = { crypto: nodeCrypto, guardrails: createGuardrails() } as const;

/** Exactly `digits` decimal digits, built once per digit count rather than per code. */
const TOKEN_SHAPE: Readonly<Record<OtpParams['digits'], RegExp>> = { 6: /^\d{6}$/, 8: /^\d{8}$/ };

function safeVerify(options: Parameters<typeof verifySync>[0]): ReturnType<typeof verifySync> | { valid: false } {
  try {
    return verifySync(options);
  } catch {
    // otplib throws for tokens of the wrong shape and for afterTimeStep values outside the
    // window; both simply mean "not a valid code now".
    return { valid: false };
  }
}

export interface TotpInput {
  secret: string;
  code: string;
  params: OtpParams;
  nowMs: number;
  driftSteps: number;
  /** The last accepted time step, or null before the first. */
  lastStep: number | null;
  /** QA switch: when false a code may be accepted again within its window. */
  replayProtection: boolean;
}

export function checkTotp(input: TotpInput): OtpCheck {
  const token = normaliseOtpCode(input.code);
  if (!TOKEN_SHAPE[input.params.digits].test(token)) return { valid: false, reason: 'wrong' };
  const base = {
    ...CHECK,
    secret: input.secret,
    token,
    algorithm: input.params.algorithm,
    digits: input.params.digits,
    period: input.params.period,
    epoch: Math.floor(input.nowMs / 1000),
    epochTolerance: input.driftSteps * input.params.period,
  };
  if (input.replayProtection && input.lastStep !== null) {
    const fresh = safeVerify({ ...base, afterTimeStep: input.lastStep });
    if (fresh.valid && 'timeStep' in fresh) return { valid: true, step: fresh.timeStep };
    // Only to tell the person why: the code was right but already spent.
    const any = safeVerify(base);
    return { valid: false, reason: any.valid ? 'reused' : 'wrong' };
  }
  const result = safeVerify(base);
  return result.valid && 'timeStep' in result ? { valid: true, step: result.timeStep } : { valid: false, reason: 'wrong' };
}

export interface HotpInput {
  secret: string;
  code: string;
  params: OtpParams;
  /** The next counter the server expects. */
  counter: number;
  /** Resync window: how far ahead of `counter` a code may be (the app was pressed unused). */
  lookAhead: number;
}

/** HOTP never accepts a counter below `counter`, so a used code cannot come back. */
export function checkHotp(input: HotpInput): OtpCheck {
  const token = normaliseOtpCode(input.code);
  if (!TOKEN_SHAPE[input.params.digits].test(token)) return { valid: false, reason: 'wrong' };
  const result = safeVerify({
    ...CHECK,
    strategy: 'hotp',
    secret: input.secret,
    token,
    algorithm: input.params.algorithm,
    digits: input.params.digits,
    counter: input.counter,
    counterTolerance: [0, input.lookAhead],
  });
  return result.valid ? { valid: true, step: input.counter + result.delta } : { valid: false, reason: 'wrong' };
}
