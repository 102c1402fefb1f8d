import { describe, expect, it } from 'vitest';
import { generateNobleP256Key } from './keys.ts';
import { MemoryCredentialStore, type StoredCredential } from './store.ts';

function cred(id: number, over: Partial<StoredCredential> = {}): StoredCredential {
  return {
    id: new Uint8Array(32).fill(id),
    rpId: 'example.com',
    userHandle: new Uint8Array([1, 2, 3]),
    userName: 'alice',
    userDisplayName: 'Alice',
    discoverable: true,
    signCount: 0,
    createdAt: id,
    lastUsedAt: null,
    backupEligible: false,
    backupState: false,
    key: generateNobleP256Key().key,
    ...over,
  };
}

describe('MemoryCredentialStore', () => {
  it('replaces a discoverable credential for the same rpId + user handle (CTAP2)', async () => {
    const store = new MemoryCredentialStore();
    await store.put(cred(1));
    await store.put(cred(2));
    expect((await store.list()).map((c) => c.id[0])).toEqual([2]);
  });

  it('keeps non-discoverable ones, other users and other RPs', async () => {
    const store = new MemoryCredentialStore();
    await store.put(cred(1, { discoverable: false }));
    await store.put(cred(2));
    await store.put(cred(3, { userHandle: new Uint8Array([9]) }));
    await store.put(cred(4, { rpId: 'other.example' }));
    await store.put(cred(5, { discoverable: false }));
    expect((await store.list()).map((c) => c.id[0]).sort()).toEqual([1, 2, 3, 4, 5]);
    expect((await store.listByRp('example.com')).length).toBe(4);
  });

  it('scopes findById by RP ID', async () => {
    const store = new MemoryCredentialStore();
    await store.put(cred(1));
    expect(await store.findById('example.com', new Uint8Array(32).fill(1))).toBeDefined();
    expect(await store.findById('evil.example', new Uint8Array(32).fill(1))).toBeUndefined();
    expect(await store.findById('example.com', new Uint8Array(31).fill(1))).toBeUndefined();
  });

  it('returns copies, updates usage and deletes', async () => {
    const store = new MemoryCredentialStore();
    await store.put(cred(1));
    const found = (await store.findById('example.com', new Uint8Array(32).fill(1)))!;
    found.signCount = 99;
    found.id[0] = 42;
    expect((await store.list())[0]!.signCount).toBe(0);
    await store.updateUsage(new Uint8Array(32).fill(1), 3, 1000);
    expect((await store.list())[0]).toMatchObject({ signCount: 3, lastUsedAt: 1000 });
    await expect(store.updateUsage(new Uint8Array(32).fill(8), 1, 1)).rejects.toThrow();
    await store.delete(new Uint8Array(32).fill(1));
    expect(await store.list()).toEqual([]);
  });
});
