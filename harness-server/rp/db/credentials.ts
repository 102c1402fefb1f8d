// credentials table: the security keys and passkeys (public keys and counters) of each user.
import type { Db } from './database.ts';

export const CREDENTIAL_KINDS = ['passkey', 'security-key'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

export interface StoredCredential {
  id: string;
  userId: number;
  kind: CredentialKind;
  publicKey: Uint8Array<ArrayBuffer>;
  signCount: number;
  /** As reported at registration (AuthenticatorTransport values, kept as free text). */
  transports: string[];
  backupEligible: boolean;
  backupState: boolean;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  /** When a signature counter regression was seen (possible clone), else null. */
  cloneWarningAt: number | null;
}

export type NewCredential = Omit<StoredCredential, 'lastUsedAt' | 'cloneWarningAt'>;

interface CredentialRow {
  id: string;
  user_id: number;
  kind: CredentialKind;
  public_key: Buffer;
  sign_count: number;
  transports: string;
  backup_eligible: number;
  backup_state: number;
  name: string;
  created_at: number;
  last_used_at: number | null;
  clone_warning_at: number | null;
}

function parseTransports(json: string): string[] {
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string') : [];
}

const toCredential = (row: CredentialRow): StoredCredential => ({
  id: row.id,
  userId: row.user_id,
  kind: row.kind,
  publicKey: new Uint8Array(row.public_key),
  signCount: row.sign_count,
  transports: parseTransports(row.transports),
  backupEligible: row.backup_eligible === 1,
  backupState: row.backup_state === 1,
  name: row.name,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  cloneWarningAt: row.clone_warning_at,
});

export class Credentials {
  readonly #byId;
  readonly #byUser;
  readonly #count;
  readonly #insert;
  readonly #recordUse;
  readonly #flagClone;
  readonly #rename;
  readonly #delete;
  readonly #deleteAll;

  constructor(db: Db) {
    this.#byId = db.prepare<[string], CredentialRow>('SELECT * FROM credentials WHERE id = ?');
    this.#byUser = db.prepare<[number], CredentialRow>(
      'SELECT * FROM credentials WHERE user_id = ? ORDER BY created_at, id',
    );
    this.#count = db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM credentials WHERE user_id = ?');
    this.#insert = db.prepare(
      `INSERT INTO credentials
         (id, user_id, kind, public_key, sign_count, transports, backup_eligible, backup_state, name, created_at)
       VALUES (@id, @userId, @kind, @publicKey, @signCount, @transports, @backupEligible, @backupState, @name, @createdAt)`,
    );
    this.#recordUse = db.prepare<[number, number, number, string]>(
      'UPDATE credentials SET sign_count = ?, backup_state = ?, last_used_at = ? WHERE id = ?',
    );
    this.#flagClone = db.prepare<[number, string]>('UPDATE credentials SET clone_warning_at = ? WHERE id = ?');
    this.#rename = db.prepare<[string, string, number]>('UPDATE credentials SET name = ? WHERE id = ? AND user_id = ?');
    this.#delete = db.prepare<[string, number]>('DELETE FROM credentials WHERE id = ? AND user_id = ?');
    this.#deleteAll = db.prepare<[number]>('DELETE FROM credentials WHERE user_id = ?');
  }

  findById(id: string): StoredCredential | undefined {
    const row = this.#byId.get(id);
    return row && toCredential(row);
  }

  listForUser(userId: number): StoredCredential[] {
    return this.#byUser.all(userId).map(toCredential);
  }

  countForUser(userId: number): number {
    return this.#count.get(userId)?.n ?? 0;
  }

  /** Throws SQLITE_CONSTRAINT_PRIMARYKEY when the credential id is already registered (to anyone). */
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

  flagClone(id: string, now: number): void {
    this.#flagClone.run(now, id);
  }

  /** False when the user holds no credential with that id. */
  rename(userId: number, id: string, name: string): boolean {
    return this.#rename.run(name, id, userId).changes === 1;
  }

  remove(userId: number, id: string): boolean {
    return this.#delete.run(id, userId).changes === 1;
  }

  removeAll(userId: number): void {
    this.#deleteAll.run(userId);
  }
}
