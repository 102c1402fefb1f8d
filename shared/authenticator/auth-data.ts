// authenticatorData (WebAuthn L3 §6.1): rpIdHash(32) || flags(1) || signCount(4, big-endian)
// || [attestedCredentialData] || [extensions CBOR map]. Built by the authenticator core and
// parsed again in tests and by anything that needs to show what was signed.
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8Encode } from '../bytes.ts';
import { asCborMap, CborError, cborDecodeFirst, cborEncode } from './cbor.ts';
import { coseMapToKey, type CoseKey } from './cose.ts';

export const FLAG_UP = 0x01; // user present
export const FLAG_UV = 0x04; // user verified
export const FLAG_BE = 0x08; // backup eligible
export const FLAG_BS = 0x10; // backup state
export const FLAG_AT = 0x40; // attested credential data included
export const FLAG_ED = 0x80; // extension data included

/**
 * Pairkey's AAGUID: one random v4 UUID generated once for this product and never changed, so
 * relying parties (and passkey managers) can name the authenticator "Pairkey". It identifies
 * the model, not the phone: every Pairkey install uses the same value.
 */
export const PAIRKEY_AAGUID_STRING = '1acf0fe9-3c09-469e-b70f-12ab41176c7c';
export const PAIRKEY_AAGUID: Uint8Array = aaguidFromString(PAIRKEY_AAGUID_STRING);

export function aaguidFromString(uuid: string): Uint8Array {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`not a UUID: ${uuid}`);
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function aaguidToString(aaguid: Uint8Array): string {
  const hex = Array.from(aaguid, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** SHA-256 of the UTF-8 RP ID: the first 32 bytes of authenticatorData. */
export function rpIdHash(rpId: string): Uint8Array {
  return sha256(utf8Encode(rpId));
}

export interface AttestedCredentialData {
  aaguid: Uint8Array;
  credentialId: Uint8Array;
  /** CBOR COSE_Key bytes, exactly as embedded. */
  credentialPublicKey: Uint8Array;
}

export interface AuthenticatorDataInput {
  rpIdHash: Uint8Array;
  userPresent: boolean;
  userVerified: boolean;
  backupEligible: boolean;
  backupState: boolean;
  signCount: number;
  attestedCredentialData?: AttestedCredentialData;
  /** Authenticator extension outputs; encoded as a CBOR map and flagged ED when present. */
  extensions?: Map<string, unknown>;
}

export function encodeAuthenticatorData(input: AuthenticatorDataInput): Uint8Array {
  if (input.rpIdHash.length !== 32) throw new Error('rpIdHash must be 32 bytes');
  if (!Number.isInteger(input.signCount) || input.signCount < 0 || input.signCount > 0xffffffff) {
    throw new Error('signCount must be a 32-bit unsigned integer');
  }
  // BS=1 with BE=0 is an invalid combination (§6.1.3); refuse to produce it.
  if (input.backupState && !input.backupEligible) throw new Error('backupState requires backupEligible');
  let flags = 0;
  if (input.userPresent) flags |= FLAG_UP;
  if (input.userVerified) flags |= FLAG_UV;
  if (input.backupEligible) flags |= FLAG_BE;
  if (input.backupState) flags |= FLAG_BS;
  const parts: Uint8Array[] = [input.rpIdHash, new Uint8Array([0]), u32be(input.signCount)];
  const acd = input.attestedCredentialData;
  if (acd) {
    flags |= FLAG_AT;
    if (acd.aaguid.length !== 16) throw new Error('AAGUID must be 16 bytes');
    if (acd.credentialId.length < 16 || acd.credentialId.length > 1023) {
      // §6.1: credential IDs are at least 16 bytes and at most 1023 bytes.
      throw new Error('credentialId must be 16..1023 bytes');
    }
    parts.push(acd.aaguid, u16be(acd.credentialId.length), acd.credentialId, acd.credentialPublicKey);
  }
  if (input.extensions && input.extensions.size > 0) {
    flags |= FLAG_ED;
    parts.push(cborEncode(input.extensions));
  }
  parts[1] = new Uint8Array([flags]);
  return concatBytes(...parts);
}

export interface ParsedAuthenticatorData {
  rpIdHash: Uint8Array;
  flags: number;
  userPresent: boolean;
  userVerified: boolean;
  backupEligible: boolean;
  backupState: boolean;
  signCount: number;
  attestedCredentialData?: AttestedCredentialData & { publicKey: CoseKey };
  extensions?: Map<unknown, unknown>;
}

/** Parse and validate authenticatorData; throws CborError on any malformation. */
export function parseAuthenticatorData(bytes: Uint8Array): ParsedAuthenticatorData {
  if (!(bytes instanceof Uint8Array) || bytes.length < 37) {
    throw new CborError('authenticatorData: shorter than 37 bytes');
  }
  const flags = bytes[32]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: ParsedAuthenticatorData = {
    rpIdHash: bytes.slice(0, 32),
    flags,
    userPresent: (flags & FLAG_UP) !== 0,
    userVerified: (flags & FLAG_UV) !== 0,
    backupEligible: (flags & FLAG_BE) !== 0,
    backupState: (flags & FLAG_BS) !== 0,
    signCount: view.getUint32(33, false),
  };
  if (out.backupState && !out.backupEligible) throw new CborError('authenticatorData: BS set without BE');
  let offset = 37;
  if (flags & FLAG_AT) {
    if (bytes.length < offset + 18) throw new CborError('authenticatorData: truncated attested credential data');
    const aaguid = bytes.slice(offset, offset + 16);
    const idLen = view.getUint16(offset + 16, false);
    offset += 18;
    if (idLen > 1023) throw new CborError('authenticatorData: credential ID longer than 1023 bytes');
    if (bytes.length < offset + idLen) throw new CborError('authenticatorData: truncated credential ID');
    const credentialId = bytes.slice(offset, offset + idLen);
    offset += idLen;
    const { value, length } = cborDecodeFirst(bytes.subarray(offset));
    const publicKey = coseMapToKey(asCborMap(value, 'credentialPublicKey'));
    const credentialPublicKey = bytes.slice(offset, offset + length);
    offset += length;
    out.attestedCredentialData = { aaguid, credentialId, credentialPublicKey, publicKey };
  }
  if (flags & FLAG_ED) {
    if (offset >= bytes.length) throw new CborError('authenticatorData: ED set but no extensions');
    const { value, length } = cborDecodeFirst(bytes.subarray(offset));
    out.extensions = asCborMap(value, 'authenticatorData extensions');
    offset += length;
  }
  if (offset !== bytes.length) throw new CborError(`authenticatorData: ${bytes.length - offset} trailing byte(s)`);
  return out;
}

function u32be(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, false);
  return out;
}

function u16be(n: number): Uint8Array {
  const out = new Uint8Array(2);
  new DataView(out.buffer).setUint16(0, n, false);
  return out;
}
