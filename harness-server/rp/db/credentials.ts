// credentials table: the passkeys (public keys and counters) registered by each user.
import type { Db } from './database.ts';

export interface StoredCredential {
  id: string;
  userId: number;
  publicKey: Uint8Array<ArrayBuffer>;
  signCount: number;
  /** As reported at registration (AuthenticatorTransport values, kept as free text). */
  transports: string[];
  backupEligible: boolean;
  backupState: boolean;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export type NewCredential = Omit<StoredCredential, 'lastUsedAt'>;

interface CredentialRow {
  id: string;
  user_id: number;
  public_key: Buffer;
  sign_count: number;
  transports: string;
  backup_eligible: number;
  backup_state: number;
  name: string;
  created_at: number;
  last_used_at: number | null;
}

function parseTransports(json: string): string[] {
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string') : [];
}

const toCredential = (row: CredentialRow): StoredCredential => ({
  id: row.id,
  userId: row.user_id,
  publicKey: new Uint8Array(row.public_key),
  signCount: row.sign_count,
  transports: parseTransports(row.transports),
  backupEligible: row.backup_eligible === 1,
  backupState: row.backup_state === 1,
  name: row.name,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
});

export class Credentials {
  readonly #byId;
  readonly #byUser;
  readonly #insert;
  readonly #recordUse;

  constructor(db: Db) {
    this.#byId = db.prepare<[string], CredentialRow>('SELECT * FROM credentials WHERE id = ?');
    this.#byUser = db.prepare<[number], CredentialRow>(
      'SELECT * FROM credentials WHERE user_id = ? ORDER BY created_at, id',
    );
    this.#insert = db.prepare(
      `INSERT INTO credentials
         (id, user_id, public_key, sign_count, transports, backup_eligible, backup_state, name, created_at)
       VALUES (@id, @userId, @publicKey, @signCount, @transports, @backupEligible, @backupState, @name, @createdAt)`,
    );
    this.#recordUse = db.prepare<[number, number, number, string]>(
      'UPDATE credentials SET sign_count = ?, backup_state = ?, last_used_at = ? WHERE id = ?',
    );
  }

  findById(id: string): StoredCredential | undefined {
    const row = this.#byId.get(id);
    return row && toCredential(row);
  }

  listForUser(userId: number): StoredCredential[] {
    return this.#byUser.all(userId).map(toCredential);
  }

  /** Throws SQLITE_CONSTRAINT_PRIMARYKEY when the credential id is already registered. */
  create(credential: NewCredential): void {
    this.#insert.run({
      ...credential,
      publicKey: Buffer.from(credential.publicKey),
      transports: JSON.stringify(credential.transports),
      backupEligible: credential.backupEligible ? 1 : 0,
      backupState: credential.backupState ? 1 : 0,
    });
  }

  recordUse(id: string, signCount: number, backupState: boolean, now: number): void {
    this.#recordUse.run(signCount, backupState ? 1 : 0, now, id);
  }
}
