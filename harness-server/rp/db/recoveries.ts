// recoveries table: confirmed "lost everything" requests waiting for their delay to pass.
import type { Db } from './database.ts';

export interface Recovery {
  userId: number;
  confirmedAt: number;
  availableAt: number;
}

interface Row {
  user_id: number;
  confirmed_at: number;
  available_at: number;
}

export class Recoveries {
  readonly #find;
  readonly #upsert;
  readonly #delete;

  constructor(db: Db) {
    this.#find = db.prepare<[number], Row>('SELECT * FROM recoveries WHERE user_id = ?');
    this.#upsert = db.prepare<[number, number, number]>(
      'INSERT OR REPLACE INTO recoveries (user_id, confirmed_at, available_at) VALUES (?, ?, ?)',
    );
    this.#delete = db.prepare<[number]>('DELETE FROM recoveries WHERE user_id = ?');
  }

  find(userId: number): Recovery | undefined {
    const row = this.#find.get(userId);
    return row && { userId: row.user_id, confirmedAt: row.confirmed_at, availableAt: row.available_at };
  }

  confirm(userId: number, now: number, waitMs: number): Recovery {
    this.#upsert.run(userId, now, now + waitMs);
    return { userId, confirmedAt: now, availableAt: now + waitMs };
  }

  /** True when there was one to remove. */
  remove(userId: number): boolean {
    return this.#delete.run(userId).changes === 1;
  }
}
