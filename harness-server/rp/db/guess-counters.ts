// guess_counters and known_networks (migration 003): the throttle's state. Subjects and scopes
// arrive already keyed (HMAC, services/throttle.ts); this module only counts, atomically.
import type { Db } from './database.ts';

/** One counter to reserve a guess on, and the count at which it locks. */
export interface Limit {
  subject: Uint8Array;
  /** Empty: the account-wide counter. */
  scope: Uint8Array;
  threshold: number;
}

export type Reservation =
  | {
      ok: true;
      /** Each limit's count including this guess, in the order given. */
      counts: number[];
      /** Each limit's previous latest guess (what a refund restores); null for a new counter. */
      previous: (number | null)[];
    }
  | { ok: false; lockedUntil: number };

interface CounterRow {
  failures: number;
  last_at: number;
}

export class GuessCounters {
  readonly #db: Db;
  readonly #get;
  readonly #bump;
  readonly #refund;
  readonly #clear;
  readonly #prune;
  readonly #isKnown;
  readonly #remember;
  readonly #forgetNetworks;

  constructor(db: Db) {
    this.#db = db;
    this.#get = db.prepare<[Buffer, Buffer], CounterRow>('SELECT failures, last_at FROM guess_counters WHERE subject = ? AND scope = ?');
    this.#bump = db.prepare<[Buffer, Buffer, number], { failures: number }>(
      `INSERT INTO guess_counters (subject, scope, failures, last_at) VALUES (?, ?, 1, ?)
       ON CONFLICT (subject, scope) DO UPDATE SET failures = failures + 1, last_at = excluded.last_at
       RETURNING failures`,
    );
    // Restores the time of the latest guess too, unless another guess came since: a refunded
    // guess must not extend a lock.
    this.#refund = db.prepare<[number, number, Buffer, Buffer]>(
      `UPDATE guess_counters SET failures = failures - 1, last_at = CASE WHEN last_at = ? THEN ? ELSE last_at END
       WHERE subject = ? AND scope = ? AND failures > 0`,
    );
    this.#clear = db.prepare<[Buffer, Buffer]>('DELETE FROM guess_counters WHERE subject = ? AND scope = ?');
    this.#prune = db.prepare<[number]>('DELETE FROM guess_counters WHERE last_at < ?');
    this.#isKnown = db.prepare<[number, Buffer], { one: number }>('SELECT 1 AS one FROM known_networks WHERE user_id = ? AND network = ?');
    this.#remember = db.prepare<[number, Buffer, number]>(
      `INSERT INTO known_networks (user_id, network, last_at) VALUES (?, ?, ?)
       ON CONFLICT (user_id, network) DO UPDATE SET last_at = excluded.last_at`,
    );
    this.#forgetNetworks = db.prepare<[number]>('DELETE FROM known_networks WHERE last_at < ?');
  }

  /**
   * Counts one guess on every limit, or on none when one of them is locked: a counter locks
   * once it holds `threshold` guesses, until `lockMs` after its latest one. One transaction
   * (the server runs it synchronously, so no other request interleaves): parallel requests
   * each take their own place in the count before any of them is checked.
   */
  reserve(limits: readonly Limit[], now: number, lockMs: number): Reservation {
    return this.#db.transaction((): Reservation => {
      let lockedUntil = 0;
      const previous: (number | null)[] = [];
      for (const limit of limits) {
        const row = this.#get.get(Buffer.from(limit.subject), Buffer.from(limit.scope));
        if (row && row.failures >= limit.threshold && row.last_at + lockMs > now) lockedUntil = Math.max(lockedUntil, row.last_at + lockMs);
        previous.push(row?.last_at ?? null);
      }
      if (lockedUntil > 0) return { ok: false, lockedUntil };
      const counts = limits.map((limit) => this.#bump.get(Buffer.from(limit.subject), Buffer.from(limit.scope), now)!.failures);
      return { ok: true, counts, previous };
    })();
  }

  /** The lock end of the first locked limit, without counting anything; null when none is. */
  lockedUntil(limits: readonly Limit[], now: number, lockMs: number): number | null {
    let until: number | null = null;
    for (const limit of limits) {
      const row = this.#get.get(Buffer.from(limit.subject), Buffer.from(limit.scope));
      if (row && row.failures >= limit.threshold && row.last_at + lockMs > now) until = Math.max(until ?? 0, row.last_at + lockMs);
    }
    return until;
  }

  /** Gives back a reserved guess that turned out not to be a failure (a right password before the second factor). */
  refund(limits: readonly Limit[], reservedAt: number, previous: readonly (number | null)[]): void {
    this.#db.transaction(() => {
      limits.forEach((limit, i) => this.#refund.run(reservedAt, previous[i] ?? reservedAt, Buffer.from(limit.subject), Buffer.from(limit.scope)));
    })();
  }

  clear(limits: readonly Pick<Limit, 'subject' | 'scope'>[]): void {
    this.#db.transaction(() => {
      for (const limit of limits) this.#clear.run(Buffer.from(limit.subject), Buffer.from(limit.scope));
    })();
  }

  /** Forgets counters untouched since `before` (a quiet period ends a run of failures). */
  prune(before: number): void {
    this.#prune.run(before);
  }

  isKnown(userId: number, network: Uint8Array): boolean {
    return this.#isKnown.get(userId, Buffer.from(network)) !== undefined;
  }

  rememberNetwork(userId: number, network: Uint8Array, now: number, keepMs: number): void {
    this.#remember.run(userId, Buffer.from(network), now);
    this.#forgetNetworks.run(now - keepMs);
  }
}
