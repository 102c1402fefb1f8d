// Relying-party load generator, in its own process. Passkey sign-in is measured in two phases,
// because every assertion must sign a fresh single-use challenge and signing is the browser's
// work, not the server's:
//   1. challenge issuance: POST /api/passkey/options, N times (each stores a challenge row);
//   2. (untimed) sign every challenge with the account's passkey;
//   3. verification: POST /api/passkey/verify, N times (consume the challenge, verify, update
//      the credential, create the session and the audit entry: the SQLite write path).
// Each of C clients is one keep-alive connection from its own 127.0.0.x address and runs its
// requests back to back (closed loop).
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { getAssertion } from '../../harness-server/testing/webauthn-client.ts';
import { serveParent } from '../lib/serve-parent.ts';
import { now } from '../lib/clock.ts';
import { summarize, type Summary } from '../lib/stats.ts';
import { createBenchUser, nextTotpCode, type BenchUser } from './accounts.ts';
import { RpClient, type Response } from './client.ts';

export interface PhaseResult {
  requests: number;
  seconds: number;
  perSecond: number;
  latencyMs: Summary;
  statuses: Record<string, number>;
}

interface Issued {
  client: number;
  ceremony: string;
  options: PublicKeyCredentialRequestOptionsJSON;
  response?: unknown;
}

let origin = '';
let users: BenchUser[] = [];
let clients: RpClient[] = [];
let issued: Issued[] = [];

/** Client k connects from 127.0.0.(10 + k): the RP's rate limit is per address. */
const address = (k: number) => `127.0.0.${10 + (k % 240)}`;

async function setup({ origin: o, users: count, clients: c }: { origin: string; users: number; clients: number }): Promise<{ seconds: number }> {
  origin = o;
  const started = now();
  // A few accounts at a time: each costs three scrypt operations on the server.
  const made: BenchUser[] = [];
  for (let i = 0; i < count; i += 4) {
    made.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(4, count - i) }, async (_, j) => {
          const client = new RpClient(origin, address(200 + ((i + j) % 40)));
          await client.start();
          try {
            return await createBenchUser(client, i + j);
          } finally {
            client.close();
          }
        }),
      )),
    );
  }
  users = made;
  clients = Array.from({ length: c }, (_, k) => new RpClient(origin, address(k)));
  await Promise.all(clients.map((client) => client.start()));
  return { seconds: (now() - started) / 1000 };
}

/** Run `work[i]` for every item, C clients at a time each on its own items, timing each request. */
async function phase<T>(items: T[], clientOf: (item: T, i: number) => number, request: (item: T) => Promise<Response>): Promise<PhaseResult> {
  const queues: T[][] = clients.map(() => []);
  items.forEach((item, i) => queues[clientOf(item, i)]!.push(item));
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const started = now();
  await Promise.all(
    queues.map(async (queue) => {
      for (const item of queue) {
        const t = now();
        const response = await request(item);
        latencies.push(now() - t);
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      }
    }),
  );
  const seconds = (now() - started) / 1000;
  return { requests: items.length, seconds, perSecond: items.length / seconds, latencyMs: summarize(latencies), statuses };
}

/** The framework floor: the RP's cheapest route (GET, no database) through the same clients. */
function trivial({ count }: { count: number }): Promise<PhaseResult> {
  return phase(
    Array.from({ length: count }, (_, i) => i),
    (_, i) => i % clients.length,
    (i) => clients[i % clients.length]!.send('GET', '/api/server-info'),
  );
}

async function issue({ count }: { count: number }): Promise<PhaseResult> {
  issued = [];
  const result = await phase(
    Array.from({ length: count }, (_, i) => i),
    (_, i) => i % clients.length,
    async (i) => {
      const client = i % clients.length;
      const response = await clients[client]!.send<PublicKeyCredentialRequestOptionsJSON>('POST', '/api/passkey/options', {});
      const ceremony = response.cookies.get('pk_ceremony');
      if (response.status === 200 && ceremony) issued.push({ client, ceremony, options: response.body });
      return response;
    },
  );
  return result;
}

/** Untimed: the browser's share of the work. */
async function sign(): Promise<{ signed: number; seconds: number }> {
  const started = now();
  for (const [i, item] of issued.entries()) item.response = await getAssertion(users[i % users.length]!.authenticator, item.options, origin);
  return { signed: issued.length, seconds: (now() - started) / 1000 };
}

function verify(): Promise<PhaseResult> {
  return phase(
    issued,
    (item) => item.client,
    (item) => clients[item.client]!.send('POST', '/api/passkey/verify', item.response, { pk_ceremony: item.ceremony }),
  );
}

/**
 * TOTP sign-in over HTTP, for every account once (a code is accepted once per time step per
 * account, so each account signs in once): the password step (scrypt) for all, then the code step.
 */
async function totp(): Promise<{ password: PhaseResult; code: PhaseResult }> {
  const pending = users.map((user, i) => ({ user, client: new RpClient(origin, address(100 + (i % clients.length))) }));
  await Promise.all(pending.map((p) => p.client.start()));
  const saved = clients;
  try {
    // One client per account here (each keeps its own pending sign-in); reuse `phase` over them.
    clients = pending.map((p) => p.client);
    const password = await phase(pending, (_, i) => i, async (p) => {
      const response = await p.client.send('POST', '/api/signin/password', { username: p.user.username, password: p.user.password });
      for (const [k, v] of response.cookies) p.client.jar.set(k, v);
      return response;
    });
    const codes = await Promise.all(pending.map((p) => nextTotpCode(p.user.totpSecret)));
    const code = await phase(pending, (_, i) => i, (p) => p.client.send('POST', '/api/signin/otp', { code: codes[pending.indexOf(p)] }));
    return { password, code };
  } finally {
    clients = saved;
    for (const p of pending) p.client.close();
  }
}

serveParent({
  setup: (p) => setup(p as { origin: string; users: number; clients: number }),
  trivial: (p) => trivial(p as { count: number }),
  issue: (p) => issue(p as { count: number }),
  sign,
  verify,
  totp,
});
