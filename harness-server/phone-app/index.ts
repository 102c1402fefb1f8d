// The phone app's origin: serves the built phone web app (`phone/app/build.ts` writes it to
// `${PAIRKEY_DIST_DIR ?? 'dist'}/phone`) and nothing else. It must never share an origin with the
// RP: the app keeps private keys in this origin's storage.
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { phoneAppDistDir } from '../../phone/app/dist-dir.ts';
import { notBuiltPage } from './not-built.ts';

export interface PhoneAppOptions extends Record<string, unknown> {
  /** The built app (default: the build's output folder). */
  appDir?: string;
}

/**
 * Replaces the general policy for this origin. `connect-src ws: wss:`: the relay comes from the QR
 * code, so any relay must be reachable (frames are end-to-end encrypted; the relay is untrusted).
 */
export const PHONE_APP_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self' ws: wss:; worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/** The camera is the only powerful feature the app uses (to scan QR codes). */
const PERMISSIONS_POLICY = 'camera=(self), microphone=(), geolocation=(), payment=(), usb=()';

// Hashed build assets never change; everything else must be revalidated so a new build (and a
// new service worker) is picked up.
function cacheControl(reply: FastifyReply, path: string): void {
  reply.header('Cache-Control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
}

export const phoneAppPlugin: FastifyPluginAsync<PhoneAppOptions> = async (app, options) => {
  const appDir = options.appDir ?? phoneAppDistDir();
  // Runs after the server-wide security headers (registered on the root), so this policy wins.
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('Content-Security-Policy', PHONE_APP_CSP);
    reply.header('Permissions-Policy', PERMISSIONS_POLICY);
    return payload;
  });

  if (!existsSync(join(appDir, 'index.html'))) {
    app.log.warn({ appDir }, 'the phone app is not built; its origin serves an explanation instead');
    const explain = (_request: unknown, reply: FastifyReply) => reply.code(503).type('text/html; charset=utf-8').send(notBuiltPage(appDir));
    app.get('/', explain);
    app.get('/*', explain);
    return;
  }
  await app.register(fastifyStatic, { root: appDir, prefix: '/', index: ['index.html'], setHeaders: cacheControl });
};
