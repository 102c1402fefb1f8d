// The IndexedDB mapping of a passkey, with real WebCrypto keys (IndexedDB itself is exercised in
// the browser by the phone-app e2e tests).
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { generateNobleP256Key, generateWebCryptoP256Key, type StoredCredential } from '../../../../shared/authenticator/index.ts';
import { credentialFromRecord, credentialToRecord } from './credential-records.ts';

async function credential(overrides: Partial<StoredCredential> = {}): Promise<StoredCredential> {
  return {
    id: Uint8Array.from([1, 2, 3, 250]),
    rpId: 'example.com',
    userHandle: Uint8Array.from([9, 8, 7]),
    userName: 'alice',
    userDisplayName: 'Alice',
    discoverable: true,
    signCount: 4,
    createdAt: 1_700_000_000_000,
    lastUsedAt: null,
    backupEligible: false,
    backupState: false,
    key: await generateWebCryptoP256Key(),
    ...overrides,
  };
}

describe('passkey records', () => {
  it('round-trips every field, and the restored key signs for the original public key', async () => {
    const original = await credential();
    const record = credentialToRecord(original);
    expect(record.id).toBe('AQID-g');
    // What IndexedDB does to a value: a structured clone.
    const restored = await credentialFromRecord(structuredClone(record));
    const { key: _key, ...fields } = original;
    expect(restored).toMatchObject(fields);
    expect(restored.key.publicKey).toEqual(original.key.publicKey);
    const message = new TextEncoder().encode('authenticatorData || clientDataHash');
    const signature = await restored.key.sign(message);
    // lowS: false: WebCrypto does not normalise S, and WebAuthn verifiers accept either form.
    if (original.key.alg !== -7) throw new Error('credential() makes ES256 keys');
    expect(p256.verify(signature, sha256(message), original.key.publicKey, { prehash: false, format: 'der', lowS: false })).toBe(true);
  });

  it('keeps the private key non-extractable: its bytes can never be read back', async () => {
    const record = credentialToRecord(await credential());
    expect(record.keyPair.privateKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('pkcs8', record.keyPair.privateKey)).rejects.toThrow();
    await expect(crypto.subtle.exportKey('jwk', record.keyPair.privateKey)).rejects.toThrow();
  });

  it('refuses keys that are not non-extractable WebCrypto keys', async () => {
    expect(() => credentialToRecord({ ...fieldsWithoutKey(), key: generateNobleP256Key().key })).toThrow(/WebCrypto/);
    const extractable = await credential({ key: await generateWebCryptoP256Key(true) });
    expect(() => credentialToRecord(extractable)).toThrow(/extractable/);
  });
});

function fieldsWithoutKey(): Omit<StoredCredential, 'key'> {
  return { id: Uint8Array.of(1), rpId: 'example.com', userHandle: Uint8Array.of(1), userName: 'a', userDisplayName: 'A', discoverable: false, signCount: 0, createdAt: 0, lastUsedAt: null, backupEligible: false, backupState: false };
}
