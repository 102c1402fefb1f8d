// users table: one row per account.
import type { Db } from './database.ts';

export interface User {
  id: number;
  username: string;
  userHandle: Uint8Array;
  /** Null only for passkey-only accounts created before passwords existed (migration 001). */
  email: string | null;
  emailVerifiedAt: number | null;
  passwordHash: string | null;
  failedAttempts: number;
  lockedUntil: number | null;
  createdAt: number;
}

export interface NewUser {
  username: string;
  email: string;
  passwordHash: string;
  userHandle: Uint8Array;
  createdAt: number;
}

interface UserRow {
  id: number;
  username: string;
  user_handle: Buffer;
  email: string | null;
  email_verified_at: number | null;
  password_hash: string | null;
  failed_attempts: number;
  locked_until: number | null;
  created_at: number;
}

const toUser = (row: UserRow): User => ({
  id: row.id,
  username: row.username,
  userHandle: new Uint8Array(row.user_handle),
  email: row.email,
  emailVerifiedAt: row.email_verified_at,
  passwordHash: row.password_hash,
  failedAttempts: row.failed_attempts,
  lockedUntil: row.locked_until,
  createdAt: row.created_at,
});

export class Users {
  readonly #byUsername;
  readonly #byId;
  readonly #byHandle;
  readonly #byEmail;
  readonly #insert;
  readonly #verifyEmail;
  readonly #setPassword;
  readonly #fail;
  readonly #lock;
  readonly #reset;

  constructor(db: Db) {
    this.#byUsername = db.prepare<[string], UserRow>('SELECT * FROM users WHERE username = ?');
    this.#byId = db.prepare<[number], UserRow>('SELECT * FROM users WHERE id = ?');
    this.#byHandle = db.prepare<[Buffer], UserRow>('SELECT * FROM users WHERE user_handle = ?');
    this.#byEmail = db.prepare<[string], UserRow>('SELECT * FROM users WHERE email = ? ORDER BY id');
    this.#insert = db.prepare<[string, Buffer, string, string, number], { id: number }>(
      'INSERT INTO users (username, user_handle, email, password_hash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id',
    );
    this.#verifyEmail = db.prepare<[number, number, string]>(
      'UPDATE users SET email_verified_at = ? WHERE id = ? AND email = ?',
    );
    this.#setPassword = db.prepare<[string, number]>('UPDATE users SET password_hash = ? WHERE id = ?');
    this.#fail = db.prepare<[number], { failed_attempts: number }>(
      'UPDATE users SET failed_attempts = failed_attempts + 1 WHERE id = ? RETURNING failed_attempts',
    );
    this.#lock = db.prepare<[number, number]>('UPDATE users SET locked_until = ? WHERE id = ?');
    this.#reset = db.prepare<[number]>('UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE id = ?');
  }

  findByUsername(username: string): User | undefined {
    const row = this.#byUsername.get(username);
    return row && toUser(row);
  }

  findById(id: number): User | undefined {
    const row = this.#byId.get(id);
    return row && toUser(row);
  }

  findByHandle(handle: Uint8Array): User | undefined {
    const row = this.#byHandle.get(Buffer.from(handle));
    return row && toUser(row);
  }

  /** Every account with this (lower-cased) address: addresses are not unique. */
  findByEmail(email: string): User[] {
    return this.#byEmail.all(email).map(toUser);
  }

  /** Throws SQLITE_CONSTRAINT_UNIQUE when the username is taken. */
  create(user: NewUser): number {
    const row = this.#insert.get(user.username, Buffer.from(user.userHandle), user.email, user.passwordHash, user.createdAt);
    if (!row) throw new Error('INSERT … RETURNING returned no row');
    return row.id;
  }

  /** Marks `email` verified, if it is still the account's address. */
  verifyEmail(id: number, email: string, now: number): boolean {
    return this.#verifyEmail.run(now, id, email).changes === 1;
  }

  setPasswordHash(id: number, hash: string): void {
    this.#setPassword.run(hash, id);
  }

  /** Counts one more consecutive failure and returns the new count. */
  addFailure(id: number): number {
    return this.#fail.get(id)?.failed_attempts ?? 0;
  }

  lockUntil(id: number, until: number): void {
    this.#lock.run(until, id);
  }

  resetFailures(id: number): void {
    this.#reset.run(id);
  }
}
