// The IndexedDB mapping of a passkey, with real WebCrypto keys (IndexedDB itself is exercised in
// the browser by the phone-app e2e tests).
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { generateNobleP256Key, generateWebCryptoP256Key, type StoredCredential } from '../../../../shared/authenticator/index.ts';
import { generateDataKey } from '../unlock/key-wrapping.ts';
import { credentialFromRecord, credentialToRecord, LockedKeyError } from './credential-records.ts';

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
    const record = await credentialToRecord(original);
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
    const record = await credentialToRecord(await credential());
    if (!record.keyPair) throw new Error('a non-extractable key is stored plain');
    expect(record.keyPair.privateKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('pkcs8', record.keyPair.privateKey)).rejects.toThrow();
    await expect(crypto.subtle.exportKey('jwk', record.keyPair.privateKey)).rejects.toThrow();
  });

  it('refuses keys that are not non-extractable WebCrypto keys', async () => {
    await expect(credentialToRecord({ ...fieldsWithoutKey(), key: generateNobleP256Key().key })).rejects.toThrow(/WebCrypto/);
    const extractable = await credential({ key: await generateWebCryptoP256Key(true) });
    await expect(credentialToRecord(extractable)).rejects.toThrow(/extractable/);
  });
});

describe('wrapped passkey records (screen-lock / PIN unlock)', () => {
  const message = new TextEncoder().encode('authenticatorData || clientDataHash');
  const verifies = (signature: Uint8Array, publicKey: Uint8Array) => p256.verify(signature, sha256(message), publicKey, { prehash: false, format: 'der', lowS: false });

  it('stores a fresh key only wrapped, signs only with the data key, and unwraps it non-extractable', async () => {
    const dataKey = await generateDataKey();
    const original = await credential({ key: await generateWebCryptoP256Key(true) });
    const record = structuredClone(await credentialToRecord(original, dataKey));
    // At rest: no private CryptoKey, only ciphertext (an AES-GCM tag longer than nothing) and the public key.
    expect(record.keyPair).toBeUndefined();
    if (!record.wrappedKey) throw new Error('expected a wrapped record');
    expect(record.wrappedKey.iv).toHaveLength(12);
    expect(record.publicKey.type).toBe('public');
    expect(JSON.stringify(Object.values(record).map((v) => v instanceof CryptoKey && v.type))).not.toContain('private');

    const locked = await credentialFromRecord(record);
    await expect(locked.key.sign(message)).rejects.toBeInstanceOf(LockedKeyError);
    const otherDataKey = await credentialFromRecord(record, await generateDataKey());
    await expect(otherDataKey.key.sign(message)).rejects.toThrow();

    const unlocked = await credentialFromRecord(record, dataKey);
    expect(unlocked.key.publicKey).toEqual(original.key.publicKey);
    expect(verifies(await unlocked.key.sign(message), original.key.publicKey as Uint8Array)).toBe(true);
    // Stored again (a large-blob write) it keeps the same wrapped form.
    expect(await credentialToRecord(unlocked, dataKey)).toMatchObject({ wrappedKey: record.wrappedKey });
  });

  it('binds a wrapped key to its credential id', async () => {
    const dataKey = await generateDataKey();
    const record = await credentialToRecord(await credential({ key: await generateWebCryptoP256Key(true) }), dataKey);
    const moved = await credentialFromRecord({ ...record, id: 'AQIDBA' }, dataKey);
    await expect(moved.key.sign(message)).rejects.toThrow();
  });

  it('keeps a plain (older, non-extractable) key plain even with a data key: it cannot be wrapped', async () => {
    const record = await credentialToRecord(await credential(), await generateDataKey());
    expect(record.wrappedKey).toBeUndefined();
    expect(record.keyPair?.privateKey.extractable).toBe(false);
  });
});

function fieldsWithoutKey(): Omit<StoredCredential, 'key'> {
  return { id: Uint8Array.of(1), rpId: 'example.com', userHandle: Uint8Array.of(1), userName: 'a', userDisplayName: 'A', discoverable: false, signCount: 0, createdAt: 0, lastUsedAt: null, backupEligible: false, backupState: false };
}
