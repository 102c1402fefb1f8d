// The optional app PIN: the phone's user verification. Only a salted PBKDF2 hash is stored, and
// wrong guesses slow the next attempt down. WebCrypto only, so it runs in the browser and in Node.
import { equalBytes } from '../../../shared/bytes.ts';

/** OWASP's 2023 figure for PBKDF2-HMAC-SHA256; stored with the hash so it can be raised later. */
export const PIN_ITERATIONS = 600_000;
const SALT_BYTES = 16;
const HASH_BITS = 256;
export const PIN_PATTERN = /^\d{4,12}$/;

export interface PinHash {
  salt: Uint8Array;
  hash: Uint8Array;
  iterations: number;
}

/** Consecutive wrong PINs and when the last one was entered. */
export interface PinFailures {
  count: number;
  lastAt: number;
}

export class PinFormatError extends Error {
  override name = 'PinFormatError';
  constructor() {
    super('The PIN must be 4 to 12 digits.');
  }
}

async function derive(pin: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const material = await crypto.subtle.importKey('raw', new TextEncoder().encode(pin), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: new Uint8Array(salt), iterations }, material, HASH_BITS);
  return new Uint8Array(bits);
}

export async function hashPin(pin: string, iterations = PIN_ITERATIONS): Promise<PinHash> {
  if (!PIN_PATTERN.test(pin)) throw new PinFormatError();
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  return { salt, hash: await derive(pin, salt, iterations), iterations };
}

/** Constant-time comparison of the derived hash, so timing says nothing about near misses. */
export async function verifyPin(pin: string, stored: PinHash): Promise<boolean> {
  if (!PIN_PATTERN.test(pin)) return false;
  return equalBytes(await derive(pin, stored.salt, stored.iterations), stored.hash);
}

/** Free attempts before the app starts making the person wait. */
export const FREE_ATTEMPTS = 5;
const FIRST_DELAY_MS = 30_000;
const MAX_DELAY_MS = 60 * 60_000;

/**
 * When the next attempt is allowed: at once for the first few wrong PINs, then 30 s, doubling
 * per further failure up to an hour. This bounds guessing through the app's own UI; it cannot
 * stop someone who can run code in the app's origin (see docs/phone.md).
 */
export function nextAttemptAt(failures: PinFailures): number {
  if (failures.count < FREE_ATTEMPTS) return 0;
  const delay = Math.min(FIRST_DELAY_MS * 2 ** (failures.count - FREE_ATTEMPTS), MAX_DELAY_MS);
  return failures.lastAt + delay;
}
