// The signed-in user's own data, and signing out.
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '../../plugins/typebox.ts';
import { CredentialList, ErrorBody, Me, Ok } from '../schemas.ts';

const iso = (ms: number): string => new Date(ms).toISOString();

export const accountRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/api/me', { schema: { response: { 200: Me, 401: ErrorBody } } }, async (request, reply) => {
    const user = app.sessions.currentUser(request);
    if (!user) return reply.code(401).send({ error: 'Not signed in' });
    return { username: user.username };
  });

  app.get(
    '/api/credentials',
    { schema: { response: { 200: CredentialList, 401: ErrorBody } } },
    async (request, reply) => {
      const user = app.sessions.currentUser(request);
      if (!user) return reply.code(401).send({ error: 'Not signed in' });
      const credentials = app.store.credentials.listForUser(user.id).map((credential) => ({
        id: credential.id,
        name: credential.name,
        transports: credential.transports,
        signCount: credential.signCount,
        backupEligible: credential.backupEligible,
        backupState: credential.backupState,
        createdAt: iso(credential.createdAt),
        lastUsedAt: credential.lastUsedAt === null ? null : iso(credential.lastUsedAt),
      }));
      return { credentials };
    },
  );

  // Signing out is idempotent: without a session it still clears the cookie and succeeds.
  app.post('/api/signout', { schema: { response: { 200: Ok } } }, async (request, reply) => {
    app.sessions.end(request, reply);
    return { ok: true as const };
  });
};
