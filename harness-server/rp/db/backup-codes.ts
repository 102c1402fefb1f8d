// backup_codes table: salted hashes of each user's current set of backup codes.
import type { HashedCode } from '../crypto/backup-codes.ts';
import type { Db } from './database.ts';

export interface StoredBackupCode extends HashedCode {
  id: number;
  usedAt: number | null;
}

interface Row {
  id: number;
  salt: Buffer;
  hash: Buffer;
  used_at: number | null;
}

export class BackupCodes {
  readonly #list;
  readonly #insert;
  readonly #deleteAll;
  readonly #markUsed;
  readonly #remaining;

  constructor(db: Db) {
    this.#list = db.prepare<[number], Row>('SELECT id, salt, hash, used_at FROM backup_codes WHERE user_id = ? ORDER BY id');
    this.#insert = db.prepare<[number, Buffer, Buffer, number]>(
      'INSERT INTO backup_codes (user_id, salt, hash, created_at) VALUES (?, ?, ?, ?)',
    );
    this.#deleteAll = db.prepare<[number]>('DELETE FROM backup_codes WHERE user_id = ?');
    // Conditional: of two concurrent uses of one code, only one changes the row.
    this.#markUsed = db.prepare<[number, number, number]>(
      'UPDATE backup_codes SET used_at = ? WHERE id = ? AND user_id = ? AND used_at IS NULL',
    );
    this.#remaining = db.prepare<[number], { n: number }>(
      'SELECT count(*) AS n FROM backup_codes WHERE user_id = ? AND used_at IS NULL',
    );
  }

  list(userId: number): StoredBackupCode[] {
    return this.#list.all(userId).map((row) => ({ id: row.id, salt: row.salt, hash: row.hash, usedAt: row.used_at }));
  }

  /** Replaces every earlier code (call inside a transaction). */
  replace(userId: number, codes: HashedCode[], now: number): void {
    this.#deleteAll.run(userId);
    for (const code of codes) this.#insert.run(userId, code.salt, code.hash, now);
  }

  markUsed(userId: number, id: number, now: number): boolean {
    return this.#markUsed.run(now, id, userId).changes === 1;
  }

  remaining(userId: number): number {
    return this.#remaining.get(userId)?.n ?? 0;
  }

  removeAll(userId: number): void {
    this.#deleteAll.run(userId);
  }
}
