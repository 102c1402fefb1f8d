// Password hashing with scrypt (RFC 7914; OWASP Password Storage Cheat Sheet) and the
// NIST SP 800-63B §3.1.1.2 / ASVS V2.1 password rules: length over composition, Unicode
// normalised, checked against common and context-specific passwords.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { ScryptCost } from '../settings.ts';
import { isCommonPassword } from './common-passwords.ts';

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;
const KEY_BYTES = 32;

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const N = 2 ** cost.log2N;
  const options: ScryptOptions = { N, r: cost.r, p: cost.p, maxmem: 256 * N * cost.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_BYTES, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** `scrypt$ln=15,r=8,p=3$<salt>$<hash>` (base64url): the parameters travel with the hash. */
export async function hashPassword(password: string, cost: ScryptCost): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, cost);
  return `scrypt$ln=${cost.log2N},r=${cost.r},p=${cost.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

const ENCODED = /^scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const match = ENCODED.exec(encoded);
  if (!match) return false;
  const [, ln, r, p, salt, hash] = match;
  const expected = Buffer.from(hash!, 'base64url');
  const actual = await derive(password, Buffer.from(salt!, 'base64url'), { log2N: Number(ln), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** True when the stored hash used other parameters than today's: rehash at the next sign-in. */
export function needsRehash(encoded: string, cost: ScryptCost): boolean {
  return !encoded.startsWith(`scrypt$ln=${cost.log2N},r=${cost.r},p=${cost.p}$`);
}

/** Hashed with a throwaway salt so that an unknown username costs as much time as a known one. */
let dummyHash: Promise<string> | undefined;
export async function burnPasswordCheck(password: string, cost: ScryptCost): Promise<void> {
  dummyHash ??= hashPassword('not a real password', cost);
  await verifyPassword(password, await dummyHash);
}

/** Why a new password is refused, or undefined when it is acceptable. */
export function passwordProblem(password: string, context: readonly string[]): string | undefined {
  const normalised = password.normalize('NFKC');
  const length = [...normalised].length;
  if (length < PASSWORD_MIN_LENGTH) return `Use at least ${PASSWORD_MIN_LENGTH} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `Use at most ${PASSWORD_MAX_LENGTH} characters`;
  const lower = normalised.toLowerCase();
  if (isCommonPassword(lower)) return 'This password is too common; choose another';
  if (/^(.)\1+$/u.test(lower)) return 'This password repeats one character; choose another';
  for (const word of context) {
    if (word.length >= 3 && lower.includes(word.toLowerCase())) {
      return 'The password must not contain your username, email address or the site name';
    }
  }
  return undefined;
}
