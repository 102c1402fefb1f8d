// Security keys and passkeys of the signed-in account: add (after the password), list with
// last use, rename, remove (password; plus a second factor when it is the last factor).
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '../../plugins/typebox.ts';
import { isConstraintError } from '../db/store.ts';
import { badRequest, conflict, notFound } from '../services/http-error.ts';
import {
  CreationOptions,
  KeyAdded,
  KeyIdParams,
  KeyList,
  KeyOptionsBody,
  KeyVerifyBody,
  Ok,
  ReauthBody,
  Removed,
  RenameBody,
} from '../schemas.ts';
import { ipLimit, keySummary, refuseIfEnforced, requireVerifiedEmail } from './common.ts';

const KIND_NAMES = { passkey: 'Passkey', 'security-key': 'Security key' } as const;

export const keyRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { rp } = app;
  const { store, settings, twoFactor } = rp;

  app.get('/api/keys', { schema: { response: { 200: KeyList } } }, async (request) => {
    const user = app.auth.user(request, { setup: true });
    return { keys: store.credentials.listForUser(user.id).map(keySummary) };
  });

  app.post('/api/keys/options', { schema: { body: KeyOptionsBody, response: { 200: CreationOptions } }, config: ipLimit(rp) }, async (request, reply) => {
    const user = app.auth.user(request, { setup: true });
    requireVerifiedEmail(user);
    await rp.reauth.password(user, request.body.password, request);
    const { kind } = request.body;
    const options = await rp.webauthn.registrationOptions(user, kind);
    app.ceremonies.start(reply, { challenge: options.challenge, purpose: 'registration', userId: user.id, data: { kind } });
    return options;
  });

  app.post('/api/keys/verify', { schema: { body: KeyVerifyBody, response: { 200: KeyAdded } } }, async (request, reply) => {
    const user = app.auth.user(request, { setup: true });
    const challenge = app.ceremonies.take(request, reply, 'registration');
    if (challenge.userId !== user.id || !challenge.data.kind) throw badRequest('This registration was started by another account');
    const registered = await rp.webauthn.verifyRegistration(request.body.credential, challenge.challenge, challenge.data.kind);
    const name = request.body.name.trim();
    let backupCodes: string[] | null;
    try {
      ({ backupCodes } = twoFactor.addFactor(user.id, () =>
        store.credentials.create({ ...registered, userId: user.id, name, createdAt: settings.now() }),
      ));
    } catch (error) {
      // The id is the table's primary key: one credential can never belong to two accounts.
      if (isConstraintError(error)) throw conflict('This security key is already registered');
      throw error;
    }
    rp.auditor.record(user.id, 'factor.added', { type: registered.kind, name }, request);
    twoFactor.notify(user, `${KIND_NAMES[registered.kind]} "${name}" was added`);
    return { key: keySummary(store.credentials.findById(registered.id)!), backupCodes };
  });

  app.post('/api/keys/:id/rename', { schema: { params: KeyIdParams, body: RenameBody, response: { 200: Ok } } }, async (request) => {
    const user = app.auth.user(request);
    const key = store.credentials.findById(request.params.id);
    const name = request.body.name.trim();
    if (!key || key.userId !== user.id || !store.credentials.rename(user.id, key.id, name)) throw notFound('No such security key');
    rp.auditor.record(user.id, 'factor.renamed', { type: key.kind, from: key.name, to: name }, request);
    return { ok: true as const };
  });

  app.post('/api/keys/:id/remove', { schema: { params: KeyIdParams, body: ReauthBody, response: { 200: Removed } }, config: ipLimit(rp) }, async (request, reply) => {
    const user = app.auth.user(request);
    const key = store.credentials.findById(request.params.id);
    if (!key || key.userId !== user.id) throw notFound('No such security key');
    const status = twoFactor.status(user.id);
    const last = status.keys.length === 1 && !status.otp;
    if (last) refuseIfEnforced(rp, user);
    // Removing the last factor turns 2FA off, so it needs what disabling needs.
    await rp.reauth.forDisabling(user, request.body, request, reply, last);
    store.credentials.remove(user.id, key.id);
    rp.auditor.record(user.id, 'factor.removed', { type: key.kind, name: key.name }, request);
    twoFactor.notify(user, `${KIND_NAMES[key.kind]} "${key.name}" was removed`);
    return { ok: true as const, twoFactorEnabled: !twoFactor.afterFactorRemoved(user, request) };
  });
};
