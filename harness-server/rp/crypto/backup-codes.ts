// Backup (lookup) codes, NIST SP 800-63B §5.1.2: 10 codes of 10 characters from a 31-symbol
// alphabet (about 50 bits each). Below 112 bits, ASVS V2.6.2 and NIST require each to be stored
// salted (≥ 32-bit salt) and hashed with an approved hash; online guessing is throttled by
// the account lockout.
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

export const BACKUP_CODE_COUNT = 10;
/** The security page warns when this few (or fewer) unused codes are left. */
export const BACKUP_CODES_LOW = 3;
// No 0/o, 1/l/i: codes are read off paper and typed by hand. 31 symbols, drawn uniformly.
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const LENGTH = 10;

export interface HashedCode {
  salt: Buffer;
  hash: Buffer;
}

/** Displayed as `abcde-fghjk`. */
export function generateBackupCodes(count = BACKUP_CODE_COUNT): string[] {
  const unique = new Set<string>();
  while (unique.size < count) {
    let code = '';
    for (let i = 0; i < LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
    unique.add(`${code.slice(0, 5)}-${code.slice(5)}`);
  }
  return [...unique];
}

/** What a person typed, reduced to the canonical code (case, spaces and dashes ignored). */
export function normaliseBackupCode(input: string): string {
  return input.toLowerCase().replace(/[\s-]/g, '');
}

function digest(salt: Buffer, code: string): Buffer {
  return createHash('sha256').update(salt).update(normaliseBackupCode(code)).digest();
}

export function hashBackupCode(code: string): HashedCode {
  const salt = randomBytes(16);
  return { salt, hash: digest(salt, code) };
}

export function backupCodeMatches(input: string, stored: HashedCode): boolean {
  return timingSafeEqual(digest(stored.salt, input), stored.hash);
}
