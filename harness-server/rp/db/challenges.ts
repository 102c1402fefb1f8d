// challenges table: one row per pending WebAuthn ceremony, single use and short-lived.
import { randomBytes } from 'node:crypto';
import { toB64url } from '../../../shared/bytes.ts';
import type { CredentialKind } from './credentials.ts';
import type { Db } from './database.ts';

/**
 * registration: adding a key to a signed-in account. authentication: passkey sign-in without a
 * username. second-factor: the key step after a password. reauth: proving a key before
 * disabling 2FA or removing a factor.
 */
export type ChallengePurpose = 'registration' | 'authentication' | 'second-factor' | 'reauth';

export interface ChallengeData {
  /** registration: which kind of credential is being created. */
  kind?: CredentialKind;
}

export interface PendingChallenge {
  challenge: string;
  purpose: ChallengePurpose;
  userId: number | null;
  data: ChallengeData;
  expiresAt: number;
}

interface ChallengeRow {
  challenge: string;
  user_id: number | null;
  data: string;
  expires_at: number;
}

export type ConsumeResult =
  | { ok: true; challenge: PendingChallenge }
  | { ok: false; reason: 'unknown' | 'expired' };

function parseData(json: string): ChallengeData {
  const value = JSON.parse(json) as { kind?: unknown };
  return value.kind === 'passkey' || value.kind === 'security-key' ? { kind: value.kind } : {};
}

export class Challenges {
  readonly #insert;
  readonly #consume;
  readonly #read;
  readonly #delete;
  readonly #purge;

  constructor(db: Db) {
    this.#insert = db.prepare(
      `INSERT INTO challenges (id, challenge, purpose, user_id, data, expires_at)
       VALUES (@id, @challenge, @purpose, @userId, @data, @expiresAt)`,
    );
    // Deleting and reading in one statement makes "use once" hold even under concurrent
    // verify calls: only one of them gets the row back.
    this.#consume = db.prepare<[string, string], ChallengeRow>(
      'DELETE FROM challenges WHERE id = ? AND purpose = ? RETURNING challenge, user_id, data, expires_at',
    );
    this.#read = db.prepare<[string, string], ChallengeRow>(
      'SELECT challenge, user_id, data, expires_at FROM challenges WHERE id = ? AND purpose = ?',
    );
    this.#delete = db.prepare<[string, string]>('DELETE FROM challenges WHERE id = ? AND purpose = ?');
    this.#purge = db.prepare<[number]>('DELETE FROM challenges WHERE expires_at <= ?');
  }

  /**
   * Stores a pending ceremony and returns its random id (the browser's handle on it).
   * `expiry` false (QA switch) keeps expired rows, so they stay usable.
   */
  create(pending: PendingChallenge, now: number, expiry = true): string {
    if (expiry) this.#purge.run(now);
    const id = toB64url(randomBytes(32));
    this.#insert.run({ id, ...pending, data: JSON.stringify(pending.data) });
    return id;
  }

  /** Removes the row and returns it, unless it does not exist (or was used) or has expired. */
  consume(id: string, purpose: ChallengePurpose, now: number, expiry = true): ConsumeResult {
    return toResult(this.#consume.get(id, purpose), purpose, now, expiry);
  }

  /** The row as consume would return it, left in place (for a consume later in a transaction). */
  read(id: string, purpose: ChallengePurpose, now: number, expiry = true): ConsumeResult {
    return toResult(this.#read.get(id, purpose), purpose, now, expiry);
  }

  /**
   * Deletes a row read earlier; false when it was already gone. Only one of several concurrent
   * requests holding the same id gets true, which keeps "use once" with read-then-delete.
   */
  delete(id: string, purpose: ChallengePurpose): boolean {
    return this.#delete.run(id, purpose).changes === 1;
  }
}

function toResult(row: ChallengeRow | undefined, purpose: ChallengePurpose, now: number, expiry: boolean): ConsumeResult {
  if (!row) return { ok: false, reason: 'unknown' };
  if (expiry && row.expires_at <= now) return { ok: false, reason: 'expired' };
  return {
    ok: true,
    challenge: { challenge: row.challenge, purpose, userId: row.user_id, data: parseData(row.data), expiresAt: row.expires_at },
  };
}
