// Attestation objects (WebAuthn L3 §6.5): CBOR { fmt, attStmt, authData }.
//
// Pairkey has no attestation certificate (a phone web app cannot hold a vendor-provisioned key),
// so the honest choices are:
//   - 'none' requested        → fmt "none", empty attStmt (§8.7). The AAGUID is kept: Level 3
//                               no longer zeroes it for "none", and it lets RPs name Pairkey.
//   - 'indirect' / 'direct' / 'enterprise'
//                             → fmt "packed" self attestation (§8.2: no x5c, alg = the credential
//                               key's alg, sig by the credential private key over
//                               authData || clientDataHash). It proves possession of the new key
//                               and is what "direct" can truthfully convey; 'enterprise' has no
//                               enterprise attestation to offer, so it degrades the same way
//                               (§5.4.7 allows the authenticator to not return enterprise data).
import { concatBytes } from '../bytes.ts';
import { asCborMap, CborError, cborDecode, cborEncode, mapBytes, mapText } from './cbor.ts';
import type { SigningKey } from './keys.ts';

export type AttestationConveyance = 'none' | 'indirect' | 'direct' | 'enterprise';
export type AttestationFormat = 'none' | 'packed';

export function attestationFormatFor(conveyance: AttestationConveyance): AttestationFormat {
  return conveyance === 'none' ? 'none' : 'packed';
}

/** fmt "none": `{ fmt: "none", attStmt: {}, authData }`. */
export function noneAttestationObject(authData: Uint8Array): Uint8Array {
  return cborEncode({ fmt: 'none', attStmt: {}, authData });
}

/** fmt "packed", self attestation: `{ alg: -7, sig }` signed by the credential key itself. */
export async function packedSelfAttestationObject(
  authData: Uint8Array,
  clientDataHash: Uint8Array,
  credentialKey: SigningKey,
): Promise<Uint8Array> {
  const sig = await credentialKey.sign(concatBytes(authData, clientDataHash));
  // String keys: cborg's canonical (length-first) sort gives fmt, attStmt, authData and alg, sig.
  return cborEncode({ fmt: 'packed', attStmt: { alg: credentialKey.alg, sig }, authData });
}

export async function buildAttestationObject(
  conveyance: AttestationConveyance,
  authData: Uint8Array,
  clientDataHash: Uint8Array,
  credentialKey: SigningKey,
): Promise<Uint8Array> {
  return attestationFormatFor(conveyance) === 'none'
    ? noneAttestationObject(authData)
    : packedSelfAttestationObject(authData, clientDataHash, credentialKey);
}

export interface ParsedAttestationObject {
  fmt: string;
  attStmt: Map<unknown, unknown>;
  authData: Uint8Array;
}

/** Decode an attestation object's envelope (the statement itself is format-specific). */
export function parseAttestationObject(bytes: Uint8Array): ParsedAttestationObject {
  const map = asCborMap(cborDecode(bytes), 'attestationObject');
  const fmt = mapText(map, 'fmt', 'attestationObject');
  const attStmt = asCborMap(map.get('attStmt'), 'attestationObject.attStmt');
  const authData = mapBytes(map, 'authData', 'attestationObject');
  if (fmt === 'none' && attStmt.size !== 0) throw new CborError('attestationObject: fmt none needs an empty attStmt');
  return { fmt, attStmt, authData };
}
