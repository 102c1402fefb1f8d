// Accounts: sign-up with username + email + password, email verification, the account
// summary, sign-out, and the CSRF token every page fetches before its first POST.
import type { FastifyPluginAsync } from 'fastify';
import { randomBytes } from 'node:crypto';
import { disabledProtections } from '../../config.ts';
import type { TypeBoxTypeProvider } from '../../plugins/typebox.ts';
import { hashPassword, passwordProblem } from '../crypto/passwords.ts';
import { isConstraintError } from '../db/store.ts';
import { durationText, emails } from '../services/emails.ts';
import type { User } from '../db/users.ts';
import { badRequest, conflict, type HttpError } from '../services/http-error.ts';
import { Account, CsrfToken, Me, Ok, ServerInfo, SignedIn, SignupBody, TokenBody } from '../schemas.ts';
import { completeSignin, iso, ipLimit, isoOrNull } from './common.ts';

export const accountRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { rp } = app;
  const { store, settings } = rp;

  const sendVerification = (userId: number, username: string, email: string): void => {
    const token = store.emailTokens.issue(userId, 'verify-email', email, settings.now(), settings.emailVerificationTtlMs);
    const link = new URL(`verify-email#token=${token}`, settings.publicUrl).href;
    rp.mailer.send(userId, email, emails.verifyEmail(settings.rpName, username, link));
  };
  const usernameTaken = (username: string): HttpError => conflict(`The username "${username}" is already taken`);

  app.get('/api/csrf', { schema: { response: { 200: CsrfToken } } }, async (_request, reply) => ({ token: reply.generateCsrf() }));

  app.get('/api/server-info', { schema: { response: { 200: ServerInfo } } }, async () => ({
    rpName: settings.rpName,
    insecure: disabledProtections(settings),
    devOutbox: settings.mail.devOutbox,
    recoveryWait: durationText(settings.auth.recoveryWaitMs),
  }));

  app.post(
    '/api/signup',
    { schema: { body: SignupBody, response: { 200: SignedIn } }, config: ipLimit(rp) },
    async (request, reply) => {
      const { username, password } = request.body;
      const email = request.body.email.trim().toLowerCase();
      const problem = passwordProblem(password, [username, email.split('@')[0] ?? '', settings.rpName, 'pairkey']);
      if (problem) throw badRequest(problem);
      if (store.users.findByUsername(username)) throw usernameTaken(username);
      const passwordHash = await hashPassword(password, settings.scrypt);
      let user: User;
      try {
        // The account, its audit entry and its verification email exist together or not at all.
        user = store.transaction(() => {
          const id = store.users.create({ username, email, passwordHash, userHandle: randomBytes(32), createdAt: settings.now() });
          rp.auditor.record(id, 'account.created', {}, request);
          sendVerification(id, username, email);
          return store.users.findById(id)!;
        });
      } catch (error) {
        // Two sign-ups raced for the name while the password was hashing.
        if (isConstraintError(error)) throw usernameTaken(username);
        throw error;
      }
      return completeSignin(app, request, reply, user, 'password');
    },
  );

  app.post('/api/email/verify', { schema: { body: TokenBody, response: { 200: Ok } }, config: ipLimit(rp) }, async (request) => {
    const use = store.emailTokens.consume(request.body.token, 'verify-email', settings.now());
    if (!use || !store.users.verifyEmail(use.userId, use.email, settings.now())) {
      throw badRequest('This verification link is invalid, already used or expired; send a new one from the Security page');
    }
    rp.auditor.record(use.userId, 'email.verified', { email: use.email }, request);
    return { ok: true as const };
  });

  app.post('/api/email/resend', { schema: { response: { 200: Ok } }, config: ipLimit(rp) }, async (request) => {
    const user = app.auth.user(request, { setup: true });
    if (!user.email) throw badRequest('This account has no email address');
    if (user.emailVerifiedAt !== null) throw conflict('Your email address is already verified');
    sendVerification(user.id, user.username, user.email);
    return { ok: true as const };
  });

  app.get('/api/me', { schema: { response: { 200: Me } } }, async (request) => {
    return { username: app.auth.user(request, { setup: true }).username };
  });

  app.get('/api/account', { schema: { response: { 200: Account } } }, async (request) => {
    const user = app.auth.user(request, { setup: true });
    const status = rp.twoFactor.status(user.id);
    const recovery = store.recoveries.find(user.id);
    return {
      username: user.username,
      email: user.email,
      emailVerified: user.emailVerifiedAt !== null,
      twoFactor: {
        enabled: status.enabled,
        securityKeys: status.keys.length,
        otp: status.otp
          ? {
              ...status.otp.params,
              enabledAt: isoOrNull(status.otp.enabledAt),
              lastUsedAt: isoOrNull(status.otp.lastUsedAt),
            }
          : null,
        backupCodes: { remaining: status.backupCodesRemaining, low: status.backupCodesLow },
      },
      recovery: recovery ? { availableAt: iso(recovery.availableAt) } : null,
      mustSetUp2faFor: app.auth.unmetEnforcement(user),
    };
  });

  // Signing out is idempotent: without a session it still clears the cookies and succeeds.
  app.post('/api/signout', { schema: { response: { 200: Ok } } }, async (request, reply) => {
    const user = app.sessions.currentUser(request);
    if (user) rp.auditor.record(user.id, 'signout', {}, request);
    app.sessions.end(request, reply);
    return { ok: true as const };
  });
};
