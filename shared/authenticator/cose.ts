// COSE_Key (RFC 9052/9053) for the only algorithm Pairkey issues, ES256 on P-256, plus the DER
// SubjectPublicKeyInfo form that AuthenticatorAttestationResponse.getPublicKey() returns.
import { p256 } from '@noble/curves/nist.js';
import { concatBytes } from '../bytes.ts';
import { asCborMap, CborError, cborDecode, cborEncode, mapBytes, mapInt } from './cbor.ts';

export const COSE_ALG_ES256 = -7;
export const COSE_KTY_EC2 = 2;
export const COSE_CRV_P256 = 1;

// COSE_Key labels (RFC 9052 §7, RFC 9053 §7.1.1).
const LABEL_KTY = 1;
const LABEL_ALG = 3;
const LABEL_CRV = -1;
const LABEL_X = -2;
const LABEL_Y = -3;

export interface CoseEc2Key {
  kty: 2;
  alg: -7;
  crv: 1;
  x: Uint8Array;
  y: Uint8Array;
}

/**
 * DER prefix of a P-256 SubjectPublicKeyInfo: SEQUENCE { SEQUENCE { id-ecPublicKey,
 * prime256v1 }, BIT STRING (0 unused bits) }. The 65-byte uncompressed point follows. Fixed
 * because every field before the point has a fixed length.
 */
const P256_SPKI_PREFIX = new Uint8Array([
  0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
  0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
]);

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

/** Parse a COSE_Key; only EC2/ES256/P-256 is accepted, and the point must be on the curve. */
export function parseCoseKey(cose: Uint8Array): CoseEc2Key {
  return coseMapToKey(asCborMap(cborDecode(cose), 'COSE_Key'));
}

/** Same as parseCoseKey for an already decoded map (e.g. inside authenticatorData). */
export function coseMapToKey(map: Map<unknown, unknown>): CoseEc2Key {
  const kty = mapInt(map, LABEL_KTY, 'COSE_Key');
  if (kty !== COSE_KTY_EC2) throw new CborError(`COSE_Key: unsupported kty ${kty}`);
  const alg = mapInt(map, LABEL_ALG, 'COSE_Key');
  if (alg !== COSE_ALG_ES256) throw new CborError(`COSE_Key: unsupported alg ${alg}`);
  const crv = mapInt(map, LABEL_CRV, 'COSE_Key');
  if (crv !== COSE_CRV_P256) throw new CborError(`COSE_Key: unsupported crv ${crv}`);
  const x = mapBytes(map, LABEL_X, 'COSE_Key');
  const y = mapBytes(map, LABEL_Y, 'COSE_Key');
  if (x.length !== 32 || y.length !== 32) throw new CborError('COSE_Key: x and y must be 32 bytes');
  assertP256Point(concatBytes(new Uint8Array([0x04]), x, y));
  return { kty: COSE_KTY_EC2, alg: COSE_ALG_ES256, crv: COSE_CRV_P256, x, y };
}

/** Uncompressed SEC1 point (65 bytes) of a COSE key. */
export function coseToRawP256(cose: Uint8Array): Uint8Array {
  const key = parseCoseKey(cose);
  return concatBytes(new Uint8Array([0x04]), key.x, key.y);
}

/** DER SubjectPublicKeyInfo for an uncompressed P-256 point. */
export function rawP256ToSpki(point: Uint8Array): Uint8Array {
  assertP256Point(point);
  return concatBytes(P256_SPKI_PREFIX, point);
}

/** DER SubjectPublicKeyInfo for a COSE_Key (what getPublicKey() returns to the page). */
export function coseToSpki(cose: Uint8Array): Uint8Array {
  return rawP256ToSpki(coseToRawP256(cose));
}
