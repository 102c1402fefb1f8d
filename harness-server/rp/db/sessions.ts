// Bearer-token tables: `sessions` (signed-in browsers) and `pending_signins` (password
// checked, second factor to come). The cookie holds the token; the table holds its SHA-256.
import { issueToken, tokenHash } from '../crypto/tokens.ts';
import type { Db } from './database.ts';

export interface Session {
  userId: number;
  createdAt: number;
  expiresAt: number;
}

interface SessionRow {
  user_id: number;
  created_at: number;
  expires_at: number;
}

export class TokenTable {
  readonly #insert;
  readonly #find;
  readonly #delete;
  readonly #deleteForUser;
  readonly #purge;

  constructor(db: Db, table: 'sessions' | 'pending_signins') {
    this.#insert = db.prepare<[Buffer, number, number, number]>(
      `INSERT INTO ${table} (id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
    );
    this.#find = db.prepare<[Buffer, number], SessionRow>(
      `SELECT user_id, created_at, expires_at FROM ${table} WHERE id = ? AND expires_at > ?`,
    );
    this.#delete = db.prepare<[Buffer]>(`DELETE FROM ${table} WHERE id = ?`);
    this.#deleteForUser = db.prepare<[number]>(`DELETE FROM ${table} WHERE user_id = ?`);
    this.#purge = db.prepare<[number]>(`DELETE FROM ${table} WHERE expires_at <= ?`);
  }

  /** Creates a row and returns the token to put in the cookie. */
  create(userId: number, now: number, ttlMs: number): string {
    this.#purge.run(now);
    const { token, hash } = issueToken();
    this.#insert.run(hash, userId, now, now + ttlMs);
    return token;
  }

  find(token: string, now: number): Session | undefined {
    const key = tokenHash(token);
    const row = key && this.#find.get(key, now);
    return row ? { userId: row.user_id, createdAt: row.created_at, expiresAt: row.expires_at } : undefined;
  }

  delete(token: string): void {
    const key = tokenHash(token);
    if (key) this.#delete.run(key);
  }

  deleteForUser(userId: number): void {
    this.#deleteForUser.run(userId);
  }
}
