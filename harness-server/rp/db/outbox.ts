// outbox table: every email the RP sends, readable at /dev/outbox.
import type { Db } from './database.ts';

export interface OutboxMessage {
  id: number;
  userId: number | null;
  to: string;
  subject: string;
  body: string;
  createdAt: number;
}

interface Row {
  id: number;
  user_id: number | null;
  to_address: string;
  subject: string;
  body: string;
  created_at: number;
}

const toMessage = (row: Row): OutboxMessage => ({
  id: row.id,
  userId: row.user_id,
  to: row.to_address,
  subject: row.subject,
  body: row.body,
  createdAt: row.created_at,
});

export class Outbox {
  readonly #insert;
  readonly #list;
  readonly #listTo;

  constructor(db: Db) {
    this.#insert = db.prepare<[number | null, string, string, string, number], { id: number }>(
      'INSERT INTO outbox (user_id, to_address, subject, body, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id',
    );
    this.#list = db.prepare<[number], Row>('SELECT * FROM outbox ORDER BY id DESC LIMIT ?');
    this.#listTo = db.prepare<[string, number], Row>('SELECT * FROM outbox WHERE to_address = ? ORDER BY id DESC LIMIT ?');
  }

  add(message: Omit<OutboxMessage, 'id'>): number {
    const row = this.#insert.get(message.userId, message.to, message.subject, message.body, message.createdAt);
    if (!row) throw new Error('INSERT … RETURNING returned no row');
    return row.id;
  }

  /** Newest first, optionally only those sent to one address. */
  list(to?: string, limit = 100): OutboxMessage[] {
    return (to === undefined ? this.#list.all(limit) : this.#listTo.all(to, limit)).map(toMessage);
  }
}
