// Credential storage for the authenticator. The interface is async so the phone web app can back
// it with IndexedDB (which can also hold non-extractable CryptoKeys); MemoryCredentialStore is
// for the virtual phone and tests.
import { copyBytes, equalBytes } from '../bytes.ts';
import type { SigningKey } from './keys.ts';

export interface StoredCredential {
  id: Uint8Array;
  rpId: string;
  userHandle: Uint8Array;
  userName: string;
  userDisplayName: string;
  /** Client-side discoverable ("resident key"): found with an empty allowCredentials. */
  discoverable: boolean;
  signCount: number;
  createdAt: number;
  lastUsedAt: number | null;
  /** BE and BS are fixed at creation; BE must never change for a credential (§6.1.3). */
  backupEligible: boolean;
  backupState: boolean;
  key: SigningKey;
  /**
   * Made with the largeBlob extension asked (and discoverable): CTAP 2.1 §12.3 gives such a
   * credential a largeBlobKey, and only such a credential can hold a blob. Absent in records made
   * before this was kept: those can hold one if they already do.
   */
  largeBlobKey?: boolean;
  /** What the RP stored with this credential through the largeBlob extension, if anything. */
  largeBlob?: Uint8Array;
}

export interface CredentialStore {
  findById(rpId: string, id: Uint8Array): Promise<StoredCredential | undefined>;
  listByRp(rpId: string): Promise<StoredCredential[]>;
  /**
   * Insert or replace (same id). Storing a discoverable credential also removes any other
   * discoverable credential for the same rpId + userHandle: CTAP 2.1 §6.1.2 step 17 says an
   * authenticator overwrites an existing resident credential for the same RP and account.
   */
  put(c: StoredCredential): Promise<void>;
  /** Throws if the credential is unknown, so a lost counter update is never silent. */
  updateUsage(id: Uint8Array, signCount: number, lastUsedAt: number): Promise<void>;
  delete(id: Uint8Array): Promise<void>;
  list(): Promise<StoredCredential[]>;
}

/**
 * In-memory store. Returns copies, so a caller mutating a returned record (or the byte arrays in
 * it) cannot change what is stored; the SigningKey object is shared (it holds no mutable state).
 */
export class MemoryCredentialStore implements CredentialStore {
  private credentials: StoredCredential[] = [];

  async findById(rpId: string, id: Uint8Array): Promise<StoredCredential | undefined> {
    const found = this.credentials.find((c) => c.rpId === rpId && equalBytes(c.id, id));
    return found && copy(found);
  }

  async listByRp(rpId: string): Promise<StoredCredential[]> {
    return this.credentials.filter((c) => c.rpId === rpId).map(copy);
  }

  async put(c: StoredCredential): Promise<void> {
    const record = copy(c);
    this.credentials = this.credentials.filter(
      (old) =>
        !equalBytes(old.id, record.id) &&
        !(record.discoverable && old.discoverable && old.rpId === record.rpId && equalBytes(old.userHandle, record.userHandle)),
    );
    this.credentials.push(record);
  }

  async updateUsage(id: Uint8Array, signCount: number, lastUsedAt: number): Promise<void> {
    const found = this.credentials.find((c) => equalBytes(c.id, id));
    if (!found) throw new Error('updateUsage: unknown credential');
    found.signCount = signCount;
    found.lastUsedAt = lastUsedAt;
  }

  async delete(id: Uint8Array): Promise<void> {
    this.credentials = this.credentials.filter((c) => !equalBytes(c.id, id));
  }

  async list(): Promise<StoredCredential[]> {
    return this.credentials.map(copy);
  }
}

function copy(c: StoredCredential): StoredCredential {
  return { ...c, id: copyBytes(c.id), userHandle: copyBytes(c.userHandle), ...(c.largeBlob ? { largeBlob: copyBytes(c.largeBlob) } : {}) };
}
