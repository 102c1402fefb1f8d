// A page on another port of localhost: the same RP ID ("localhost") as a site on localhost, on a
// different origin. The origin check signs in from it, as a phishing page sharing the RP ID would.
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';

const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pairkey QA: another origin</title></head>
<body><h1>Another origin with the same RP ID</h1><p>Pairkey QA signs in from this page to test that the site checks the origin.</p></body></html>`;

async function listen(): Promise<{ url: string; server: Server }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    response.end(PAGE);
  });
  server.listen(0, 'localhost');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('The sibling-origin server has no port');
  return { url: `http://localhost:${address.port}/`, server };
}

/** Started on first use (only the origin check needs it), closed with the run. */
export interface SiblingOrigin {
  url(): Promise<string>;
  close(): Promise<void>;
}

/** The profile's sibling origin, else a page served on another port of localhost. */
export function siblingOrigin(configured: string | undefined): SiblingOrigin {
  let started: Promise<{ url: string; server: Server }> | null = null;
  return {
    url: async () => configured ?? (await (started ??= listen())).url,
    close: async () => {
      if (!started) return;
      const { server } = await started;
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
