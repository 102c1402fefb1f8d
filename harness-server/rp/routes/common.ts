// Helpers shared by the route modules.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { StoredCredential } from '../db/credentials.ts';
import type { User } from '../db/users.ts';
import type { RpServices } from '../services/index.ts';
import { conflict, forbidden, HttpError } from '../services/http-error.ts';

export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

/** Per-IP limit for routes that check a secret (@fastify/rate-limit; ignored when it is off). */
export function ipLimit(rp: RpServices): { rateLimit: { max: number; timeWindow: number } } {
  return { rateLimit: { max: rp.settings.auth.ipRateLimitPerMinute, timeWindow: 60_000 } };
}

export function keySummary(credential: StoredCredential) {
  return {
    id: credential.id,
    name: credential.name,
    kind: credential.kind,
    transports: credential.transports,
    signCount: credential.signCount,
    backupEligible: credential.backupEligible,
    backupState: credential.backupState,
    createdAt: iso(credential.createdAt),
    lastUsedAt: isoOrNull(credential.lastUsedAt),
    cloneWarningAt: isoOrNull(credential.cloneWarningAt),
  };
}

/** 2FA can be turned on only for a verified address: recovery depends on it (Cloudflare's rule). */
export function requireVerifiedEmail(user: User): void {
  if (user.emailVerifiedAt === null) {
    throw new HttpError(403, 'Verify your email address before turning on two-factor authentication', { code: 'email-unverified' });
  }
}

/** While an organisation enforces 2FA, its members cannot turn it off. */
export function refuseIfEnforced(rp: RpServices, user: User): void {
  const orgs = rp.store.orgs.requiring2fa(user.id);
  if (orgs.length > 0) {
    throw forbidden(`${orgs.join(', ')} requires two-factor authentication: it cannot be turned off while you are a member`);
  }
}

export type SigninMethod = 'password' | 'passkey' | 'security-key' | 'otp' | 'backup-code' | 'recovery';

/**
 * The end of every successful sign-in, in one transaction (a crash leaves either all of it or
 * none): new session id, failures reset, audit entry.
 */
export function completeSignin(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  user: User,
  method: SigninMethod,
  detail: { step?: 'second factor' } = {},
) {
  app.rp.store.transaction(() => {
    app.sessions.start(request, reply, user.id);
    app.rp.throttle.succeeded(user, request);
    app.rp.auditor.record(user.id, 'signin.succeeded', { method, ...detail }, request);
  });
  return { status: 'signed-in' as const, username: user.username, mustSetUp2fa: app.auth.unmetEnforcement(user).length > 0 };
}

/** Options for an assertion by one of the account's keys, remembered for `purpose`. */
export async function startKeyCheck(app: FastifyInstance, reply: FastifyReply, user: User, purpose: 'second-factor' | 'reauth') {
  const keys = app.rp.twoFactor.status(user.id).keys;
  if (keys.length === 0) throw conflict('This account has no security key');
  const options = await app.rp.webauthn.authenticationOptions(keys, 'preferred');
  app.ceremonies.start(reply, { challenge: options.challenge, purpose, userId: user.id, data: {} });
  return options;
}
