import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8Encode } from '../bytes.ts';
import {
  aaguidToString,
  encodeAuthenticatorData,
  FLAG_AT,
  FLAG_BE,
  FLAG_BS,
  FLAG_ED,
  FLAG_UP,
  FLAG_UV,
  PAIRKEY_AAGUID,
  PAIRKEY_AAGUID_STRING,
  parseAuthenticatorData,
  rpIdHash,
} from './auth-data.ts';
import { CborError } from './cbor.ts';
import { coseKeyFromP256 } from './cose.ts';
import { generateNobleP256Key } from './keys.ts';

describe('authenticatorData', () => {
  const { key } = generateNobleP256Key();
  const credentialId = new Uint8Array(32).fill(7);
  const credentialPublicKey = coseKeyFromP256(key.publicKey);

  it('has the spec flag values', () => {
    expect([FLAG_UP, FLAG_UV, FLAG_BE, FLAG_BS, FLAG_AT, FLAG_ED]).toEqual([0x01, 0x04, 0x08, 0x10, 0x40, 0x80]);
  });

  it('lays out rpIdHash, flags, big-endian signCount and attested credential data', () => {
    const bytes = encodeAuthenticatorData({
      rpIdHash: rpIdHash('example.com'),
      userPresent: true,
      userVerified: true,
      backupEligible: false,
      backupState: false,
      signCount: 0x01020304,
      attestedCredentialData: { aaguid: PAIRKEY_AAGUID, credentialId, credentialPublicKey },
    });
    expect(bytes.slice(0, 32)).toEqual(sha256(utf8Encode('example.com')));
    expect(bytes[32]).toBe(FLAG_UP | FLAG_UV | FLAG_AT);
    expect(Array.from(bytes.slice(33, 37))).toEqual([1, 2, 3, 4]);
    expect(bytes.slice(37, 53)).toEqual(PAIRKEY_AAGUID);
    expect(Array.from(bytes.slice(53, 55))).toEqual([0, 32]);
    expect(bytes.slice(55, 87)).toEqual(credentialId);
    expect(bytes.slice(87)).toEqual(credentialPublicKey);

    const parsed = parseAuthenticatorData(bytes);
    expect(parsed).toMatchObject({ userPresent: true, userVerified: true, backupEligible: false, backupState: false, signCount: 0x01020304 });
    expect(parsed.attestedCredentialData?.credentialId).toEqual(credentialId);
    expect(parsed.attestedCredentialData?.credentialPublicKey).toEqual(credentialPublicKey);
    expect(parsed.attestedCredentialData?.aaguid).toEqual(PAIRKEY_AAGUID);
  });

  it('encodes BE/BS and extensions (ED) and parses them back', () => {
    const bytes = encodeAuthenticatorData({
      rpIdHash: rpIdHash('example.com'),
      userPresent: true,
      userVerified: false,
      backupEligible: true,
      backupState: true,
      signCount: 5,
      extensions: new Map([['credProtect', 1]]),
    });
    expect(bytes[32]).toBe(FLAG_UP | FLAG_BE | FLAG_BS | FLAG_ED);
    const parsed = parseAuthenticatorData(bytes);
    expect(parsed.extensions?.get('credProtect')).toBe(1);
    expect(parsed.attestedCredentialData).toBeUndefined();
  });

  it('refuses BS without BE, trailing bytes and truncation', () => {
    const base = { rpIdHash: rpIdHash('x.example'), userPresent: true, userVerified: false, signCount: 0 };
    expect(() => encodeAuthenticatorData({ ...base, backupEligible: false, backupState: true })).toThrow();
    const ok = encodeAuthenticatorData({ ...base, backupEligible: false, backupState: false });
    const bsOnly = ok.slice();
    bsOnly[32] = FLAG_UP | FLAG_BS;
    expect(() => parseAuthenticatorData(bsOnly)).toThrow(CborError);
    expect(() => parseAuthenticatorData(new Uint8Array([...ok, 0]))).toThrow(/trailing/);
    expect(() => parseAuthenticatorData(ok.slice(0, 36))).toThrow(CborError);
    const withAcd = encodeAuthenticatorData({
      ...base,
      backupEligible: false,
      backupState: false,
      attestedCredentialData: { aaguid: PAIRKEY_AAGUID, credentialId, credentialPublicKey },
    });
    expect(() => parseAuthenticatorData(withAcd.slice(0, withAcd.length - 1))).toThrow(CborError);
  });

  it('has a fixed random v4 AAGUID', () => {
    expect(aaguidToString(PAIRKEY_AAGUID)).toBe(PAIRKEY_AAGUID_STRING);
    expect(PAIRKEY_AAGUID[6]! >> 4).toBe(4); // version 4
    expect(PAIRKEY_AAGUID[8]! >> 6).toBe(2); // RFC 4122 variant
    expect(PAIRKEY_AAGUID.some((b) => b !== 0)).toBe(true);
  });
});
