// The RP's Prometheus metrics, fed by the Auditor: every security event is audited, so counting
// there sees each sign-in and each refused guess once, whichever route took it.
//   pairkey_rp_signins_total{method}               completed sign-ins (method: SigninMethod)
//   pairkey_rp_signin_failures_total{ceremony,step} refused secrets (ceremony: signin | reauth;
//                                                  step: password, otp, backup-code, security-key, passkey),
//                                                  unknown accounts and unknown keys included
//   pairkey_rp_security_events_total{event}        every audit event (lockouts, recoveries, factor changes…)
// Label values come from code, never from requests, so the series stay few.
import type { Counter } from 'prom-client';
import type { Metrics } from '../../observability/index.ts';
import { AUDIT_EVENTS, type AuditDetail, type AuditEvent } from '../db/audit-log.ts';
import type { SigninMethod } from '../routes/common.ts';

const SIGNIN_METHODS: readonly SigninMethod[] = ['password', 'passkey', 'security-key', 'otp', 'backup-code', 'recovery'];

export class RpMetrics {
  readonly #signins: Counter<'method'>;
  readonly #failures: Counter<'ceremony' | 'step'>;
  readonly #events: Counter<'event'>;

  constructor(metrics: Metrics) {
    this.#signins = metrics.counter({ name: 'pairkey_rp_signins_total', help: 'Completed sign-ins, by method', labelNames: ['method'] as const });
    this.#failures = metrics.counter({
      name: 'pairkey_rp_signin_failures_total',
      help: 'Refused sign-in and re-authentication secrets, by ceremony and step',
      labelNames: ['ceremony', 'step'] as const,
    });
    this.#events = metrics.counter({ name: 'pairkey_rp_security_events_total', help: 'Audited security events, by event', labelNames: ['event'] as const });
    // Series that exist from the start read 0 rather than "no data" on a dashboard.
    for (const method of SIGNIN_METHODS) this.#signins.inc({ method }, 0);
    for (const event of AUDIT_EVENTS) this.#events.inc({ event }, 0);
  }

  audited(event: AuditEvent, detail: AuditDetail): void {
    this.#events.inc({ event });
    if (event === 'signin.succeeded') this.#signins.inc({ method: label(detail.method) });
    if (event === 'signin.failed' || event === 'reauth.failed') {
      this.#failures.inc({ ceremony: event === 'signin.failed' ? 'signin' : 'reauth', step: label(detail.step) });
    }
  }

  /** A refused secret that names no account here (unknown username or key): nothing to audit, still a failure. */
  unattributedFailure(event: 'signin.failed' | 'reauth.failed', step: string): void {
    this.#failures.inc({ ceremony: event === 'signin.failed' ? 'signin' : 'reauth', step });
  }
}

function label(value: AuditDetail[string] | undefined): string {
  return typeof value === 'string' ? value : 'unknown';
}
