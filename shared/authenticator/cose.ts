// COSE_Key (RFC 9052/9053, RFC 8230 for RSA) for the algorithms Pairkey issues, ES256 on P-256,
// EdDSA on Ed25519 and RS256, plus the DER SubjectPublicKeyInfo form that
// AuthenticatorAttestationResponse.getPublicKey() returns.
import { p256 } from '@noble/curves/nist.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { concatBytes } from '../bytes.ts';
import { asCborMap, CborError, cborDecode, cborEncode, mapBytes, mapInt } from './cbor.ts';
import { COSE_ALG_EDDSA, COSE_ALG_ES256, COSE_ALG_RS256 } from './algorithms.ts';
import type { SigningKey } from './keys.ts';
export const COSE_KTY_OKP = 1;
export const COSE_KTY_EC2 = 2;
export const COSE_KTY_RSA = 3;
export const COSE_CRV_P256 = 1;
export const COSE_CRV_ED25519 = 6;

// COSE_Key labels (RFC 9052 §7, RFC 9053 §7.1.1 / §7.2, RFC 8230 §4).
const LABEL_KTY = 1;
const LABEL_ALG = 3;
const LABEL_CRV = -1; // EC2 / OKP
const LABEL_X = -2; // EC2 / OKP
const LABEL_Y = -3; // EC2
const LABEL_N = -1; // RSA
const LABEL_E = -2; // RSA

export interface CoseEc2Key {
  kty: 2;
  alg: -7;
  crv: 1;
  x: Uint8Array;
  y: Uint8Array;
}

export interface CoseOkpKey {
  kty: 1;
  alg: -8;
  crv: 6;
  x: Uint8Array;
}

export interface CoseRsaKey {
  kty: 3;
  alg: -257;
  n: Uint8Array;
  e: Uint8Array;
}

export type CoseKey = CoseEc2Key | CoseOkpKey | CoseRsaKey;

/**
 * DER prefix of a P-256 SubjectPublicKeyInfo: SEQUENCE { SEQUENCE { id-ecPublicKey,
 * prime256v1 }, BIT STRING (0 unused bits) }. The 65-byte uncompressed point follows. Fixed
 * because every field before the point has a fixed length.
 */
