// The relying party: accounts with passwords, security keys, passkeys, authenticator apps,
// backup codes, recovery, teams and an audit log, with every protection switchable for QA.
// Encapsulated: its cookies, CSRF, rate limits, error format and decorators do not leak into
// the relay.
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import rateLimit from '@fastify/rate-limit';
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import { toB64url } from '../../shared/bytes.ts';
import { deriveKey } from './crypto/server-key.ts';
import { authPlugin } from './plugins/auth.ts';
import { sessionPlugin } from './plugins/session.ts';
import { accountRoutes } from './routes/accounts.ts';
import { devOutboxRoutes } from './routes/dev-outbox.ts';
import { keyRoutes } from './routes/keys.ts';
import { orgRoutes } from './routes/orgs.ts';
import { otpRoutes } from './routes/otp.ts';
import { pageRoutes } from './routes/pages.ts';
import { passwordRoutes } from './routes/password.ts';
import { signinRoutes } from './routes/signin.ts';
import { twoFactorRoutes } from './routes/two-factor.ts';
import { createServices } from './services/index.ts';
import { HttpError } from './services/http-error.ts';
import type { RpSettings } from './settings.ts';

export interface RpPluginOptions extends Record<string, unknown> {
  settings: RpSettings;
}

export const CSRF_COOKIE = 'pk_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Needs `app.store` (plugins/store.ts), registered by the caller so tests and tools can reach it. */
export const rpPlugin: FastifyPluginAsync<RpPluginOptions> = async (app, { settings }) => {
  // The API speaks JSON only. Dropping the text/plain parser means a cross-site <form> (which
  // can send text/plain without a CORS preflight) gets 415 instead of reaching a handler.
  app.removeContentTypeParser('text/plain');

  // API answers are per user (and options carry fresh challenges): never cache them.
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.url.startsWith('/api/') || request.url.startsWith('/dev/')) reply.header('Cache-Control', 'no-store');
    return payload;
  });

  // Every API error is `{ error, code?, …details }`, validation failures included.
  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    if (error instanceof HttpError) {
      return reply
        .code(error.statusCode)
        .headers(error.headers)
        .send({ error: error.message, ...(error.code ? { code: error.code } : {}), ...error.details });
    }
    if ('validation' in error && error.validation) return reply.code(400).send({ error: `Invalid request: ${error.message}` });
    if (error.code?.startsWith('FST_CSRF_')) {
      return reply.code(403).send({ error: 'Missing or invalid CSRF token: reload the page and try again', code: 'csrf' });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(status).send({ error: error.message });
    // A full disk is an operating condition, not a bug: say so (SQLite reports it as SQLITE_FULL,
    // or an I/O error while growing the WAL/shm files).
    if (typeof error.code === 'string' && (error.code === 'SQLITE_FULL' || error.code.startsWith('SQLITE_IOERR'))) {
      request.log.error({ err: error }, 'RP storage is full or failing');
      return reply.code(507).send({ error: 'The server is out of storage space; try again later', code: 'storage' });
    }
    request.log.error({ err: error }, 'unhandled RP error');
    return reply.code(500).send({ error: 'Internal server error' });
  });

  await app.register(cookie, { secret: toB64url(deriveKey(settings.serverKey, 'cookies')) });
  // Synchronizer token (HMAC of a per-browser secret kept in a signed cookie), sent by the
  // pages in a header; SameSite cookies and the JSON-only parser are further layers.
  await app.register(csrf, {
    cookieKey: CSRF_COOKIE,
    cookieOpts: { path: '/', sameSite: 'strict', httpOnly: true, secure: settings.secureCookies, signed: true },
    getToken: (request) => {
      const value = request.headers[CSRF_HEADER];
      return typeof value === 'string' ? value : undefined;
    },
  });
  app.addHook('onRequest', (request, reply, done) => {
    if (SAFE_METHODS.has(request.method)) return done();
    app.csrfProtection(request, reply, done);
  });

  if (settings.protections.rateLimiting) {
    // Only routes that opt in (`config.rateLimit`, see routes/common.ts) are limited.
    await app.register(rateLimit, {
      global: false,
      errorResponseBuilder: (_request, context) =>
        new HttpError(429, `Too many requests from your address: try again in ${context.after}`, {
          code: 'rate-limited',
          headers: { 'retry-after': String(Math.ceil(context.ttl / 1000)) },
        }),
    });
  }

  await app.register(sessionPlugin, { settings });
  app.decorate('rp', createServices(app, settings));
  app.addHook('onClose', async () => {
    await app.rp.webauthn.close();
    await app.rp.mailer.close();
  });
  await app.register(authPlugin);

  await app.register(accountRoutes);
  await app.register(signinRoutes);
  await app.register(keyRoutes);
  await app.register(otpRoutes);
  await app.register(twoFactorRoutes);
  await app.register(orgRoutes);
  await app.register(passwordRoutes);
  if (settings.mail.devOutbox) await app.register(devOutboxRoutes);
  await app.register(pageRoutes, { devOutbox: settings.mail.devOutbox });
};
