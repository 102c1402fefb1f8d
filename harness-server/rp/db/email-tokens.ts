// email_tokens table: single-use links sent by email (address verification, 2FA recovery,
// password reset).
import { issueToken, tokenHash } from '../crypto/tokens.ts';
import type { Db } from './database.ts';

export type EmailTokenPurpose = 'verify-email' | 'recovery' | 'password-reset';

export interface EmailTokenUse {
  userId: number;
  email: string;
}

interface Row {
  user_id: number;
  email: string;
  expires_at: number;
}

export class EmailTokens {
  readonly #insert;
  readonly #consume;
  readonly #revoke;
  readonly #find;
  readonly #latest;

  constructor(db: Db) {
    this.#insert = db.prepare<[Buffer, number, string, string, number, number]>(
      'INSERT INTO email_tokens (id, user_id, purpose, email, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.#consume = db.prepare<[Buffer, string], Row>(
      'DELETE FROM email_tokens WHERE id = ? AND purpose = ? RETURNING user_id, email, expires_at',
    );
    this.#revoke = db.prepare<[number, string]>('DELETE FROM email_tokens WHERE user_id = ? AND purpose = ?');
    this.#find = db.prepare<[Buffer, string, number], Row>(
      'SELECT user_id, email, expires_at FROM email_tokens WHERE id = ? AND purpose = ? AND expires_at > ?',
    );
    this.#latest = db.prepare<[number, string, number], { created_at: number | null }>(
      'SELECT max(created_at) AS created_at FROM email_tokens WHERE user_id = ? AND purpose = ? AND expires_at > ?',
    );
  }

  /** When the account's newest unexpired token of this purpose was issued, if it has one. */
  liveIssuedAt(userId: number, purpose: EmailTokenPurpose, now: number): number | undefined {
    return this.#latest.get(userId, purpose, now)?.created_at ?? undefined;
  }

  /** Looks the token up without using it (e.g. to check a new password before spending the link). */
  peek(token: string, purpose: EmailTokenPurpose, now: number): EmailTokenUse | undefined {
    const hash = tokenHash(token);
    const row = hash && this.#find.get(hash, purpose, now);
    return row ? { userId: row.user_id, email: row.email } : undefined;
  }

  /** A new link token; earlier unused tokens of the same purpose stop working. */
  issue(userId: number, purpose: EmailTokenPurpose, email: string, now: number, ttlMs: number): string {
    this.#revoke.run(userId, purpose);
    const { token, hash } = issueToken();
    this.#insert.run(hash, userId, purpose, email, now, now + ttlMs);
    return token;
  }

  /** Uses the token up; undefined if unknown, already used or expired. */
  consume(token: string, purpose: EmailTokenPurpose, now: number): EmailTokenUse | undefined {
    const hash = tokenHash(token);
    const row = hash && this.#consume.get(hash, purpose);
    if (!row || row.expires_at <= now) return undefined;
    return { userId: row.user_id, email: row.email };
  }

  /** True when an unused token was revoked. */
  revoke(userId: number, purpose: EmailTokenPurpose): boolean {
    return this.#revoke.run(userId, purpose).changes > 0;
  }
}
