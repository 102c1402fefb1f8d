// The relying party: a minimal passkey sign-up/sign-in site used to exercise Pairkey end to
// end. Encapsulated: its cookies, error format and decorators do not leak into the relay.
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import { sessionPlugin } from './plugins/session.ts';
import { accountRoutes } from './routes/account.ts';
import { pageRoutes } from './routes/pages.ts';
import { signinRoutes } from './routes/signin.ts';
import { signupRoutes } from './routes/signup.ts';
import type { RpSettings } from './settings.ts';

export interface RpPluginOptions extends Record<string, unknown> {
  settings: RpSettings;
}

/** Needs `app.store` (plugins/store.ts), registered by the caller so tests and tools can reach it. */
export const rpPlugin: FastifyPluginAsync<RpPluginOptions> = async (app, { settings }) => {
  // The API speaks JSON only. Dropping the text/plain parser means a cross-site <form> (which
  // can send text/plain without a CORS preflight) gets 415 instead of reaching a handler.
  app.removeContentTypeParser('text/plain');

  // API answers are per user (and options carry fresh challenges): never cache them.
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.url.startsWith('/api/')) reply.header('Cache-Control', 'no-store');
    return payload;
  });

  // Every API error is `{ error: string }`, validation failures included.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) return reply.code(400).send({ error: `Invalid request: ${error.message}` });
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(status).send({ error: error.message });
    request.log.error({ err: error }, 'unhandled RP error');
    return reply.code(500).send({ error: 'Internal server error' });
  });

  await app.register(sessionPlugin, { settings });
  await app.register(signupRoutes, { settings });
  await app.register(signinRoutes, { settings });
  await app.register(accountRoutes);
  await app.register(pageRoutes);
};
