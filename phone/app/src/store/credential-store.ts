// The authenticator core's CredentialStore on IndexedDB. One store per operation: `dataKey` is
// the data key the person unlocked for it (screen lock or PIN), or null, and goes away with it.
import { equalBytes, toB64url } from '../../../../shared/bytes.ts';
import type { CredentialStore, StoredCredential } from '../../../../shared/authenticator/index.ts';
import { unwrapPrivateKey } from '../unlock/key-wrapping.ts';
import { credentialFromRecord, credentialToRecord, type CredentialRecord } from './credential-records.ts';
import type { PhoneDatabase } from './db.ts';

export class IdbCredentialStore implements CredentialStore {
  constructor(
    private readonly db: PhoneDatabase,
    private readonly dataKey: CryptoKey | null = null,
  ) {}

  private load = (record: CredentialRecord): Promise<StoredCredential> => credentialFromRecord(record, this.dataKey);

  async findById(rpId: string, id: Uint8Array): Promise<StoredCredential | undefined> {
    const record = await this.db.get('credentials', toB64url(id));
    return record && record.rpId === rpId ? this.load(record) : undefined;
  }

  async listByRp(rpId: string): Promise<StoredCredential[]> {
    return Promise.all((await this.db.getAllFromIndex('credentials', 'rpId', rpId)).map(this.load));
  }

  async list(): Promise<StoredCredential[]> {
    return Promise.all((await this.db.getAll('credentials')).map(this.load));
  }

  async put(credential: StoredCredential): Promise<void> {
    // Wrapped before the transaction: an IndexedDB transaction closes across a WebCrypto await.
    const record = await credentialToRecord(credential, this.dataKey);
    const tx = this.db.transaction('credentials', 'readwrite');
    // CTAP 2.1: a new discoverable credential replaces the old one for the same account.
    if (record.discoverable) {
      for (const old of await tx.store.index('rpId').getAll(record.rpId)) {
        if (old.id !== record.id && old.discoverable && equalBytes(old.userHandle, record.userHandle)) await tx.store.delete(old.id);
      }
    }
    await tx.store.put(record);
    await tx.done;
  }

  async updateUsage(id: Uint8Array, signCount: number, lastUsedAt: number): Promise<void> {
    const tx = this.db.transaction('credentials', 'readwrite');
    const record = await tx.store.get(toB64url(id));
    if (!record) throw new Error('updateUsage: unknown credential');
    await tx.store.put({ ...record, signCount, lastUsedAt });
    await tx.done;
  }

  async delete(id: Uint8Array): Promise<void> {
    await this.db.delete('credentials', toB64url(id));
  }
}

/**
 * The last unlock method is being removed: store every wrapped key plain again (unwrapped as a
 * non-extractable CryptoKey, as passkeys were kept before the unlock existed).
 */
export async function unwrapAllCredentials(db: PhoneDatabase, dataKey: CryptoKey): Promise<void> {
  const plain: CredentialRecord[] = [];
  for (const record of await db.getAll('credentials')) {
    if (!record.wrappedKey) continue;
    const { wrappedKey, publicKey, ...fields } = record;
    const privateKey = await unwrapPrivateKey(wrappedKey, dataKey, record.id, publicKey.algorithm);
    plain.push({ ...fields, keyPair: { publicKey, privateKey } });
  }
  const tx = db.transaction('credentials', 'readwrite');
  for (const record of plain) await tx.store.put(record);
  await tx.done;
}
