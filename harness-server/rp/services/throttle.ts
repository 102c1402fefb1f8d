// Throttling of guesses (NIST SP 800-63B §5.2.2; docs/rp.md "Throttling and lockout").
//
// Every check of a guessable secret (password, authenticator-app code, backup code, security key
// during sign-in or re-authentication) first *reserves* a guess: one synchronous SQLite
// transaction counts it, or refuses it when a counter is locked, before any slow check such as
// scrypt runs. Parallel requests therefore each take their own place in the count, and a right
// password that arrives after the lock is refused like a wrong one.
//
// Two counters per guess, keyed by the submitted username (an unknown one is throttled exactly
// like a real one, so answers do not tell which exist):
// - per (username, client network): locks at LOCKOUT_THRESHOLD guesses. An attacker's address
//   locks itself, not the owner at another one.
// - account-wide: locks at GLOBAL_FACTOR × LOCKOUT_THRESHOLD guesses from networks the account
//   has never completed a sign-in from, against attackers with many addresses. The owner's known
//   networks are exempt, and a passkey is never throttled (it cannot be guessed).
// A counter locks once it holds `threshold` guesses (≥, not at multiples) until LOCKOUT_MINUTES
// after its latest guess; afterwards each further guess locks it again, so a run of failures gets
// one guess per lockout period. Only a completed sign-in or re-authentication resets them; a right
// password before the second factor gives its guess back without resetting (knowing the password
// does not refill the code guesses).
import type { FastifyRequest } from 'fastify';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8Encode } from '../../../shared/bytes.ts';
import type { Limit } from '../db/guess-counters.ts';
import type { Store } from '../db/store.ts';
import type { User } from '../db/users.ts';
import type { RpSettings } from '../settings.ts';
import type { Auditor } from './auditor.ts';
import { clientNetwork } from '../../client-network.ts';
import { emails } from './emails.ts';
import { HttpError } from './http-error.ts';
import type { Mailer } from './mailer.ts';

export type FailedStep = 'password' | 'otp' | 'backup-code' | 'security-key';
export type FailureEvent = 'signin.failed' | 'reauth.failed';

/** The account-wide limit is this many times the per-network one (at most NIST's 100). */
export const GLOBAL_FACTOR = 4;
/** A run of failures with no guess for this long is forgotten (or the lockout, if longer). */
const QUIET_MS = 24 * 60 * 60 * 1000;
/** A network the owner has not signed in from for this long is no longer exempt. */
const KNOWN_NETWORK_MS = 90 * 24 * 60 * 60 * 1000;
const NO_SCOPE = new Uint8Array(0);

/** A reserved guess: settle it with `failed`, `passed` or the throttle's `succeeded`. */
export interface Attempt {
  /**
   * Records the failure (audit entry for a real account); returns the 429 to answer with when
   * this guess filled a counter, else undefined (the caller answers with its own refusal).
   */
  failed(step: FailedStep, event: FailureEvent): HttpError | undefined;
  /** The secret was right but nothing is complete yet (password before the second factor): the guess is given back. */
  passed(): void;
}

export class AccountThrottle {
  constructor(
    private readonly store: Store,
    private readonly settings: RpSettings,
    private readonly auditor: Auditor,
    private readonly mailer: Mailer,
    private readonly key: Uint8Array,
  ) {}

  get #enabled(): boolean {
    return this.settings.protections.rateLimiting;
  }

  #keyed(label: string, value: string): Uint8Array {
    return hmac(sha256, this.key, utf8Encode(`${label}\0${value}`));
  }

  /** `user`: the account `username` names, when it exists (exempts its known networks from the account-wide limit). */
  #limits(username: string, user: User | undefined, request: FastifyRequest): { limits: Limit[]; network: Uint8Array } {
    const subject = this.#keyed('username', username);
    const network = this.#keyed('network', clientNetwork(request.ip));
    const threshold = this.settings.auth.lockoutThreshold;
    const limits: Limit[] = [{ subject, scope: network, threshold }];
    if (!(user && this.store.guesses.isKnown(user.id, network))) {
      limits.push({ subject, scope: NO_SCOPE, threshold: Math.min(100, threshold * GLOBAL_FACTOR) });
    }
    return { limits, network };
  }

  /**
   * Reserves one guess on `username` (as submitted, normalised) from the request's network;
   * throws the 429 while locked. Call before checking the secret.
   */
  reserve(username: string, user: User | undefined, request: FastifyRequest): Attempt {
    if (!this.#enabled) return { failed: (step, event) => void this.#audit(user, step, event, request), passed: () => {} };
    const now = this.settings.now();
    const lockMs = this.settings.auth.lockoutMs;
    this.store.guesses.prune(now - Math.max(QUIET_MS, lockMs));
    const { limits } = this.#limits(username, user, request);
    const reservation = this.store.guesses.reserve(limits, now, lockMs);
    if (!reservation.ok) throw lockedError(reservation.lockedUntil, now);
    let settled = false;
    const settle = () => {
      if (settled) throw new Error('a guess is settled once');
      settled = true;
    };
    return {
      failed: (step, event) => {
        settle();
        this.#audit(user, step, event, request);
        const filled = limits.findIndex((limit, i) => reservation.counts[i]! >= limit.threshold);
        if (filled === -1) return undefined;
        const until = now + lockMs;
        // The first lock of a run is news for the owner; each later guess only extends it.
        if (user && reservation.counts[filled] === limits[filled]!.threshold) this.#announce(user, reservation.counts[filled]!, until, request);
        return lockedError(until, now);
      },
      passed: () => {
        settle();
        this.store.guesses.refund(limits, now, reservation.previous);
      },
    };
  }

  /** Throws the 429 when a guess on this account from this network would be refused (steps after a checked password). */
  assertOpen(user: User, request: FastifyRequest): void {
    if (!this.#enabled) return;
    const now = this.settings.now();
    const until = this.store.guesses.lockedUntil(this.#limits(user.username, user, request).limits, now, this.settings.auth.lockoutMs);
    if (until !== null) throw lockedError(until, now);
  }

  /**
   * A completed sign-in or re-authentication: this network's counter and the account-wide one
   * restart, and the network becomes a known one. Without a request (no network to credit):
   * only the account-wide counter.
   */
  succeeded(user: User, request?: FastifyRequest): void {
    const subject = this.#keyed('username', user.username);
    if (!request) return this.store.guesses.clear([{ subject, scope: NO_SCOPE }]);
    const { network } = this.#limits(user.username, user, request);
    this.store.guesses.clear([
      { subject, scope: network },
      { subject, scope: NO_SCOPE },
    ]);
    this.store.guesses.rememberNetwork(user.id, network, this.settings.now(), KNOWN_NETWORK_MS);
  }

  #audit(user: User | undefined, step: FailedStep, event: FailureEvent, request: FastifyRequest): void {
    if (user) this.auditor.record(user.id, event, { step }, request);
    else this.auditor.metrics.unattributedFailure(event, step);
  }

  #announce(user: User, failures: number, until: number, request: FastifyRequest): void {
    this.auditor.record(user.id, 'account.locked', { failures, until: new Date(until).toISOString() }, request);
    request.log.warn({ userId: user.id, failures }, 'account locked after consecutive failures');
    if (user.email) this.mailer.send(user.id, user.email, emails.accountLocked(this.settings.rpName, user.username, failures, until));
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
