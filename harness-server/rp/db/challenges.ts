// challenges table: one row per pending WebAuthn ceremony, single use and short-lived.
import { randomBytes } from 'node:crypto';
import { toB64url } from '../../../shared/bytes.ts';
import type { Db } from './database.ts';

export type ChallengePurpose = 'registration' | 'authentication';

export interface PendingChallenge {
  challenge: string;
  purpose: ChallengePurpose;
  userId: number | null;
  pendingUsername: string | null;
  pendingUserHandle: Uint8Array | null;
  expiresAt: number;
}

interface ChallengeRow {
  challenge: string;
  purpose: string;
  user_id: number | null;
  pending_username: string | null;
  pending_user_handle: Buffer | null;
  expires_at: number;
}

export type ConsumeResult =
  | { ok: true; challenge: PendingChallenge }
  | { ok: false; reason: 'unknown' | 'expired' };

export class Challenges {
  readonly #insert;
  readonly #consume;
  readonly #purge;

  constructor(db: Db) {
    this.#insert = db.prepare(
      `INSERT INTO challenges (id, challenge, purpose, user_id, pending_username, pending_user_handle, expires_at)
       VALUES (@id, @challenge, @purpose, @userId, @pendingUsername, @pendingUserHandle, @expiresAt)`,
    );
    // Deleting and reading in one statement makes "use once" hold even under concurrent
    // verify calls: only one of them gets the row back.
    this.#consume = db.prepare<[string, string], ChallengeRow>(
      'DELETE FROM challenges WHERE id = ? AND purpose = ? RETURNING *',
    );
    this.#purge = db.prepare<[number]>('DELETE FROM challenges WHERE expires_at <= ?');
  }

  /** Stores a pending ceremony and returns its random id (the browser's handle on it). */
  create(pending: PendingChallenge, now: number): string {
    this.#purge.run(now);
    const id = toB64url(randomBytes(32));
    this.#insert.run({
      id,
      ...pending,
      pendingUserHandle: pending.pendingUserHandle && Buffer.from(pending.pendingUserHandle),
    });
    return id;
  }

  /** Removes the row and returns it, unless it does not exist (or was used) or has expired. */
  consume(id: string, purpose: ChallengePurpose, now: number): ConsumeResult {
    const row = this.#consume.get(id, purpose);
    if (!row) return { ok: false, reason: 'unknown' };
    if (row.expires_at <= now) return { ok: false, reason: 'expired' };
    return {
      ok: true,
      challenge: {
        challenge: row.challenge,
        purpose,
        userId: row.user_id,
        pendingUsername: row.pending_username,
        pendingUserHandle: row.pending_user_handle && new Uint8Array(row.pending_user_handle),
        expiresAt: row.expires_at,
      },
    };
  }
}
