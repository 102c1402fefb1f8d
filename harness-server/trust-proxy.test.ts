// TRUST_PROXY: per-IP limits (the RP's @fastify/rate-limit and throttle via request.ip, the
// relay's connection cap via clientAddress) count the address a trusted proxy forwarded; the
// X-Forwarded-For of anyone else is ignored, so a client cannot pick the address it is counted as.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { pairingSeat } from '../shared/protocol/relay-seat.ts';
import { codeOf, startRp, type TestRp } from './testing/rp-flows.ts';
import { startServers, testConfig, TestPeer, type Started, type TestBrowser } from './testing/servers.ts';

let rp: TestRp | undefined;
let servers: Started | undefined;
const peers: TestPeer[] = [];
afterEach(async () => {
  for (const p of peers.splice(0)) p.socket.terminate();
  await rp?.close();
  await servers?.close();
  rp = undefined;
  servers = undefined;
});

/** A password sign-in sent through `browser` (whose TCP address is fixed) with this X-Forwarded-For. */
async function signInVia(browser: TestBrowser, forwardedFor: string): Promise<{ status: number; code: string | undefined }> {
  browser.csrfToken ??= (await browser.get<{ token: string }>('/api/csrf')).body.token;
  const result = await browser.request('POST', '/api/signin/password', { username: 'nobody', password: 'wrong password' }, { 'x-forwarded-for': forwardedFor });
  return { status: result.status, code: codeOf(result) };
}

describe('TRUST_PROXY and the RP per-IP rate limit', () => {
  it('counts the forwarded address when the request comes from a trusted proxy', async () => {
    rp = await startRp({ TRUST_PROXY: '10.0.0.1', RATE_LIMIT_PER_MINUTE: '2' });
    const proxy = rp.browser('10.0.0.1');
    expect((await signInVia(proxy, '198.51.100.7')).status).toBe(401);
    expect((await signInVia(proxy, '198.51.100.7')).status).toBe(401);
    expect(await signInVia(proxy, '198.51.100.7')).toEqual({ status: 429, code: 'rate-limited' });
    // Another client behind the same proxy has its own count.
    expect((await signInVia(proxy, '198.51.100.8')).status).toBe(401);
    // What the client itself wrote in X-Forwarded-For (left of the proxy's entry) is not believed:
    // the proxy appends the address it saw, and that one is counted.
    expect(await signInVia(proxy, '203.0.113.1, 198.51.100.7')).toEqual({ status: 429, code: 'rate-limited' });
  });

  it('ignores X-Forwarded-For from an address that is not a trusted proxy', async () => {
    rp = await startRp({ TRUST_PROXY: '10.0.0.1', RATE_LIMIT_PER_MINUTE: '2' });
    const attacker = rp.browser('10.0.0.2');
    expect((await signInVia(attacker, '198.51.100.1')).status).toBe(401);
    expect((await signInVia(attacker, '198.51.100.2')).status).toBe(401);
    expect(await signInVia(attacker, '198.51.100.3')).toEqual({ status: 429, code: 'rate-limited' });
  });

  it('ignores X-Forwarded-For entirely without TRUST_PROXY', async () => {
    rp = await startRp({ RATE_LIMIT_PER_MINUTE: '1' });
    const client = rp.browser('10.0.0.1');
    expect((await signInVia(client, '198.51.100.1')).status).toBe(401);
    expect((await signInVia(client, '198.51.100.2')).status).toBe(429);
  });

  it('audits the forwarded address', async () => {
    rp = await startRp({ TRUST_PROXY: '10.0.0.0/8' });
    const browser = rp.browser('10.1.2.3');
    browser.csrfToken = (await browser.get<{ token: string }>('/api/csrf')).body.token;
    const signup = await browser.request('POST', '/api/signup', { username: 'alice', email: 'alice@example.com', password: 'correct horse battery staple 42' }, { 'x-forwarded-for': '198.51.100.9' });
    expect(signup.status).toBe(200);
    const entries = rp.store.audit.list(rp.store.users.findByUsername('alice')!.id);
    expect(entries.map((entry) => [entry.event, entry.ip])).toEqual([
      ['signin.succeeded', '198.51.100.9'],
      ['account.created', '198.51.100.9'],
    ]);
  });
});

describe('TRUST_PROXY and the relay connection cap', () => {
  /** A relay socket from this test (TCP peer 127.0.0.1) claiming `forwardedFor`; resolves with its first control message or its close. */
  function connect(forwardedFor: string): Promise<unknown> {
    if (!servers) throw new Error('start the servers first');
    const seat = pairingSeat(randomBytes(32), 'phone');
    const p = new TestPeer(`${servers.mainUrl.replace(/^http/, 'ws')}/relay/${seat.channel}`, { headers: { 'x-forwarded-for': forwardedFor } });
    peers.push(p);
    p.opened.then(() => p.socket.send(JSON.stringify(seat.join)), () => undefined);
    return Promise.race([p.nextControl(), p.closed]);
  }

  it('counts connections per forwarded address behind a trusted proxy', async () => {
    servers = await startServers(testConfig({ TRUST_PROXY: 'loopback', RELAY_MAX_CONNECTIONS_PER_IP: '1' }));
    expect(await connect('198.51.100.7')).toEqual({ type: 'peers', count: 1 });
    expect(await connect('198.51.100.8')).toEqual({ type: 'peers', count: 1 });
    expect(await connect('198.51.100.7')).toEqual({ code: 1008, reason: 'too many connections' });
    // IPv6 clients are counted by /64 after the proxy as before it.
    expect(await connect('2001:db8:1:2::1')).toEqual({ type: 'peers', count: 1 });
    expect(await connect('2001:db8:1:2::ffff')).toEqual({ code: 1008, reason: 'too many connections' });
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    servers = await startServers(testConfig({ TRUST_PROXY: '10.0.0.1', RELAY_MAX_CONNECTIONS_PER_IP: '1' }));
    expect(await connect('198.51.100.7')).toEqual({ type: 'peers', count: 1 });
    expect(await connect('198.51.100.8')).toEqual({ code: 1008, reason: 'too many connections' });
  });
});
