// Changing the password (signed in: the current password plus a second factor where the account
// has 2FA) and resetting it by an emailed link (only accounts without 2FA: for the others an
// email alone would bypass the second factor, so they are pointed to account recovery). Either
// way the new password follows the sign-up rules, every session of the account ends (the browser
// that changed it gets a fresh one), a pending two-factor recovery is cancelled — someone who
// knows the old password could have started it — and the owner gets an email and an audit entry.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '../../plugins/typebox.ts';
import { hashPassword, passwordProblem } from '../crypto/passwords.ts';
import type { User } from '../db/users.ts';
import { emails } from '../services/emails.ts';
import { badRequest, conflict } from '../services/http-error.ts';
import { Ok, PasswordChangeBody, ResetCompleteBody, ResetRequestBody } from '../schemas.ts';
import { ipLimit } from './common.ts';

/** A reset link works once, for an hour (OWASP Forgot Password Cheat Sheet: short-lived). */
export const PASSWORD_RESET_TTL_MS = 60 * 60 * 1000;
/**
 * A new reset link voids the previous one, and the per-address limit does not stop requests from
 * many addresses: without a pause per account, anyone could keep cancelling the owner's link and
 * fill their inbox. Within it, a request sends nothing and the link already sent stays good.
 */
export const PASSWORD_RESET_COOLDOWN_MS = 5 * 60 * 1000;

export const passwordRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { rp } = app;
  const { store, settings, twoFactor } = rp;

  /** The sign-up rules, with this account's own words excluded. */
  const problemWith = (user: User, password: string): string | undefined =>
    passwordProblem(password, [user.username, user.email?.split('@')[0] ?? '', settings.rpName, 'pairkey']);

  /**
   * Stores the new hash and ends what the old password could have started: every session and
   * pending sign-in, reset links, and a requested or confirmed 2FA recovery. Call inside a
   * transaction. True when a recovery was pending.
   */
  const replacePassword = (user: User, passwordHash: string, request: FastifyRequest): boolean => {
    store.users.setPasswordHash(user.id, passwordHash);
    store.sessions.deleteForUser(user.id);
    store.pendingSignins.deleteForUser(user.id);
    store.emailTokens.revoke(user.id, 'password-reset');
    const recoveryRequested = store.emailTokens.revoke(user.id, 'recovery');
    const recoveryConfirmed = store.recoveries.remove(user.id);
    const cancelled = recoveryRequested || recoveryConfirmed;
    if (cancelled) rp.auditor.record(user.id, 'recovery.cancelled', { reason: 'password changed' }, request);
    return cancelled;
  };

  app.post('/api/password/change', { schema: { body: PasswordChangeBody, response: { 200: Ok } }, config: ipLimit(rp) }, async (request, reply) => {
    const user = app.auth.user(request);
    const { newPassword } = request.body;
    // Checked first: a refused new password must not spend the one-time code given with it.
    const problem = problemWith(user, newPassword);
    if (problem) throw badRequest(problem);
    // A session alone (a borrowed laptop, a stolen cookie) must not be able to take the account.
    await rp.reauth.forDisabling(user, request.body, request, reply, twoFactor.isEnabled(user.id));
    const passwordHash = await hashPassword(newPassword, settings.scrypt);
    store.transaction(() => {
      const recoveryCancelled = replacePassword(user, passwordHash, request);
      // This browser carries on, under a new session id.
      app.sessions.start(request, reply, user.id);
      rp.auditor.record(user.id, 'password.changed', { otherSessionsEnded: true, recoveryCancelled }, request);
      if (user.email) rp.mailer.send(user.id, user.email, emails.passwordChanged(settings.rpName, user.username, settings.now(), 'changed', recoveryCancelled));
    });
    return { ok: true as const };
  });

  // One answer for every input: whether an account matched, has a verified address or uses
  // 2FA is told only to that account's inbox.
  app.post('/api/password/reset/request', { schema: { body: ResetRequestBody, response: { 200: Ok } }, config: ipLimit(rp) }, async (request) => {
    const given = request.body.account.trim().toLowerCase();
    const matches = given.includes('@') ? store.users.findByEmail(given) : [store.users.findByUsername(given)].filter((u) => u !== undefined);
    const now = settings.now();
    for (const user of matches) {
      // An unverified address may be a typo that belongs to someone else.
      if (!user.email || user.emailVerifiedAt === null || user.passwordHash === null) continue;
      store.transaction(() => {
        if (twoFactor.isEnabled(user.id)) {
          rp.auditor.record(user.id, 'password.reset-requested', { sent: 'two-factor notice' }, request);
          rp.mailer.send(user.id, user.email!, emails.passwordResetNeeds2fa(settings.rpName, user.username, new URL('signin', settings.publicUrl).href));
          return;
        }
        const lastSent = store.emailTokens.liveIssuedAt(user.id, 'password-reset', now);
        if (lastSent !== undefined && now - lastSent < PASSWORD_RESET_COOLDOWN_MS) {
          rp.auditor.record(user.id, 'password.reset-requested', { sent: 'nothing: a link was sent minutes ago' }, request);
          return;
        }
        const token = store.emailTokens.issue(user.id, 'password-reset', user.email!, now, PASSWORD_RESET_TTL_MS);
        // In the fragment: never sent to a server, never in a Referer.
        const link = new URL(`reset-password#token=${token}`, settings.publicUrl).href;
        rp.auditor.record(user.id, 'password.reset-requested', { sent: 'link' }, request);
        rp.mailer.send(user.id, user.email!, emails.passwordReset(settings.rpName, user.username, link));
      });
    }
    return { ok: true as const };
  });

  app.post('/api/password/reset/complete', { schema: { body: ResetCompleteBody, response: { 200: Ok } }, config: ipLimit(rp) }, async (request) => {
    const { token, newPassword } = request.body;
    const invalid = () => badRequest('This reset link is invalid, already used or expired: ask for a new one');
    // Looked at, not spent, until the new password is accepted: a refused password keeps the link.
    const found = store.emailTokens.peek(token, 'password-reset', settings.now());
    const user = found && store.users.findById(found.userId);
    if (!found || !user || user.email !== found.email) throw invalid();
    if (twoFactor.isEnabled(user.id)) {
      store.emailTokens.revoke(user.id, 'password-reset');
      throw conflict('This account now uses two-factor authentication, so its password cannot be reset by email: sign in and change it on the Security page');
    }
    const problem = problemWith(user, newPassword);
    if (problem) throw badRequest(problem);
    const passwordHash = await hashPassword(newPassword, settings.scrypt);
    store.transaction(() => {
      // Spent here, conditionally: of two concurrent uses only one gets past this line.
      if (!store.emailTokens.consume(token, 'password-reset', settings.now())) throw invalid();
      // 2FA may have been turned on while the new password was hashing.
      if (twoFactor.isEnabled(user.id)) throw conflict('This account now uses two-factor authentication, so its password cannot be reset by email: sign in and change it on the Security page');
      const recoveryCancelled = replacePassword(user, passwordHash, request);
      rp.auditor.record(user.id, 'password.reset', { sessionsEnded: true, recoveryCancelled }, request);
      rp.mailer.send(user.id, found.email, emails.passwordChanged(settings.rpName, user.username, settings.now(), 'reset', recoveryCancelled));
    });
    return { ok: true as const };
  });
};
