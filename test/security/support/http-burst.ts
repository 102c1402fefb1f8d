// Parallel guesses over real sockets. `fastify.inject` runs each request through the handler
// without a socket, so it cannot show what a server listening on a port does with many
// connections at once; this sends every request on its own TCP connection, all started before
// any answer is read, from a chosen loopback address (Linux routes all of 127.0.0.0/8 to lo), so
// the server sees each burst as coming from one client address (`request.ip`).
import { request } from 'node:http';
import type { TestBrowser } from '../../../harness-server/testing/servers.ts';

export interface BurstAnswer {
  status: number;
  body: { code?: string; error?: string; status?: string };
}

/** POSTs every body at once to `baseUrl + path`, with the cookies and CSRF token `browser` holds. */
export async function burst(baseUrl: string, path: string, bodies: readonly unknown[], browser: TestBrowser, fromAddress: string): Promise<BurstAnswer[]> {
  if (browser.csrfToken === undefined) browser.csrfToken = (await browser.get<{ token: string }>('/api/csrf')).body.token;
  const cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  const url = new URL(path, baseUrl);
  return Promise.all(
    bodies.map(
      (body) =>
        new Promise<BurstAnswer>((resolve, reject) => {
          const payload = JSON.stringify(body);
          const sent = request(
            {
              host: url.hostname,
              port: url.port,
              path: url.pathname,
              method: 'POST',
              localAddress: fromAddress,
              agent: false, // a connection of its own: nothing queues behind another request
              headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), cookie, 'x-csrf-token': browser.csrfToken! },
            },
            (response) => {
              const chunks: Buffer[] = [];
              response.on('data', (chunk: Buffer) => chunks.push(chunk));
              response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
              response.on('error', reject);
            },
          );
          sent.on('error', reject);
          sent.end(payload);
        }),
    ),
  );
}

/** Answers that got past the throttle (anything but 429): each one was a checked guess. */
export const checked = (answers: readonly BurstAnswer[]): number => answers.filter((a) => a.status !== 429).length;