const P256_SPKI_PREFIX = new Uint8Array([
  0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
  0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
]);
/** RFC 8410 §4: SEQUENCE { SEQUENCE { id-Ed25519 }, BIT STRING }, then the 32-byte key. */
const ED25519_SPKI_PREFIX = new Uint8Array([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

/** RSA moduli Pairkey accepts: 2048 to 4096 bits (RFC 8230 §6 rules out smaller ones). */
const RSA_MIN_MODULUS_BYTES = 256;
const RSA_MAX_MODULUS_BYTES = 512;

/** Throws unless `point` is a 65-byte uncompressed SEC1 point that lies on P-256. */
export function assertP256Point(point: Uint8Array): void {
  if (!(point instanceof Uint8Array) || point.length !== 65 || point[0] !== 0x04) {
    throw new CborError('P-256 public key must be a 65-byte uncompressed point (0x04 || x || y)');
  }
  try {
    p256.Point.fromBytes(point).assertValidity();
  } catch {
    throw new CborError('P-256 public key is not a point on the curve');
  }
}

/** Throws unless `key` is a 32-byte encoding of a point on Ed25519. */
export function assertEd25519Point(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== 32) throw new CborError('Ed25519 public key must be 32 bytes');
  try {
    ed25519.Point.fromBytes(key).assertValidity();
  } catch {
    throw new CborError('Ed25519 public key is not a point on the curve');
  }
}

/** Throws unless n is a 2048–4096-bit odd modulus and e an odd exponent of at most 4 bytes. */
export function assertRsaPublicKey(n: Uint8Array, e: Uint8Array): void {
  if (!(n instanceof Uint8Array) || n.length < RSA_MIN_MODULUS_BYTES || n.length > RSA_MAX_MODULUS_BYTES || n[0] === 0 || (n.at(-1)! & 1) === 0) {
    throw new CborError('RSA modulus must be an odd 2048- to 4096-bit integer without leading zeros');
  }
  if (!(e instanceof Uint8Array) || e.length < 1 || e.length > 4 || e[0] === 0 || (e.at(-1)! & 1) === 0 || (e.length === 1 && e[0]! < 3)) {
    throw new CborError('RSA exponent must be an odd integer from 3, at most 4 bytes, without leading zeros');
  }
}

/** CTAP2-canonical COSE_Key bytes for an uncompressed P-256 point. */
export function coseKeyFromP256(point: Uint8Array): Uint8Array {
  assertP256Point(point);
  // A Map keeps integer labels as CBOR integers; cborg sorts them canonically (1, 3, -1, -2, -3).
  return cborEncode(
    new Map<number, number | Uint8Array>([
      [LABEL_KTY, COSE_KTY_EC2],
      [LABEL_ALG, COSE_ALG_ES256],
      [LABEL_CRV, COSE_CRV_P256],
      [LABEL_X, point.slice(1, 33)],
      [LABEL_Y, point.slice(33, 65)],
    ]),
  );
}

/** CTAP2-canonical COSE_Key bytes of a signing key's public key, whatever its algorithm. */
export function coseKeyOf(key: SigningKey): Uint8Array {
  switch (key.alg) {
    case COSE_ALG_ES256:
      return coseKeyFromP256(key.publicKey);
    case COSE_ALG_EDDSA:
      assertEd25519Point(key.publicKey);
      return cborEncode(
        new Map<number, number | Uint8Array>([
          [LABEL_KTY, COSE_KTY_OKP],
          [LABEL_ALG, COSE_ALG_EDDSA],
          [LABEL_CRV, COSE_CRV_ED25519],
          [LABEL_X, key.publicKey],
        ]),
      );
    case COSE_ALG_RS256:
      assertRsaPublicKey(key.publicKey.n, key.publicKey.e);
      return cborEncode(
        new Map<number, number | Uint8Array>([
          [LABEL_KTY, COSE_KTY_RSA],
          [LABEL_ALG, COSE_ALG_RS256],
          [LABEL_N, key.publicKey.n],
          [LABEL_E, key.publicKey.e],
        ]),
      );
  }
}

/** DER SubjectPublicKeyInfo of a signing key's public key (what getPublicKey() returns). */
export function spkiOf(key: SigningKey): Uint8Array {
  switch (key.alg) {
    case COSE_ALG_ES256:
      return rawP256ToSpki(key.publicKey);
    case COSE_ALG_EDDSA:
      assertEd25519Point(key.publicKey);
      return concatBytes(ED25519_SPKI_PREFIX, key.publicKey);
    case COSE_ALG_RS256:
      return key.publicKey.spki;
  }
}

/** Parse a COSE_Key: EC2/ES256/P-256, OKP/EdDSA/Ed25519 or RSA/RS256; points must be on the curve. */
export function parseCoseKey(cose: Uint8Array): CoseKey {
  return coseMapToKey(asCborMap(cborDecode(cose), 'COSE_Key'));
}

/** Same as parseCoseKey for an already decoded map (e.g. inside authenticatorData). */
export function coseMapToKey(map: Map<unknown, unknown>): CoseKey {
  const kty = mapInt(map, LABEL_KTY, 'COSE_Key');
  const alg = mapInt(map, LABEL_ALG, 'COSE_Key');
  if (kty === COSE_KTY_EC2 && alg === COSE_ALG_ES256) {
    const crv = mapInt(map, LABEL_CRV, 'COSE_Key');
    if (crv !== COSE_CRV_P256) throw new CborError(`COSE_Key: unsupported crv ${crv}`);
    const x = mapBytes(map, LABEL_X, 'COSE_Key');
    const y = mapBytes(map, LABEL_Y, 'COSE_Key');
    if (x.length !== 32 || y.length !== 32) throw new CborError('COSE_Key: x and y must be 32 bytes');
    assertP256Point(concatBytes(new Uint8Array([0x04]), x, y));
    return { kty: COSE_KTY_EC2, alg: COSE_ALG_ES256, crv: COSE_CRV_P256, x, y };
  }
  if (kty === COSE_KTY_OKP && alg === COSE_ALG_EDDSA) {
    const crv = mapInt(map, LABEL_CRV, 'COSE_Key');
    if (crv !== COSE_CRV_ED25519) throw new CborError(`COSE_Key: unsupported crv ${crv}`);
    const x = mapBytes(map, LABEL_X, 'COSE_Key');
    assertEd25519Point(x);
    return { kty: COSE_KTY_OKP, alg: COSE_ALG_EDDSA, crv: COSE_CRV_ED25519, x };
  }
  if (kty === COSE_KTY_RSA && alg === COSE_ALG_RS256) {
    const n = mapBytes(map, LABEL_N, 'COSE_Key');
    const e = mapBytes(map, LABEL_E, 'COSE_Key');
    assertRsaPublicKey(n, e);
    return { kty: COSE_KTY_RSA, alg: COSE_ALG_RS256, n, e };
  }
  throw new CborError(`COSE_Key: unsupported kty ${kty} with alg ${alg}`);
}

/** Uncompressed SEC1 point (65 bytes) of an ES256 COSE key. */
export function coseToRawP256(cose: Uint8Array): Uint8Array {
  const key = parseCoseKey(cose);
  if (key.kty !== COSE_KTY_EC2) throw new CborError('COSE_Key: not a P-256 key');
  return concatBytes(new Uint8Array([0x04]), key.x, key.y);
}

/** DER SubjectPublicKeyInfo for an uncompressed P-256 point. */
export function rawP256ToSpki(point: Uint8Array): Uint8Array {
  assertP256Point(point);
  return concatBytes(P256_SPKI_PREFIX, point);
}

/** DER SubjectPublicKeyInfo for an ES256 or EdDSA COSE_Key (RSA keys carry their SPKI from WebCrypto). */
export function coseToSpki(cose: Uint8Array): Uint8Array {
  const key = parseCoseKey(cose);
  if (key.kty === COSE_KTY_EC2) return rawP256ToSpki(concatBytes(new Uint8Array([0x04]), key.x, key.y));
  if (key.kty === COSE_KTY_OKP) return concatBytes(ED25519_SPKI_PREFIX, key.x);
  throw new CborError('COSE_Key: the SPKI of an RSA key comes from the key itself');
}
