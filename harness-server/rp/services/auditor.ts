// Writes audit entries with the request's address; every security event goes through here.
import type { FastifyRequest } from 'fastify';
import type { AuditDetail, AuditEvent } from '../db/audit-log.ts';
import type { Store } from '../db/store.ts';

export class Auditor {
  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  record(userId: number, event: AuditEvent, detail: AuditDetail, request: FastifyRequest | null): void {
    this.store.audit.record(userId, event, detail, request?.ip ?? null, this.now());
  }
}
