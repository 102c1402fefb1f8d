// Two small passkey-only sites the QA harness was not written for (issue 17), served by one
// Fastify app with a real WebAuthn verifier (@simplewebauthn/server):
//   /plain.html  no password anywhere and no test ids: the CLI reaches it through structural
//                selectors and reads a role="status" line;
//   /toast.html  the same flows, but results appear only in a toast that vanishes after a few
//                seconds: the CLI reads success from the site's JSON answers (network markers).
// Each verifies as a careful site should: origin, RP ID, challenge (single use, 60 s), UP and UV,
// signature, the offered algorithms, and a signature counter that must grow.
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type WebAuthnCredential,
} from '@simplewebauthn/server';
import Fastify from 'fastify';
import { SIMPLEWEBAUTHN_BROWSER } from '../../support/pages-server.ts';

const HERE = fileURLToPath(new URL('./', import.meta.url));
const ALGORITHMS = [-8, -7, -257];
const CHALLENGE_TTL_MS = 60_000;
const COOKIE = 'qa_site_sid';

const Username = Type.Object({ username: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' }) });
const Answer = Type.Object({ username: Type.Optional(Type.String({ maxLength: 64 })), response: Type.Record(Type.String(), Type.Unknown()) });

export interface QaSites {
  origin: string;
  close(): Promise<void>;
}

export async function startQaSites(): Promise<QaSites> {
  // A generous plugin timeout: the tests start this on loaded CI machines.
  const app = Fastify({ logger: false, forceCloseConnections: true, pluginTimeout: 120_000 });
  let origin = '';
  const users = new Map<string, { id: Uint8Array; credentials: WebAuthnCredential[] }>();
  const challenges = new Map<string, { challenge: string; username: string | null; expires: number }>();
  const sessions = new Map<string, string>();

  await app.register(fastifyCookie);
  await app.register(fastifyStatic, { root: HERE, index: false, allowedPath: (path) => /\.(html|js)$/.test(path) });
  app.get('/lib/simplewebauthn-browser.js', (_request, reply) => reply.sendFile('index.umd.min.js', dirname(SIMPLEWEBAUTHN_BROWSER)));

  const rpId = () => new URL(origin).hostname;
  /** A challenge is good once, for CHALLENGE_TTL_MS. */
  const take = (id: string | undefined) => {
    const found = id === undefined ? undefined : challenges.get(id);
    if (id !== undefined) challenges.delete(id);
    return found && found.expires > Date.now() ? found : null;
  };
  const issue = (challenge: string, username: string | null) => {
    const id = randomBytes(16).toString('base64url');
    challenges.set(id, { challenge, username, expires: Date.now() + CHALLENGE_TTL_MS });
    return id;
  };
  const signIn = (reply: { setCookie: (name: string, value: string, options: object) => unknown }, username: string) => {
    const sid = randomBytes(16).toString('base64url');
    sessions.set(sid, username);
    reply.setCookie(COOKIE, sid, { path: '/', httpOnly: true, sameSite: 'strict' });
    return { verified: true, username };
  };

  app.get('/api/me', async (request) => ({ username: sessions.get(request.cookies[COOKIE] ?? '') ?? null }));
  app.post('/api/logout', async (request, reply) => {
    sessions.delete(request.cookies[COOKIE] ?? '');
    reply.clearCookie(COOKIE, { path: '/' });
    return { signedOut: true };
  });

  app.post('/api/register/options', async (request, reply) => {
    if (!Value.Check(Username, request.body)) return reply.code(400).send({ error: 'Choose a username of letters and digits.' });
    const { username } = request.body;
    if (users.has(username)) return reply.code(409).send({ error: 'That username is taken.' });
    const options = await generateRegistrationOptions({
      rpName: 'QA demo site',
      rpID: rpId(),
      userName: username,
      userID: randomBytes(16) as Uint8Array<ArrayBuffer>,
      attestationType: 'none',
      supportedAlgorithmIDs: ALGORITHMS,
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    });
    reply.setCookie('qa_site_reg', issue(options.challenge, username), { path: '/api/', httpOnly: true, sameSite: 'strict' });
    return options;
  });

  app.post('/api/register/verify', async (request, reply) => {
    const pending = take(request.cookies.qa_site_reg);
    if (!Value.Check(Answer, request.body) || !pending?.username) return reply.code(400).send({ verified: false, error: 'No registration in progress.' });
    try {
      const result = await verifyRegistrationResponse({
        response: request.body.response as never,
        expectedChallenge: pending.challenge,
        expectedOrigin: origin,
        expectedRPID: rpId(),
        requireUserVerification: true,
        supportedAlgorithmIDs: ALGORITHMS,
      });
      if (!result.verified) return reply.code(400).send({ verified: false, error: 'The passkey could not be verified.' });
      users.set(pending.username, { id: new Uint8Array(), credentials: [result.registrationInfo.credential] });
      return signIn(reply, pending.username);
    } catch (error) {
      return reply.code(400).send({ verified: false, error: (error as Error).message });
    }
  });

  app.post('/api/login/options', async (_request, reply) => {
    const options = await generateAuthenticationOptions({ rpID: rpId(), userVerification: 'required' });
    reply.setCookie('qa_site_login', issue(options.challenge, null), { path: '/api/', httpOnly: true, sameSite: 'strict' });
    return options;
  });

  app.post('/api/login/verify', async (request, reply) => {
    const pending = take(request.cookies.qa_site_login);
    if (!Value.Check(Answer, request.body) || !pending) return reply.code(400).send({ verified: false, error: 'No sign-in in progress.' });
    const id = request.body.response.id;
    const found = [...users].flatMap(([username, u]) => u.credentials.map((credential) => ({ username, credential }))).find((x) => x.credential.id === id);
    if (!found) return reply.code(400).send({ verified: false, error: 'Unknown passkey.' });
    try {
      const result = await verifyAuthenticationResponse({
        response: request.body.response as never,
        expectedChallenge: pending.challenge,
        expectedOrigin: origin,
        expectedRPID: rpId(),
        credential: found.credential,
        requireUserVerification: true,
      });
      if (!result.verified) return reply.code(400).send({ verified: false, error: 'The passkey could not be verified.' });
      found.credential.counter = result.authenticationInfo.newCounter;
      return signIn(reply, found.username);
    } catch (error) {
      return reply.code(400).send({ verified: false, error: (error as Error).message });
    }
  });

  await app.listen({ port: 0, host: 'localhost' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('The QA sites server has no port');
  origin = `http://localhost:${address.port}`;
  return { origin, close: () => app.close() };
}
