// The local sites the extension end-to-end tests run against: static pages from test/pages, served
// by a small Fastify server, plus a minimal relying party (@simplewebauthn/server) so a credential
// the extension returns is verified the way a real site would. Start one per origin you need
// (each on its own port: http://localhost:<port> is a secure context, and two ports are two origins).
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type WebAuthnCredential,
} from '@simplewebauthn/server';

const PAGES = fileURLToPath(new URL('../pages/', import.meta.url));
// @simplewebauthn/browser has no ./package.json export: find its main entry, then its UMD bundle.
export const SIMPLEWEBAUTHN_BROWSER = join(dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')), '..', 'dist', 'bundle', 'index.umd.min.js');

/** Pages whose response carries a header that matters to the test. */
const PAGE_HEADERS: Record<string, Record<string, string>> = {
  // No inline script may run: only same-origin script files.
  '/csp.html': { 'content-security-policy': "default-src 'self'; script-src 'self'; object-src 'none'" },
};

export interface PagesServer {
  origin: string;
  port: number;
  url: (path: string) => string;
  /** Credentials the RP has verified and stored, per username. */
  credentials: (username: string) => WebAuthnCredential[];
  close: () => Promise<void>;
}

const Username = Type.Object({ username: Type.String({ minLength: 1, maxLength: 64 }) });
const Verify = Type.Object({ username: Type.Optional(Type.String({ maxLength: 64 })), response: Type.Record(Type.String(), Type.Unknown()) });

export async function startPagesServer(port = 0): Promise<PagesServer> {
  // Browsers keep connections open; closing must not wait for them.
  const app: FastifyInstance = Fastify({ logger: false, forceCloseConnections: true });
  let origin = '';
  const users = new Map<string, { id: Uint8Array; credentials: WebAuthnCredential[] }>();
  const challenges = new Map<string, string>();

  app.addHook('onSend', async (request, reply) => {
    for (const [name, value] of Object.entries(PAGE_HEADERS[request.url.split('?')[0]!] ?? {})) reply.header(name, value);
  });
  await app.register(fastifyStatic, { root: PAGES, index: ['index.html'] });
  app.get('/lib/simplewebauthn-browser.js', (_request, reply) => reply.sendFile('index.umd.min.js', dirname(SIMPLEWEBAUTHN_BROWSER)));

  const rpId = () => new URL(origin).hostname;
  const user = (username: string) => {
    let u = users.get(username);
    if (!u) users.set(username, (u = { id: crypto.getRandomValues(new Uint8Array(16)), credentials: [] }));
    return u;
  };

  app.post('/rp/register/options', async (request, reply) => {
    if (!Value.Check(Username, request.body)) return reply.code(400).send({ error: 'username' });
    const u = user(request.body.username);
    const options = await generateRegistrationOptions({
      rpName: 'Pairkey test site',
      rpID: rpId(),
      userName: request.body.username,
      userID: u.id as Uint8Array<ArrayBuffer>,
      attestationType: 'none',
      excludeCredentials: u.credentials.map((c) => ({ id: c.id, transports: c.transports ?? [] })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
      extensions: { credProps: true } as Record<string, unknown>,
    });
    challenges.set(`register ${request.body.username}`, options.challenge);
    return options;
  });

  app.post('/rp/register/verify', async (request, reply) => {
    if (!Value.Check(Verify, request.body) || !request.body.username) return reply.code(400).send({ error: 'body' });
    const expectedChallenge = challenges.get(`register ${request.body.username}`);
    if (!expectedChallenge) return reply.code(400).send({ error: 'no challenge' });
    try {
      const result = await verifyRegistrationResponse({
        response: request.body.response as never,
        expectedChallenge,
        expectedOrigin: origin,
        expectedRPID: rpId(),
        requireUserVerification: false,
      });
      if (!result.verified) return reply.code(400).send({ verified: false });
      user(request.body.username).credentials.push(result.registrationInfo.credential);
      return { verified: true };
    } catch (error) {
      return reply.code(400).send({ verified: false, error: (error as Error).message });
    }
  });

  app.post('/rp/login/options', async () => {
    const options = await generateAuthenticationOptions({ rpID: rpId(), userVerification: 'preferred' });
    challenges.set('login', options.challenge);
    return options;
  });

  app.post('/rp/login/verify', async (request, reply) => {
    if (!Value.Check(Verify, request.body)) return reply.code(400).send({ error: 'body' });
    const response = request.body.response as { id?: unknown };
    const found = [...users].flatMap(([name, u]) => u.credentials.map((c) => ({ name, c }))).find((x) => x.c.id === response.id);
    const expectedChallenge = challenges.get('login');
    if (!found || !expectedChallenge) return reply.code(400).send({ verified: false, error: 'unknown credential' });
    try {
      const result = await verifyAuthenticationResponse({
        response: request.body.response as never,
        expectedChallenge,
        expectedOrigin: origin,
        expectedRPID: rpId(),
        credential: found.c,
        requireUserVerification: false,
      });
      if (!result.verified) return reply.code(400).send({ verified: false });
      found.c.counter = result.authenticationInfo.newCounter;
      return { verified: true, username: found.name };
    } catch (error) {
      return reply.code(400).send({ verified: false, error: (error as Error).message });
    }
  });

  await app.listen({ port, host: 'localhost' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('The pages server has no port');
  origin = `http://localhost:${address.port}`;
  return {
    origin,
    port: address.port,
    url: (path) => `${origin}${path.startsWith('/') ? path : `/${path}`}`,
    credentials: (username) => users.get(username)?.credentials ?? [],
    close: () => app.close(),
  };
}
