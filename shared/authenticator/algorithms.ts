// The COSE algorithms (IANA COSE registry) the authenticator core can create keys for, the ones
// Chromium's own authenticators offer and RPs ask for:
//   ES256 (-7)    ECDSA P-256 / SHA-256, signature in ASN.1 DER (WebAuthn §6.5.6)
//   EdDSA (-8)    Ed25519, the 64-byte signature as is
//   RS256 (-257)  RSASSA-PKCS1-v1_5 / SHA-256
export const COSE_ALG_ES256 = -7;
export const COSE_ALG_EDDSA = -8;
export const COSE_ALG_RS256 = -257;
export type CoseAlgorithm = typeof COSE_ALG_ES256 | typeof COSE_ALG_EDDSA | typeof COSE_ALG_RS256;
/** In the order an authenticator prefers them when the RP gives no order of its own. */
export const SUPPORTED_ALGORITHMS: readonly CoseAlgorithm[] = [COSE_ALG_ES256, COSE_ALG_EDDSA, COSE_ALG_RS256];

export function isCoseAlgorithm(alg: number): alg is CoseAlgorithm {
  return (SUPPORTED_ALGORITHMS as readonly number[]).includes(alg);
}
