// The RP's pages, their browser modules and stylesheet, and the @simplewebauthn/browser ESM
// build they import (served from node_modules, so there is no bundling step).
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));

/** URL prefix of the vendored library; pages import `${VENDOR_PREFIX}index.js`. */
export const VENDOR_PREFIX = '/vendor/simplewebauthn-browser/';

/** Clean URLs of the pages: `/signin` serves `signin.html`. */
export const PAGES = ['signup', 'signin', 'security', 'teams', 'verify-email', 'recover', 'reset-password'] as const;

/**
 * Directory of @simplewebauthn/browser's ESM build. Its package.json has no `./package.json`
 * export, so we resolve the main entry: the require condition (always available, unlike
 * import.meta.resolve under test runners) points at script/index.js, beside esm/.
 */
export function simpleWebAuthnBrowserEsmDir(): string {
  const cjsEntry = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
  const esmDir = join(dirname(dirname(cjsEntry)), 'esm');
  if (!existsSync(join(esmDir, 'index.js'))) {
    throw new Error(`@simplewebauthn/browser has no ESM build at ${esmDir}`);
  }
  return esmDir;
}

export interface PageRoutesOptions extends Record<string, unknown> {
  /** Serve the outbox page at /dev/outbox. */
  devOutbox: boolean;
}

export const pageRoutes: FastifyPluginAsync<PageRoutesOptions> = async (app, { devOutbox }) => {
  await app.register(fastifyStatic, {
    root: PUBLIC_DIR,
    prefix: '/',
    index: 'index.html',
    // The outbox page exists only at /dev/outbox, and only when the outbox is served.
    allowedPath: (pathname) => pathname !== '/outbox.html',
  });
  for (const page of PAGES) app.get(`/${page}`, async (_request, reply) => reply.sendFile(`${page}.html`));
  // Browsers ask for /favicon.ico where a page names no icon (the outbox JSON, a 404).
  app.get('/favicon.ico', async (_request, reply) => reply.sendFile('favicon.svg'));
  if (devOutbox) app.get('/dev/outbox', async (_request, reply) => reply.sendFile('outbox.html'));
  // Multi-file ESM (index.js imports ./methods/…), so the whole directory is served.
  await app.register(fastifyStatic, {
    root: simpleWebAuthnBrowserEsmDir(),
    prefix: VENDOR_PREFIX,
    decorateReply: false,
    index: false,
  });
};
