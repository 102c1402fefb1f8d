// Signing in: password, then (with 2FA on) a second factor — the security key first when the
// account has one, the authenticator app or a backup code instead (Cloudflare's flow) — or a
// passkey alone, without username or password. "Lost everything" recovery starts here too.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '../../plugins/typebox.ts';
import { burnPasswordCheck, hashPassword, needsRehash, verifyPassword } from '../crypto/passwords.ts';
import type { User } from '../db/users.ts';
import { durationText, emails } from '../services/emails.ts';
import { badRequest, conflict, HttpError, messageOf, refusals } from '../services/http-error.ts';
import type { VerifiedAssertion } from '../services/webauthn.ts';
import {
  AuthenticationResponseBody,
  CodeBody,
  PasswordSigninBody,
  RecoveryStarted,
  RequestOptions,
  SignedIn,
  SigninResult,
} from '../schemas.ts';
import { completeSignin, iso, ipLimit, startKeyCheck } from './common.ts';

const maskEmail = (email: string): string => email.replace(/^(.)[^@]*(@.*)$/, '$1•••$2');

export const signinRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { rp } = app;
  const { store, settings, throttle, twoFactor } = rp;
  const limit = { config: ipLimit(rp) };

  /** The account whose password was just accepted; its second factor is being asked for. */
  const pending = (request: FastifyRequest): User => {
    const user = app.sessions.pendingUser(request);
    if (!user) throw new HttpError(401, 'Your sign-in has expired; enter your password again', { code: 'not-signed-in' });
    throttle.assertOpen(user, request);
    return user;
  };

  const recoveryState = (user: User) => {
    const recovery = store.recoveries.find(user.id);
    return recovery ? { availableAt: iso(recovery.availableAt), ready: recovery.availableAt <= settings.now() } : null;
  };

  app.post('/api/signin/password', { schema: { body: PasswordSigninBody, response: { 200: SigninResult } }, ...limit }, async (request, reply) => {
    const { password } = request.body;
    const username = request.body.username.trim().toLowerCase();
    const found = store.users.findByUsername(username);
    const user = found?.passwordHash ? { ...found, passwordHash: found.passwordHash } : undefined;
    // Reserved before scrypt, and keyed by the name as submitted: an unknown username is
    // throttled, answered and timed (a scrypt on a dummy hash) exactly like a real one.
    const attempt = throttle.reserve(username, user, request);
    if (!user) {
      await burnPasswordCheck(password, settings.scrypt);
      throw attempt.failed('password', 'signin.failed') ?? refusals.signinPassword();
    }
    if (!(await verifyPassword(password, user.passwordHash))) {
      throw attempt.failed('password', 'signin.failed') ?? refusals.signinPassword();
    }
    if (needsRehash(user.passwordHash, settings.scrypt)) store.users.setPasswordHash(user.id, await hashPassword(password, settings.scrypt));

    const status = twoFactor.status(user.id);
    if (!status.enabled) return completeSignin(app, request, reply, user, 'password');
    // Failures are not reset yet (the guess is only given back): knowing the password must not
    // refill the code guesses.
    attempt.passed();
    app.sessions.beginPending(request, reply, user.id);
    return {
      status: 'second-factor' as const,
      methods: {
        securityKey: status.keys.length > 0,
        otp: status.otp?.params.kind ?? null,
        backupCode: status.backupCodesRemaining > 0,
      },
      recovery: recoveryState(user),
    };
  });

  app.post('/api/signin/otp', { schema: { body: CodeBody, response: { 200: SignedIn } }, ...limit }, async (request, reply) => {
    const user = pending(request);
    const attempt = throttle.reserve(user.username, user, request);
    const result = twoFactor.useCode(user, request.body.code);
    if (result === 'accepted') return completeSignin(app, request, reply, user, 'otp');
    if (result === 'not-enrolled') {
      attempt.passed();
      throw conflict('This account has no authenticator app');
    }
    throw attempt.failed('otp', 'signin.failed') ?? refusals.code(result);
  });

  app.post('/api/signin/backup-code', { schema: { body: CodeBody, response: { 200: SignedIn } }, ...limit }, async (request, reply) => {
    const user = pending(request);
    const attempt = throttle.reserve(user.username, user, request);
    if (twoFactor.useBackupCode(user, request.body.code, request) === 'accepted') {
      return completeSignin(app, request, reply, user, 'backup-code');
    }
    throw attempt.failed('backup-code', 'signin.failed') ?? refusals.backupCode();
  });

  app.post('/api/signin/key/options', { schema: { response: { 200: RequestOptions } }, ...limit }, async (request, reply) =>
    startKeyCheck(app, reply, pending(request), 'second-factor'),
  );

  app.post('/api/signin/key/verify', { schema: { body: AuthenticationResponseBody, response: { 200: SignedIn } }, ...limit }, async (request, reply) => {
    const user = pending(request);
    const challenge = app.ceremonies.take(request, reply, 'second-factor', (reason) =>
      rp.webauthn.refused(request.body.id, 'second-factor', reason, request),
    );
    const attempt = throttle.reserve(user.username, user, request);
    let verified: VerifiedAssertion;
    try {
      verified = await rp.webauthn.verifyKeyOf(user, challenge, request.body, request);
    } catch (error) {
      throw attempt.failed('security-key', 'signin.failed') ?? error;
    }
    // A passkey can answer the second-factor step too: the log says which kind of key it was.
    if (verified.credential.kind === 'passkey') return completeSignin(app, request, reply, user, 'passkey', { step: 'second factor' });
    return completeSignin(app, request, reply, user, 'security-key');
  });

  // ---- passkey sign-in: no username, no password (the authenticator verifies the user) ----

  app.post('/api/passkey/options', { schema: { response: { 200: RequestOptions } }, ...limit }, async (_request, reply) => {
    const options = await rp.webauthn.authenticationOptions([], 'required');
    app.ceremonies.start(reply, { challenge: options.challenge, purpose: 'authentication', userId: null, data: {} });
    return options;
  });

  // Not subject to the account lockout: a passkey cannot be guessed, and it lets the owner in
  // while someone else is hammering the password. Every refusal is still logged and audited.
  // The challenge is consumed in the same transaction as the key's use, the session and the
  // audit entry: one commit (one fsync) per sign-in instead of three.
  app.post('/api/passkey/verify', { schema: { body: AuthenticationResponseBody, response: { 200: SignedIn } }, ...limit }, async (request, reply) => {
    const refused = (reason: string) => rp.webauthn.refused(request.body.id, 'authentication', reason, request);
    const ceremony = app.ceremonies.read(request, reply, 'authentication', refused);
    let verified: VerifiedAssertion;
    try {
      // A key added as a second factor was promised to follow the password, never to replace it.
      if (store.credentials.findById(request.body.id)?.kind === 'security-key') {
        throw badRequest('This security key is a second factor: sign in with your password first');
      }
      verified = await rp.webauthn.verifyAssertion({
        response: request.body,
        challenge: ceremony.challenge.challenge,
        allowed: null,
        requireUserVerification: true,
        request,
      });
    } catch (error) {
      // Attempted once: a refused ceremony cannot be retried with another assertion.
      app.ceremonies.discard(ceremony);
      refused(messageOf(error));
      throw error;
    }
    try {
      return store.transaction(() => {
        app.ceremonies.consume(ceremony);
        rp.webauthn.recordUse(verified);
        return completeSignin(app, request, reply, verified.user, 'passkey');
      });
    } catch (error) {
      // Another request with the same challenge signed in first. Audited outside the
      // transaction, which the refusal rolled back.
      if (error instanceof HttpError) refused(error.message);
      throw error;
    }
  });

  // ---- "lost everything": confirm by email, wait, then reset 2FA (Clarifai, Cloudflare) ----

  app.post('/api/signin/recovery/start', { schema: { response: { 200: RecoveryStarted } }, ...limit }, async (request) => {
    const user = pending(request);
    if (!user.email || user.emailVerifiedAt === null) {
      throw conflict('This account has no verified email address, so it cannot be recovered this way');
    }
    const token = store.emailTokens.issue(user.id, 'recovery', user.email, settings.now(), settings.recoveryLinkTtlMs);
    const link = new URL(`recover#token=${token}`, settings.publicUrl).href;
    rp.auditor.record(user.id, 'recovery.requested', {}, request);
    rp.mailer.send(user.id, user.email, emails.confirmRecovery(settings.rpName, user.username, link, durationText(settings.auth.recoveryWaitMs)));
    return { ok: true as const, sentTo: maskEmail(user.email) };
  });

  app.post('/api/signin/recovery/complete', { schema: { response: { 200: SignedIn } }, ...limit }, async (request, reply) => {
    const user = pending(request);
    const recovery = store.recoveries.find(user.id);
    if (!recovery) throw conflict('No confirmed recovery for this account: start one and open the link in the email');
    if (recovery.availableAt > settings.now()) {
      throw new HttpError(409, `The two-factor reset can be completed from ${iso(recovery.availableAt)}`, {
        details: { availableAt: iso(recovery.availableAt) },
      });
    }
    twoFactor.clearAll(user.id);
    // Whoever held the old sessions may be the reason for the recovery.
    store.sessions.deleteForUser(user.id);
    rp.auditor.record(user.id, 'recovery.completed', {}, request);
    rp.auditor.record(user.id, 'two-factor.disabled', { reason: 'account recovery' }, request);
    twoFactor.notify(user, 'Two-factor authentication was reset through account recovery');
    return completeSignin(app, request, reply, user, 'recovery');
  });
};
