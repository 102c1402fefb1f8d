// users table: one row per account, created only once its first passkey verified.
import type { Db } from './database.ts';

export interface User {
  id: number;
  username: string;
  userHandle: Uint8Array;
  createdAt: number;
}

interface UserRow {
  id: number;
  username: string;
  user_handle: Buffer;
  created_at: number;
}

const toUser = (row: UserRow): User => ({
  id: row.id,
  username: row.username,
  userHandle: new Uint8Array(row.user_handle),
  createdAt: row.created_at,
});

export class Users {
  readonly #byUsername;
  readonly #byId;
  readonly #insert;

  constructor(db: Db) {
    this.#byUsername = db.prepare<[string], UserRow>('SELECT * FROM users WHERE username = ?');
    this.#byId = db.prepare<[number], UserRow>('SELECT * FROM users WHERE id = ?');
    this.#insert = db.prepare<[string, Buffer, number], { id: number }>(
      'INSERT INTO users (username, user_handle, created_at) VALUES (?, ?, ?) RETURNING id',
    );
  }

  findByUsername(username: string): User | undefined {
    const row = this.#byUsername.get(username);
    return row && toUser(row);
  }

  findById(id: number): User | undefined {
    const row = this.#byId.get(id);
    return row && toUser(row);
  }

  /** Throws SQLITE_CONSTRAINT_UNIQUE when the username is taken. */
  create(username: string, userHandle: Uint8Array, now: number): number {
    const row = this.#insert.get(username, Buffer.from(userHandle), now);
    if (!row) throw new Error('INSERT … RETURNING returned no row');
    return row.id;
  }
}
