// The phone app's origin, on its own port. It must never share an origin with the RP: the
// real phone app will keep private keys in this origin's storage.
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { fileURLToPath } from 'node:url';
import { placeholderPage } from './page.ts';

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

export interface PhonePlaceholderOptions extends Record<string, unknown> {
  phoneUrl: string;
}

export const phonePlaceholderPlugin: FastifyPluginAsync<PhonePlaceholderOptions> = async (app, { phoneUrl }) => {
  const html = placeholderPage(phoneUrl);
  app.get('/', async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(html),
  );
  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/', index: false, wildcard: false });
};
