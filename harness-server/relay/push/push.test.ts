// The relay's Web Push sender, end to end: a channel member asks over the relay socket, the relay
// posts to an RFC 8030 endpoint run by this test (https on 127.0.0.1, through the test-only
// allowance), which decrypts the body with an independent RFC 8291 implementation (http_ece)
// and verifies the VAPID token (RFC 8292) with jose. Then the refusals: private hosts, redirects,
// the per-channel limit and the push service's verdicts.
import ece from 'http_ece';
import { importJWK, jwtVerify } from 'jose';
import Fastify, { type FastifyInstance } from 'fastify';
import { spawnSync } from 'node:child_process';
import { createECDH, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pairingSeat } from '../../../shared/protocol/relay-seat.ts';
import { TestPeer } from '../../testing/servers.ts';
import { relayPlugin } from '../index.ts';
import { RelayPush, type RelayPushOptions } from './index.ts';
import { PushSender } from './sender.ts';
import { generatedVapidKeys, loadVapidKeys } from './vapid-keys.ts';
import { isPublicAddress } from './public-address.ts';
import { DEFAULT_PUSH_HOSTS, pushHostAllowed } from './push-hosts.ts';

interface Posted {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const dir = mkdtempSync(join(tmpdir(), 'pairkey-push-'));
let tls: { cert: string; key: string };
let endpointServer: Server;
let endpointBase = '';
const posted: Posted[] = [];
/** The status the endpoint answers, by path (201 by default). */
const answers = new Map<string, { status: number; headers?: Record<string, string> }>();
const vapid = generatedVapidKeys();
let relay: FastifyInstance;
let relayBase = '';
/**
 * A hostile push service on raw TLS: it reads nothing and, once the request starts, drips bytes
 * every 20 ms forever, so an idle timeout never fires. `/drip-headers`: a status line, then header
 * lines without end. Any other path: a 201 with a chunked body without end.
 */
let dripServer: TlsServer;
let dripBase = '';
/** Each drip connection, settled when the relay's side has closed it. */
const dripClosed: Promise<void>[] = [];

beforeAll(async () => {
  const result = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
  ]);
  if (result.status !== 0) throw new Error(`openssl failed: ${result.stderr.toString()}`);
  tls = { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  endpointServer = createServer(tls, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      posted.push({ path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks) });
      const answer = answers.get(request.url ?? '') ?? { status: 201 };
      response.writeHead(answer.status, answer.headers).end();
    });
  });
  await new Promise<void>((resolve) => endpointServer.listen(0, '127.0.0.1', resolve));
  endpointBase = `https://127.0.0.1:${(endpointServer.address() as AddressInfo).port}`;

  dripServer = createTlsServer(tls, (socket: TLSSocket) => {
    let timer: NodeJS.Timeout | undefined;
    dripClosed.push(new Promise<void>((resolve) => socket.on('close', () => { clearInterval(timer); resolve(); })));
    socket.on('error', () => {});
    socket.once('data', (chunk: Buffer) => {
      const headersOnly = chunk.toString('latin1').startsWith('POST /drip-headers ');
      socket.write(headersOnly ? 'HTTP/1.1 201 Created\r\n' : 'HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n');
      timer = setInterval(() => socket.write(headersOnly ? 'X-Drip: 1\r\n' : '1\r\nx\r\n'), 20);
    });
  });
  await new Promise<void>((resolve) => dripServer.listen(0, '127.0.0.1', resolve));
  dripBase = `https://127.0.0.1:${(dripServer.address() as AddressInfo).port}`;

  relay = Fastify({ logger: false });
  await relay.register(relayPlugin, {
    limits: { maxFrameBytes: 65536, maxConnectionsPerIp: 64, idleTimeoutMs: 60_000, pingIntervalMs: 30_000 },
    push: { keys: vapid, subject: 'mailto:ops@relay.example', perMinute: 6, testing: { loopbackAddresses: ['127.0.0.1'], ca: tls.cert } },
  });
  await relay.listen({ port: 0, host: '127.0.0.1' });
  relayBase = `ws://127.0.0.1:${(relay.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await relay?.close();
  await new Promise<void>((resolve) => (endpointServer ? endpointServer.close(() => resolve()) : resolve()));
  await new Promise<void>((resolve) => (dripServer ? dripServer.close(() => resolve()) : resolve()));
  rmSync(dir, { recursive: true, force: true });
});

/** A socket joined to a fresh channel's extension seat, past its first `peers`. */
async function member(): Promise<TestPeer> {
  const seat = pairingSeat(randomBytes(32), 'extension');
  const peer = new TestPeer(`${relayBase}/relay/${seat.channel}`);
  await peer.opened;
  peer.socket.send(JSON.stringify(seat.join));
  expect(await peer.nextControl()).toEqual({ type: 'peers', count: 1 });
  return peer;
}

/** A phone's push subscription keys (what PushSubscription.getKey gives), private half kept here. */
function subscriptionKeys(): { ecdh: ReturnType<typeof createECDH>; p256dh: string; auth: string } {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { ecdh, p256dh: ecdh.getPublicKey('base64url'), auth: randomBytes(16).toString('base64url') };
}

/** The asker's side of RFC 8291, done with http_ece (the extension's own encryptor has its test). */
function encryptTo(keys: ReturnType<typeof subscriptionKeys>, text: string): Buffer {
  const sender = createECDH('prime256v1');
  sender.generateKeys();
  return ece.encrypt(Buffer.from(text), { version: 'aes128gcm', privateKey: sender, dh: keys.p256dh, authSecret: keys.auth });
}

describe('relay Web Push', () => {
  it('answers push-key with its VAPID public key, also over HTTP', async () => {
    const peer = await member();
    peer.socket.send(JSON.stringify({ type: 'push-key' }));
    expect(await peer.nextControl()).toEqual({ type: 'push-key', publicKey: vapid.publicKey });
    const response = await relay.inject({ method: 'GET', url: '/relay/push-key' });
    expect(response.json()).toEqual({ publicKey: vapid.publicKey });
    await peer.close();
  });

  it('posts the encrypted payload with VAPID, urgency and TTL; the endpoint decrypts it', async () => {
    const peer = await member();
    const keys = subscriptionKeys();
    const payload = JSON.stringify({ site: 'github.com', request: 'r1' });
    posted.length = 0;
    peer.socket.send(JSON.stringify({ type: 'push', id: 'w1', endpoint: `${endpointBase}/push/abc`, payload: encryptTo(keys, payload).toString('base64url'), ttl: 45 }));
    expect(await peer.nextControl()).toEqual({ type: 'push-result', id: 'w1', result: 'sent', status: 201 });
    expect(posted).toHaveLength(1);
    const [post] = posted as [Posted];
    expect(post.path).toBe('/push/abc');
    expect(post.headers['content-encoding']).toBe('aes128gcm');
    expect(post.headers.urgency).toBe('high');
    expect(post.headers.ttl).toBe('45');
    const plain = ece.decrypt(post.body, { version: 'aes128gcm', privateKey: keys.ecdh, authSecret: keys.auth });
    expect(plain.toString('utf8')).toBe(payload);

    // RFC 8292 §3: "vapid t=<JWT>, k=<public key>", ES256 over the key the phone subscribed with.
    const match = /^vapid t=([^,]+), k=([A-Za-z0-9_-]+)$/.exec(String(post.headers.authorization));
    expect(match?.[2]).toBe(vapid.publicKey);
    const point = Buffer.from(vapid.publicKey, 'base64url');
    const key = await importJWK({ kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') }, 'ES256');
    const { payload: claims, protectedHeader } = await jwtVerify(match![1]!, key, { audience: endpointBase, algorithms: ['ES256'] });
    expect(protectedHeader.alg).toBe('ES256');
    expect(claims.sub).toBe('mailto:ops@relay.example');
    expect(claims.exp! - Date.now() / 1000).toBeGreaterThan(0);
    expect(claims.exp! - Date.now() / 1000).toBeLessThanOrEqual(24 * 3600);
    await peer.close();
  });

  it('reports gone (404/410), throttled (429) and other failures; follows no redirect', async () => {
    const peer = await member();
    const body = encryptTo(subscriptionKeys(), 'x').toString('base64url');
    answers.set('/gone', { status: 410 });
    answers.set('/missing', { status: 404 });
    answers.set('/busy', { status: 429 });
    const cases: [string, unknown][] = [
      ['/gone', { result: 'gone', status: 410 }],
      ['/missing', { result: 'gone', status: 404 }],
      ['/busy', { result: 'throttled', status: 429 }],
    ];
    for (const [path, expected] of cases) {
      peer.socket.send(JSON.stringify({ type: 'push', id: path, endpoint: `${endpointBase}${path}`, payload: body, ttl: 30 }));
      expect(await peer.nextControl()).toEqual({ type: 'push-result', id: path, ...(expected as object) });
    }
    await peer.close();
    // A redirect to an internal address must not be followed (a fresh channel: its own rate limit).
    const other = await member();
    answers.set('/redirect', { status: 307, headers: { location: 'https://169.254.169.254/latest' } });
    posted.length = 0;
    other.socket.send(JSON.stringify({ type: 'push', id: 'r', endpoint: `${endpointBase}/redirect`, payload: body, ttl: 30 }));
    expect(await other.nextControl()).toEqual({ type: 'push-result', id: 'r', result: 'failed', status: 307 });
    expect(posted.map((p) => p.path)).toEqual(['/redirect']);
    await other.close();
  });

  it('limits deliveries per channel: a burst of 3, then throttled without posting', async () => {
    const peer = await member();
    const body = encryptTo(subscriptionKeys(), 'x').toString('base64url');
    posted.length = 0;
    for (let i = 0; i < 4; i++) peer.socket.send(JSON.stringify({ type: 'push', id: `n${i}`, endpoint: `${endpointBase}/n`, payload: body, ttl: 30 }));
    const results = new Map<string, unknown>();
    for (let i = 0; i < 4; i++) {
      const control = (await peer.nextControl()) as { id: string; result: string };
      results.set(control.id, control.result);
    }
    expect(results).toEqual(new Map([['n0', 'sent'], ['n1', 'sent'], ['n2', 'sent'], ['n3', 'throttled']]));
    expect(posted).toHaveLength(3);
    // Another channel has its own budget.
    const other = await member();
    other.socket.send(JSON.stringify({ type: 'push', id: 'o', endpoint: `${endpointBase}/n`, payload: body, ttl: 30 }));
    expect(await other.nextControl()).toMatchObject({ id: 'o', result: 'sent' });
    await Promise.all([peer.close(), other.close()]);
  });

  /** A RelayPush of its own (limits of the test's choosing), asked directly as the relay's socket handler asks it. */
  function pushService(limits: Pick<RelayPushOptions, 'perIp' | 'global' | 'maxInFlight' | 'deadlineMs'>): {
    ask: (channel: string, address: string, endpoint: string) => Promise<unknown>;
    push: RelayPush;
  } {
    const push = new RelayPush({ keys: vapid, subject: 'mailto:ops@relay.example', perMinute: 6, ...limits, testing: { loopbackAddresses: ['127.0.0.1'], ca: tls.cert } }, relay.log);
    const body = encryptTo(subscriptionKeys(), 'x').toString('base64url');
    let n = 0;
    const ask = (channel: string, address: string, endpoint: string): Promise<unknown> =>
      new Promise((resolve) => {
        const id = `q${n++}`;
        expect(push.handle(channel, address, JSON.stringify({ type: 'push', id, endpoint, payload: body, ttl: 30 }), (control) => resolve(control))).toBe(true);
      });
    return { ask, push };
  }
  const results = async (answers: Promise<unknown>[]): Promise<string[]> => (await Promise.all(answers)).map((a) => (a as { result: string }).result);

  it('limits deliveries per client address, whatever the channel (fresh channels are free to make)', async () => {
    const { ask } = pushService({ perIp: { perMinute: 1, burst: 5 } });
    posted.length = 0;
    const fromOne = [0, 1, 2, 3, 4, 5].map((i) => ask(`channel-${i}`, '203.0.113.7', `${endpointBase}/ip`));
    expect(await results(fromOne)).toEqual(['sent', 'sent', 'sent', 'sent', 'sent', 'throttled']);
    expect(posted).toHaveLength(5);
    // Another address has its own budget; the refused one took nothing from its channel.
    expect(await results([ask('channel-5', '203.0.113.8', `${endpointBase}/ip`)])).toEqual(['sent']);
  });

  it('limits deliveries of the whole node, whatever the channel and address', async () => {
    const { ask } = pushService({ global: { perMinute: 1, burst: 4 } });
    const answers = [0, 1, 2, 3, 4].map((i) => ask(`g-${i}`, `198.51.100.${i}`, `${endpointBase}/global`));
    expect(await results(answers)).toEqual(['sent', 'sent', 'sent', 'sent', 'throttled']);
  });

  it('answers throttled past the cap of deliveries in flight, and frees a slot when one ends', async () => {
    const { ask, push } = pushService({ maxInFlight: 2, deadlineMs: 300 });
    const slow = [ask('c-0', '192.0.2.1', `${dripBase}/drip-headers`), ask('c-1', '192.0.2.2', `${dripBase}/drip-headers`)];
    expect(push.deliveriesInFlight).toBe(2);
    expect(await ask('c-2', '192.0.2.3', `${endpointBase}/cap`)).toMatchObject({ result: 'throttled' });
    expect(await results(slow)).toEqual(['failed', 'failed']);
    expect(push.deliveriesInFlight).toBe(0);
    expect(await ask('c-2', '192.0.2.3', `${endpointBase}/cap`)).toMatchObject({ result: 'sent' });
  });

  it('closes a socket that sends any other TEXT frame after its join (1003)', async () => {
    const peer = await member();
    peer.socket.send(JSON.stringify({ type: 'push', id: 'x', endpoint: 'http://example.com/', payload: 'AA', ttl: 1 }));
    expect((await peer.closed).code).toBe(1003);
  });
});

describe('push sender refusals (SSRF)', () => {
  // No test allowance here: what a deployed relay does with RELAY_PUSH_HOSTS=* (the host list would refuse these first).
  const sender = new PushSender({ keys: vapid, subject: 'mailto:ops@relay.example', timeoutMs: 2000, hosts: 'any' });
  const body = new Uint8Array(32);

  it.each([
    'http://push.example.com/x', // not https
    'https://user:pw@push.example.com/x',
    'https://127.0.0.1/x',
    'https://10.1.2.3/x',
    'https://172.16.0.1/x',
    'https://192.168.1.1/x',
    'https://169.254.169.254/latest/meta-data',
    'https://100.64.0.1/x',
    'https://0.0.0.0/x',
    'https://[::1]/x',
    'https://[fc00::1]/x',
    'https://[fe80::1]/x',
    'https://[::ffff:127.0.0.1]/x',
    'https://[2002:7f00:1::]/x',
    'https://localhost/x', // resolves to loopback: refused after resolution
    'not a url',
    'https://push.example.com:8443/x', // only the default https port: nothing else on a host is a push service
    'https://8.8.8.8:80/x',
    'https://[2606:4700::1111]:1/x',
  ])('refuses %s', async (endpoint) => {
    expect(await sender.send(endpoint, body, 30)).toEqual({ result: 'refused' });
  });

  it('refuses the test endpoint itself without the allowance', async () => {
    posted.length = 0;
    expect(await sender.send(`${endpointBase}/x`, body, 30)).toEqual({ result: 'refused' });
    expect(posted).toHaveLength(0);
  });

  it("refuses the relay's own addresses, however they are spelled", async () => {
    const own = new PushSender({ keys: vapid, subject: 'mailto:ops@relay.example', hosts: 'any', ownAddresses: () => ['8.8.8.8', '2606:4700::1111'] });
    expect(await own.send('https://8.8.8.8/x', body, 30)).toEqual({ result: 'refused' });
    expect(await own.send('https://[2606:4700:0:0::1111]/x', body, 30)).toEqual({ result: 'refused' });
  });

  it('gives up on a service that drips its headers at the deadline, though it is never idle', async () => {
    const drip = new PushSender({ keys: vapid, subject: 'mailto:ops@relay.example', timeoutMs: 5000, deadlineMs: 300, testing: { loopbackAddresses: ['127.0.0.1'], ca: tls.cert } });
    const before = dripClosed.length;
    expect(await drip.send(`${dripBase}/drip-headers`, body, 30)).toEqual({ result: 'failed' });
    await dripClosed[before];
  });

  it('closes the connection once the status is in, without reading a body that never ends', async () => {
    const drip = new PushSender({ keys: vapid, subject: 'mailto:ops@relay.example', timeoutMs: 5000, deadlineMs: 60_000, testing: { loopbackAddresses: ['127.0.0.1'], ca: tls.cert } });
    const before = dripClosed.length;
    expect(await drip.send(`${dripBase}/drip-body`, body, 30)).toEqual({ result: 'sent', status: 201 });
    await dripClosed[before]; // before the fix the relay read the dripping body for ever: this timed out
  });

  it('posts only to the push services by default (RELAY_PUSH_HOSTS extends the list, `*` turns it off)', async () => {
    const byDefault = new PushSender({ keys: vapid, subject: 'mailto:ops@relay.example' });
    for (const endpoint of ['https://push.example.com/x', 'https://8.8.8.8/x', 'https://fcm.googleapis.com.evil.example/x', 'https://evilfcm.googleapis.com/x']) {
      expect(await byDefault.send(endpoint, body, 30)).toEqual({ result: 'refused' });
    }
    for (const host of ['fcm.googleapis.com', 'FCM.googleapis.com.', 'updates.push.services.mozilla.com', 'wns2-by3p.notify.windows.com', 'web.push.apple.com']) {
      expect(pushHostAllowed(DEFAULT_PUSH_HOSTS, host.toLowerCase())).toBe(true);
    }
    for (const host of ['push.apple.com', 'notify.windows.com', 'evilfcm.googleapis.com', 'fcm.googleapis.com.evil.example', 'xpush.apple.com']) {
      expect(pushHostAllowed(DEFAULT_PUSH_HOSTS, host)).toBe(false);
    }
    expect(pushHostAllowed([...DEFAULT_PUSH_HOSTS, 'push.example.com'], 'push.example.com')).toBe(true);
    expect(pushHostAllowed('any', 'push.example.com')).toBe(true);
  });

  it('classifies addresses', () => {
    for (const address of ['8.8.8.8', '142.250.74.10', '2a00:1450:4001:82b::200a', '2606:4700::1111']) expect(isPublicAddress(address)).toBe(true);
    for (const address of ['127.0.0.1', '10.0.0.1', '192.0.2.1', '224.0.0.1', '255.255.255.255', '::', '::1', 'fd12::1', 'ff02::1', '2001:db8::1', '64:ff9b::a00:1', 'example.com']) {
      expect(isPublicAddress(address)).toBe(false);
    }
  });
});

describe('VAPID key pair', () => {
  it('is made once in DATA_DIR and read back; a malformed file is an error, not replaced', () => {
    const data = mkdtempSync(join(tmpdir(), 'pairkey-vapid-'));
    try {
      const first = loadVapidKeys(data, null);
      expect(loadVapidKeys(data, null)).toEqual(first);
      expect(loadVapidKeys(data, vapid)).toEqual(vapid);
      const other = mkdtempSync(join(tmpdir(), 'pairkey-vapid-'));
      spawnSync('sh', ['-c', `echo '{"publicKey":"x"}' > ${join(other, 'vapid.json')}`]);
      expect(() => loadVapidKeys(other, null)).toThrow(/VAPID key pair/);
      rmSync(other, { recursive: true, force: true });
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});
