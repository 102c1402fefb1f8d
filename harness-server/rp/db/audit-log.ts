// audit_log table: security events per account, shown on the security page.
import type { Db } from './database.ts';

export const AUDIT_EVENTS = [
  'account.created',
  'email.verified',
  'signin.succeeded',
  'signin.failed',
  'account.locked',
  'reauth.failed',
  'factor.added',
  'factor.renamed',
  'factor.removed',
  'backup-codes.generated',
  'backup-code.used',
  'two-factor.disabled',
  'key.sign-count-regression',
  'recovery.requested',
  'recovery.confirmed',
  'recovery.completed',
  'recovery.cancelled',
  'org.created',
  'org.member-added',
  'org.member-removed',
  'org.enforcement-changed',
  'org.invited',
  'org.invitation-accepted',
  'org.invitation-declined',
  'org.invitation-cancelled',
  'org.member-left',
  'password.changed',
  'password.reset-requested',
  'password.reset',
  'signout',
] as const;
export type AuditEvent = (typeof AUDIT_EVENTS)[number];
export type AuditDetail = Readonly<Record<string, string | number | boolean | null>>;

export interface AuditEntry {
  id: number;
  at: number;
  event: AuditEvent;
  detail: AuditDetail;
  ip: string | null;
}

interface Row {
  id: number;
  at: number;
  event: AuditEvent;
  detail: string;
  ip: string | null;
}

export class AuditLog {
  readonly #insert;
  readonly #list;

  constructor(db: Db) {
    this.#insert = db.prepare<[number, number, string, string, string | null]>(
      'INSERT INTO audit_log (user_id, at, event, detail, ip) VALUES (?, ?, ?, ?, ?)',
    );
    this.#list = db.prepare<[number, number], Row>(
      'SELECT id, at, event, detail, ip FROM audit_log WHERE user_id = ? ORDER BY id DESC LIMIT ?',
    );
  }

  record(userId: number, event: AuditEvent, detail: AuditDetail, ip: string | null, now: number): void {
    this.#insert.run(userId, now, event, JSON.stringify(detail), ip);
  }

  /** Newest first. */
  list(userId: number, limit = 200): AuditEntry[] {
    return this.#list.all(userId, limit).map((row) => ({
      id: row.id,
      at: row.at,
      event: row.event,
      detail: JSON.parse(row.detail) as AuditDetail,
      ip: row.ip,
    }));
  }
}
