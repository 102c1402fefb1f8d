// "Connect Pairkey to this server": the server declares its relay and phone app at a well-known
// path on its own origin, and /connect offers a button the extension recognises (through its
// bridge). The page carries no URL itself: the extension reads the declaration from this origin
// and the person confirms in the extension's own window (docs/extension.md, "Connecting").
import type { FastifyPluginAsync } from 'fastify';
import { readFileSync } from 'node:fs';
import type { ConnectDeclaration } from '../../shared/connect-declaration.ts';
import { CONNECT_DECLARATION_PATH, CONNECT_PAGE_PATH } from '../../shared/connect-paths.ts';

const page = readFileSync(new URL('./connect.html', import.meta.url), 'utf8');
const script = readFileSync(new URL('./connect.js', import.meta.url), 'utf8');

export interface ConnectPluginOptions extends Record<string, unknown> {
  declaration: ConnectDeclaration;
}

/** The link a person opens to connect their extension (printed at start). */
export const connectPageUrl = (publicUrl: string): string => new URL(CONNECT_PAGE_PATH, publicUrl).href;

export const connectPlugin: FastifyPluginAsync<ConnectPluginOptions> = async (app, { declaration }) => {
  app.get(CONNECT_DECLARATION_PATH, async (_request, reply) =>
    // Never cached: a server that moves its relay must not be remembered at the old one.
    reply.header('Cache-Control', 'no-store').send(declaration satisfies ConnectDeclaration),
  );
  app.get(CONNECT_PAGE_PATH, async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
  app.get('/connect.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(script));
};
