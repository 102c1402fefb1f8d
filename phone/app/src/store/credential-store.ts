// The authenticator core's CredentialStore on IndexedDB.
import { equalBytes, toB64url } from '../../../../shared/bytes.ts';
import type { CredentialStore, StoredCredential } from '../../../../shared/authenticator/index.ts';
import { credentialFromRecord, credentialToRecord } from './credential-records.ts';
import type { PhoneDatabase } from './db.ts';

export class IdbCredentialStore implements CredentialStore {
  constructor(private readonly db: PhoneDatabase) {}

  async findById(rpId: string, id: Uint8Array): Promise<StoredCredential | undefined> {
    const record = await this.db.get('credentials', toB64url(id));
    return record && record.rpId === rpId ? credentialFromRecord(record) : undefined;
  }

  async listByRp(rpId: string): Promise<StoredCredential[]> {
    return Promise.all((await this.db.getAllFromIndex('credentials', 'rpId', rpId)).map(credentialFromRecord));
  }

  async list(): Promise<StoredCredential[]> {
    return Promise.all((await this.db.getAll('credentials')).map(credentialFromRecord));
  }

  async put(credential: StoredCredential): Promise<void> {
    const record = credentialToRecord(credential);
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
