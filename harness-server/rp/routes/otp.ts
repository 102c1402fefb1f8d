// Authenticator app (TOTP, or HOTP on request): enrol with a QR code or the key typed in,
// turn on only after a correct code, reconfigure (the old secret stops at once), remove.
import type { FastifyPluginAsync } from 'fastify';
import QRCode from 'qrcode';
import type { TypeBoxTypeProvider } from '../../plugins/typebox.ts';
import { newOtpSecret, otpauthUri, type OtpParams } from '../crypto/otp.ts';
import { conflict, HttpError } from '../services/http-error.ts';
import { CodeBody, OtpConfirmed, OtpSetup, OtpSetupBody, ReauthBody, Removed } from '../schemas.ts';
import { ipLimit, refuseIfEnforced, requireVerifiedEmail } from './common.ts';

export const otpRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { rp } = app;
  const { store, settings, twoFactor } = rp;

  app.post('/api/otp/setup', { schema: { body: OtpSetupBody, response: { 200: OtpSetup } }, config: ipLimit(rp) }, async (request) => {
    const user = app.auth.user(request, { setup: true });
    requireVerifiedEmail(user);
    await rp.reauth.password(user, request.body.password, request);
    const params: OtpParams = {
      kind: request.body.kind ?? 'totp',
      algorithm: settings.otp.algorithm,
      digits: settings.otp.digits,
      period: settings.otp.period,
    };
    const secret = newOtpSecret();
    store.otp.savePending(user.id, params, twoFactor.sealOtpSecret(user.id, secret), settings.now());
    const issuer = settings.otp.issuer;
    const label = user.username;
    const uri = otpauthUri(params, secret, issuer, label);
    const qr = await QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 4, scale: 6 });
    return { ...params, secret, uri, qr, issuer, label };
  });

  app.post('/api/otp/confirm', { schema: { body: CodeBody, response: { 200: OtpConfirmed } }, config: ipLimit(rp) }, async (request) => {
    const user = app.auth.user(request, { setup: true });
    const pending = store.otp.find(user.id, 'pending');
    if (!pending) throw conflict('No authenticator app setup in progress: start again');
    const check = twoFactor.checkCode(pending, request.body.code);
    // Not counted towards the lockout: whoever enrols knows the secret already.
    if (!check.valid) throw new HttpError(400, 'That code is not right: check the time on your phone and try the next one', { code: 'wrong-code' });
    const reconfigured = store.otp.find(user.id, 'active') !== undefined;
    const kind = pending.params.kind;
    const { backupCodes } = twoFactor.addFactor(user.id, () =>
      store.otp.activate(
        user.id,
        kind === 'totp' ? { timeStep: check.step, nextCounter: 0 } : { timeStep: null, nextCounter: check.step + 1 },
        settings.now(),
      ),
    );
    rp.auditor.record(user.id, 'factor.added', { type: kind, reconfigured }, request);
    twoFactor.notify(
      user,
      reconfigured ? 'Your authenticator app was replaced; codes from the old one no longer work' : 'An authenticator app was set up',
    );
    return { ok: true as const, backupCodes };
  });

  app.post('/api/otp/remove', { schema: { body: ReauthBody, response: { 200: Removed } }, config: ipLimit(rp) }, async (request, reply) => {
    const user = app.auth.user(request);
    const status = twoFactor.status(user.id);
    if (!status.otp) throw conflict('This account has no authenticator app');
    if (status.keys.length === 0) refuseIfEnforced(rp, user);
    await rp.reauth.forDisabling(user, request.body, request, reply);
    store.otp.removeActive(user.id);
    rp.auditor.record(user.id, 'factor.removed', { type: status.otp.params.kind }, request);
    twoFactor.notify(user, 'Your authenticator app was removed');
    return { ok: true as const, twoFactorEnabled: !twoFactor.afterFactorRemoved(user, request) };
  });
};
