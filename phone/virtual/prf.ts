// PRF for the virtual phone (WebAuthn L3 §10.1.4, as CTAP2's hmac-secret does it): each credential
// has two secrets, one for requests with user verification and one without, and the output for a
// (client-hashed) salt is HMAC-SHA256(secret, salt). The virtual phone derives the secrets from the
// credential's private key, so they survive restarts without a second stored key.
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { fromB64url, toB64url, utf8Encode } from '../../shared/bytes.ts';

export interface PrfValues {
  first: string;
  second?: string;
}

export function prfResults(privateKey: Uint8Array, userVerified: boolean, salts: PrfValues): PrfValues {
  const secret = hkdf(sha256, privateKey, utf8Encode('pairkey/1'), utf8Encode(`pairkey/1 prf ${userVerified ? 'uv' : 'no-uv'}`), 32);
  const out = (salt: string) => toB64url(hmac(sha256, secret, fromB64url(salt)));
  return { first: out(salts.first), ...(salts.second ? { second: out(salts.second) } : {}) };
}
