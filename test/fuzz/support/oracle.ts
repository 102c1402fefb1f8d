// The fuzz oracle: input from another device, a page or the network may be refused, but only
// with the error type the module documents and a message a person can read. A RangeError from
// deep inside a library, a bare TypeError or a hang is a bug.
import { CborError } from '../../../shared/authenticator/cbor.ts';
import { WebAuthnError, type WebAuthnErrorName } from '../../../shared/errors.ts';
import { PROTOCOL_ERROR_CODES, ProtocolError, type ProtocolErrorCode } from '../../../shared/protocol/errors.ts';

/** Says whether a thrown value is one of the clean errors a target may throw. */
export interface ErrorKind {
  description: string;
  matches(error: unknown): boolean;
}

export const protocolError = (...codes: ProtocolErrorCode[]): ErrorKind => ({
  description: `ProtocolError(${codes.join('|')})`,
  matches: (error) => error instanceof ProtocolError && PROTOCOL_ERROR_CODES.includes(error.code) && codes.includes(error.code),
});

export const webAuthnError = (...names: WebAuthnErrorName[]): ErrorKind => ({
  description: `WebAuthnError(${names.join('|')})`,
  matches: (error) => error instanceof WebAuthnError && names.includes(error.errorName),
});

export const cborError: ErrorKind = { description: 'CborError', matches: (error) => error instanceof CborError };

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: Error };

export class UncleanError extends Error {
  override readonly name = 'UncleanError';
}

function describeThrown(error: unknown): string {
  if (error instanceof Error) return `${error.constructor.name} ${error.name}: ${error.message}`;
  return `a non-Error value (${typeof error}): ${String(error)}`;
}

function judge(error: unknown, allowed: ErrorKind[]): Error {
  const clean = allowed.some((kind) => kind.matches(error));
  if (!clean) {
    throw new UncleanError(`Expected ${allowed.map((k) => k.description).join(' or ')}, got ${describeThrown(error)}`, { cause: error });
  }
  const e = error as Error;
  // A clean error explains itself: an empty message is as useless to a person as a crash.
  if (e.message.trim() === '') throw new UncleanError(`${e.name} without a message`, { cause: error });
  return e;
}

/** Runs `fn`; a throw must be one of `allowed` (else UncleanError). */
export function cleanly<T>(fn: () => T, ...allowed: ErrorKind[]): Outcome<T> {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    return { ok: false, error: judge(error, allowed) };
  }
}

/** For properties: turn a broken invariant into a failure fast-check can shrink. */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`Invariant broken: ${message}`);
}
