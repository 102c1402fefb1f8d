// Writes audit entries with the request's address; every security event goes through here.
import type { FastifyRequest } from 'fastify';
import type { AuditDetail, AuditEvent } from '../db/audit-log.ts';
import type { Store } from '../db/store.ts';
import type { RpMetrics } from './metrics.ts';

export class Auditor {
  constructor(
    private readonly store: Store,
    private readonly now: () => number,
    /** Sign-in and security-event counters (services/metrics.ts). */
    readonly metrics: RpMetrics,
  ) {}

  record(userId: number, event: AuditEvent, detail: AuditDetail, request: FastifyRequest | null): void {
    this.store.audit.record(userId, event, detail, request?.ip ?? null, this.now());
    this.metrics.audited(event, detail);
  }
}
