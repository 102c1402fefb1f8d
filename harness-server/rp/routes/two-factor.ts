// Account-wide 2FA: backup codes (regenerate), turning 2FA off, the key check that
// re-authentication may use, cancelling a recovery, and the audit log.
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '../../plugins/typebox.ts';
import { badRequest, conflict } from '../services/http-error.ts';
import { AuditList, BackupCodes, Ok, PasswordBody, ReauthBody, RecoveryConfirmed, RequestOptions, TokenBody } from '../schemas.ts';
import { emails } from '../services/emails.ts';
import { iso, ipLimit, refuseIfEnforced, startKeyCheck } from './common.ts';

export const twoFactorRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { rp } = app;
  const { store, settings, twoFactor } = rp;

  app.post('/api/backup-codes/regenerate', { schema: { body: PasswordBody, response: { 200: BackupCodes } }, config: ipLimit(rp) }, async (request) => {
    const user = app.auth.user(request);
    if (!twoFactor.isEnabled(user.id)) throw conflict('Turn on two-factor authentication first');
    await rp.reauth.password(user, request.body.password, request);
    const codes = store.transaction(() => twoFactor.replaceBackupCodes(user.id));
    rp.auditor.record(user.id, 'backup-codes.generated', { count: codes.length }, request);
    twoFactor.notify(user, 'New backup codes were generated; the old ones no longer work');
    return { codes };
  });

  app.post('/api/2fa/disable', { schema: { body: ReauthBody, response: { 200: Ok } }, config: ipLimit(rp) }, async (request, reply) => {
    const user = app.auth.user(request);
    if (!twoFactor.isEnabled(user.id)) throw conflict('Two-factor authentication is already off');
    refuseIfEnforced(rp, user);
    await rp.reauth.forDisabling(user, request.body, request, reply);
    twoFactor.clearAll(user.id);
    rp.auditor.record(user.id, 'two-factor.disabled', { reason: 'turned off by the user' }, request);
    twoFactor.notify(user, 'Two-factor authentication was turned off');
    return { ok: true as const };
  });

  /** Options for proving a key during re-authentication (the proof goes with the change itself). */
  app.post('/api/reauth/key/options', { schema: { response: { 200: RequestOptions } } }, async (request, reply) =>
    startKeyCheck(app, reply, app.auth.user(request), 'reauth'),
  );

  // Opened from the recovery email; the token alone is the proof (it reached the inbox).
  app.post('/api/recovery/confirm', { schema: { body: TokenBody, response: { 200: RecoveryConfirmed } }, config: ipLimit(rp) }, async (request) => {
    const use = store.emailTokens.consume(request.body.token, 'recovery', settings.now());
    const user = use && store.users.findById(use.userId);
    if (!use || !user || user.email !== use.email) throw badRequest('This recovery link is invalid, already used or expired');
    const recovery = store.recoveries.confirm(user.id, settings.now(), settings.auth.recoveryWaitMs);
    rp.auditor.record(user.id, 'recovery.confirmed', { availableAt: iso(recovery.availableAt) }, request);
    rp.mailer.send(user.id, use.email, emails.recoveryScheduled(settings.rpName, user.username, recovery.availableAt));
    return { ok: true as const, availableAt: iso(recovery.availableAt) };
  });

  app.post('/api/recovery/cancel', { schema: { response: { 200: Ok } } }, async (request) => {
    const user = app.auth.user(request, { setup: true });
    if (!store.recoveries.remove(user.id)) throw conflict('No recovery is pending');
    rp.auditor.record(user.id, 'recovery.cancelled', {}, request);
    twoFactor.notify(user, 'A pending two-factor reset was cancelled');
    return { ok: true as const };
  });

  app.get('/api/audit', { schema: { response: { 200: AuditList } } }, async (request) => {
    const user = app.auth.user(request);
    return { entries: store.audit.list(user.id).map((entry) => ({ ...entry, at: iso(entry.at) })) };
  });
};
