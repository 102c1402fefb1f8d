// sessions table: signed-in browsers. The cookie holds 32 random bytes; the table holds only
// their SHA-256, so reading the database does not let anyone impersonate a user.
import { createHash, randomBytes } from 'node:crypto';
import { fromB64url, toB64url } from '../../../shared/bytes.ts';
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

/** Hash of a cookie value, or undefined for anything that is not 32 base64url bytes. */
function sessionKey(token: string): Buffer | undefined {
  let bytes: Uint8Array;
  try {
    bytes = fromB64url(token);
  } catch {
    return undefined;
  }
  if (bytes.length !== 32) return undefined;
  return createHash('sha256').update(bytes).digest();
}

export class Sessions {
  readonly #insert;
  readonly #find;
  readonly #delete;
  readonly #purge;

  constructor(db: Db) {
    this.#insert = db.prepare<[Buffer, number, number, number]>(
      'INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)',
    );
    // Lookup by the hash is an indexed equality on a value the attacker cannot choose
    // the preimage of, so it leaks nothing useful through timing.
    this.#find = db.prepare<[Buffer, number], SessionRow>(
      'SELECT user_id, created_at, expires_at FROM sessions WHERE id = ? AND expires_at > ?',
    );
    this.#delete = db.prepare<[Buffer]>('DELETE FROM sessions WHERE id = ?');
    this.#purge = db.prepare<[number]>('DELETE FROM sessions WHERE expires_at <= ?');
  }

  /** Creates a session and returns the token to put in the cookie. */
  create(userId: number, now: number, ttlMs: number): string {
    this.#purge.run(now);
    const token = toB64url(randomBytes(32));
    const key = sessionKey(token);
    if (!key) throw new Error('unreachable: fresh token has the wrong length');
    this.#insert.run(key, userId, now, now + ttlMs);
    return token;
  }

  find(token: string, now: number): Session | undefined {
    const key = sessionKey(token);
    const row = key && this.#find.get(key, now);
    return row ? { userId: row.user_id, createdAt: row.created_at, expiresAt: row.expires_at } : undefined;
  }

  delete(token: string): void {
    const key = sessionKey(token);
    if (key) this.#delete.run(key);
  }
}
