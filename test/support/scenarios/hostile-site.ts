// A local site whose pages a hostile-page scenario writes itself (an inline script that must be the
// very first thing on the page, a page that tampers with the platform before Pairkey's script is
// used). It also serves the shared page helpers (test/pages/harness.js) so `pk.run` works there.
import Fastify from 'fastify';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const HARNESS = fileURLToPath(new URL('../../pages/harness.js', import.meta.url));

export interface HostileSite {
  origin: string;
  /** Serve `html` at `path` from now on; returns its URL. */
  page: (path: string, html: string) => string;
  close: () => Promise<void>;
}

export async function startHostileSite(): Promise<HostileSite> {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const pages = new Map<string, string>();
  app.get('/harness.js', (_request, reply) => reply.type('text/javascript').send(readFileSync(HARNESS, 'utf8')));
  app.get('/*', (request, reply) => {
    const html = pages.get(request.url.split('?')[0]!);
    return html === undefined ? reply.code(404).send('not found') : reply.type('text/html').send(html);
  });
  await app.listen({ port: 0, host: 'localhost' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('The hostile site has no port');
  const origin = `http://localhost:${address.port}`;
  return {
    origin,
    page: (path, html) => {
      pages.set(path, html);
      return `${origin}${path}`;
    },
    close: () => app.close(),
  };
}
