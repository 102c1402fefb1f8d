// Per-account throttling (NIST SP 800-63B §5.2.2): consecutive failures of any authenticator
// (password, code, backup code, key) on one account lock it for a while once they reach the
// threshold, and again at every further multiple. The count only resets on a success, so an
// attacker gets `threshold` guesses per lockout period, far below NIST's ceiling of 100
// consecutive failures. The per-IP limit is @fastify/rate-limit's job (plugins/limits.ts).
import type { FastifyRequest } from 'fastify';
import type { User } from '../db/users.ts';
import type { RpSettings } from '../settings.ts';
import type { Store } from '../db/store.ts';
import type { Auditor } from './auditor.ts';
import { emails } from './emails.ts';
import { HttpError } from './http-error.ts';
import type { Mailer } from './mailer.ts';

export type FailedStep = 'password' | 'otp' | 'backup-code' | 'security-key';

export class AccountThrottle {
  constructor(
    private readonly store: Store,
    private readonly settings: RpSettings,
    private readonly auditor: Auditor,
    private readonly mailer: Mailer,
  ) {}

  get #enabled(): boolean {
    return this.settings.protections.rateLimiting;
  }

  /** Throws 429 while the account is locked. */
  assertNotLocked(user: User): void {
    if (!this.#enabled || user.lockedUntil === null) return;
    const now = this.settings.now();
    if (user.lockedUntil > now) throw lockedError(user.lockedUntil, now);
  }

  /**
   * Records a failure; returns the 429 to answer with when it locked the account, else undefined
   * (the caller then answers with its own "wrong code" error).
   */
  failed(user: User, step: FailedStep, request: FastifyRequest, event: 'signin.failed' | 'reauth.failed'): HttpError | undefined {
    this.auditor.record(user.id, event, { step }, request);
    if (!this.#enabled) return undefined;
    const failures = this.store.users.addFailure(user.id);
    if (failures % this.settings.auth.lockoutThreshold !== 0) return undefined;
    const now = this.settings.now();
    const until = now + this.settings.auth.lockoutMs;
    this.store.users.lockUntil(user.id, until);
    this.auditor.record(user.id, 'account.locked', { failures, until: new Date(until).toISOString() }, request);
    request.log.warn({ userId: user.id, failures }, 'account locked after consecutive failures');
    if (user.email) this.mailer.send(user.id, user.email, emails.accountLocked(this.settings.rpName, user.username, failures, until));
    return lockedError(until, now);
  }

  succeeded(user: User): void {
    if (user.failedAttempts !== 0 || user.lockedUntil !== null) this.store.users.resetFailures(user.id);
  }
}

function lockedError(until: number, now: number): HttpError {
  const seconds = Math.max(1, Math.ceil((until - now) / 1000));
  const minutes = Math.ceil(seconds / 60);
  return new HttpError(
    429,
    `Too many failed attempts: this account is locked until ${new Date(until).toISOString()} ` +
      `(about ${minutes} minute${minutes === 1 ? '' : 's'}). A passkey still signs in.`,
    { code: 'account-locked', details: { lockedUntil: new Date(until).toISOString() }, headers: { 'retry-after': String(seconds) } },
  );
}
