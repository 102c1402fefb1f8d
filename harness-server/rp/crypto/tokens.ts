// Bearer tokens (session cookies, email links): 32 random bytes handed out in base64url; only
// their SHA-256 is stored, so reading the database does not yield a usable token. Lookups by
// that hash are equality on a value whose preimage an attacker cannot choose, so they leak
// nothing useful through timing.
import { createHash, randomBytes } from 'node:crypto';
import { fromB64url, toB64url } from '../../../shared/bytes.ts';

export interface IssuedToken {
  token: string;
  hash: Buffer;
}

export function issueToken(): IssuedToken {
  const bytes = randomBytes(32);
  return { token: toB64url(bytes), hash: createHash('sha256').update(bytes).digest() };
}

/** The stored form of a presented token; undefined for anything that is not 32 base64url bytes. */
export function tokenHash(token: string): Buffer | undefined {
  let bytes: Uint8Array;
  try {
    bytes = fromB64url(token);
  } catch {
    return undefined;
  }
  if (bytes.length !== 32) return undefined;
  return createHash('sha256').update(bytes).digest();
}
