// deploy/nginx/pairkey.conf, run: Debian's nginx with that file (ports, certificate, relay node
// and phone app folder substituted, test/deploy/nginx.ts) in front of a real harness server.
// Relay sessions upgrade to WebSocket through TLS and carry frames both ways; per-IP limits
// count the client nginx saw (TRUST_PROXY names nginx), never what a client wrote in
// X-Forwarded-For; /metrics and /readyz are not public; the phone app is served on its own
// origin with the same headers as the harness's phone origin.
import { randomBytes } from 'node:crypto';
import type { LookupFunction } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { startServers, testConfig, TestPeer, type Started } from '../../harness-server/testing/servers.ts';
import { securityHeaderValues } from '../../harness-server/plugins/security-headers.ts';
import { phoneAppDistDir } from '../../phone/app/dist-dir.ts';
import { pairingSeat, type SeatSide } from '../../shared/protocol/relay-seat.ts';
import { freePort, nginxBinary, selfSignedCertificate, startNginx, type RunningNginx } from './nginx.ts';

const RELAY_HOST = 'relay.example.com';
const PHONE_HOST = 'phone.example.com';
const phoneRoot = phoneAppDistDir();

// .ci/run installs nginx; elsewhere the suite says why it did not run.
const missing = nginxBinary() === null ? 'nginx is not installed (apt-get install nginx)' : !existsSync(join(phoneRoot, 'index.html')) ? 'the phone app is not built (npm run build)' : null;
if (missing) console.warn(`test/deploy/nginx.test.ts skipped: ${missing}`);

let dir: string;
let servers: Started;
let nginx: RunningNginx;
let httpsPort: number;
let httpPort: number;
let ca: Buffer;
const peers: TestPeer[] = [];

/** Both example names resolve to the loopback address nginx listens on. */
const lookup: LookupFunction = (_hostname, options, callback) => {
  if (options.all) (callback as (error: null, addresses: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function get(url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const secure = url.startsWith('https:');
    const send = secure ? httpsRequest : httpRequest;
    const req = send(url, { lookup, ...(secure ? { ca } : {}) }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    req.once('error', reject);
    req.end();
  });
}

/**
 * A relay socket through nginx from `from` (a loopback address standing for one client machine),
 * optionally with an X-Forwarded-For of its own; it joins its seat at once.
 */
function relayPeer(channel: string, seat: { join: unknown }, from: string, forwardedFor?: string): TestPeer {
  // ws hands these to https.request (`lookup` is not in its own option type).
  const connection: WebSocket.ClientOptions = Object.assign({ ca, localAddress: from }, { lookup });
  if (forwardedFor) connection.headers = { 'x-forwarded-for': forwardedFor };
  const peer = new TestPeer(`wss://${RELAY_HOST}:${httpsPort}/relay/${channel}`, connection);
  peer.opened.then(() => peer.socket.send(JSON.stringify(seat.join)), () => undefined);
  peers.push(peer);
  return peer;
}

function seatedPair(): { channel: string; seat: (side: SeatSide) => { join: unknown } } {
  const secret = randomBytes(32);
  return { channel: pairingSeat(secret, 'extension').channel, seat: (side) => pairingSeat(secret, side) };
}

describe.skipIf(missing !== null)('nginx in front of the relay and the phone app (deploy/nginx/pairkey.conf)', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pairkey-nginx-'));
    const { cert, key } = selfSignedCertificate(dir, [RELAY_HOST, PHONE_HOST]);
    ca = readFileSync(cert);
    // TRUST_PROXY names nginx (it connects to the relay from 127.0.0.1); clients come from other
    // loopback addresses, as other machines would.
    servers = await startServers(
      testConfig({ TRUST_PROXY: '127.0.0.1', RELAY_MAX_CONNECTIONS_PER_IP: '2', PHONE_URL: `https://${PHONE_HOST}/` }),
    );
    [httpsPort, httpPort] = [await freePort(), await freePort()];
    nginx = await startNginx(dir, { httpsPort, httpPort, cert, key, relayNodes: [new URL(servers.mainUrl).host], phoneRoot });
  });

  afterAll(async () => {
    for (const peer of peers) peer.socket.terminate();
    await nginx?.stop();
    await servers?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('upgrades relay sessions through TLS and carries frames both ways', async () => {
    const { channel, seat } = seatedPair();
    const extension = relayPeer(channel, seat('extension'), '127.0.0.3');
    expect(await extension.nextControl()).toEqual({ type: 'peers', count: 1 });
    const phone = relayPeer(channel, seat('phone'), '127.0.0.4');
    expect(await phone.nextControl()).toEqual({ type: 'peers', count: 2 });
    expect(await extension.nextControl()).toEqual({ type: 'peers', count: 2 });

    extension.socket.send(Buffer.from('hello phone'));
    expect((await phone.nextBinary()).toString()).toBe('hello phone');
    const big = randomBytes(60_000); // near RELAY_MAX_FRAME_BYTES: nginx must not split or buffer it away
    phone.socket.send(big);
    expect((await extension.nextBinary()).equals(big)).toBe(true);

    await phone.close();
    expect(await extension.nextControl()).toEqual({ type: 'peers', count: 1 });
    await extension.close();
  });

  it('counts per-IP limits by the client nginx saw, whatever X-Forwarded-For the client sends', async () => {
    // RELAY_MAX_CONNECTIONS_PER_IP is 2. Two sockets from 127.0.0.5 fill its share, even though each
    // claims another address: nginx appends the real one, and only that entry is believed.
    const z = seatedPair();
    const first = relayPeer(z.channel, z.seat('phone'), '127.0.0.5');
    expect(await first.nextControl()).toEqual({ type: 'peers', count: 1 });
    const a = seatedPair();
    const second = relayPeer(a.channel, a.seat('phone'), '127.0.0.5', '198.51.100.1');
    expect(await second.nextControl()).toEqual({ type: 'peers', count: 1 });
    const b = seatedPair();
    const third = relayPeer(b.channel, b.seat('phone'), '127.0.0.5', '198.51.100.2');
    expect(await third.closed).toEqual({ code: 1008, reason: 'too many connections' });
    // Another client behind the same nginx is counted on its own (the relay does not see one
    // address for everybody, which TRUST_PROXY unset would give).
    const c = seatedPair();
    const other = relayPeer(c.channel, c.seat('phone'), '127.0.0.6');
    expect(await other.nextControl()).toEqual({ type: 'peers', count: 1 });
  });

  it('serves /healthz publicly and keeps /readyz, /metrics and the RP away from the internet', async () => {
    const health = await get(`https://${RELAY_HOST}:${httpsPort}/healthz`);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ alive: true });
    expect(health.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    for (const path of ['/metrics', '/readyz', '/', '/api/csrf']) {
      expect((await get(`https://${RELAY_HOST}:${httpsPort}${path}`)).status, path).toBe(404);
    }
  });

  it('redirects plain http to https', async () => {
    const answer = await get(`http://${RELAY_HOST}:${httpPort}/relay/x`);
    expect(answer.status).toBe(301);
    expect(answer.headers.location).toBe(`https://${RELAY_HOST}/relay/x`);
  });

  it('serves the phone app on its own origin with the headers of the harness phone origin', async () => {
    const viaNginx = await get(`https://${PHONE_HOST}:${httpsPort}/`);
    const viaHarness = await get(`${servers.phoneUrl}/`);
    expect(viaNginx.status).toBe(200);
    expect(viaNginx.body).toBe(readFileSync(join(phoneRoot, 'index.html'), 'utf8'));
    const compared = [...Object.keys(securityHeaderValues(true)), 'permissions-policy', 'cache-control'];
    for (const name of compared) expect(viaNginx.headers[name], name).toBe(viaHarness.headers[name]);

    const asset = readdirSync(join(phoneRoot, 'assets')).find((file) => file.endsWith('.js'))!;
    const script = await get(`https://${PHONE_HOST}:${httpsPort}/assets/${asset}`);
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/^application\/javascript/);
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(script.headers['content-security-policy']).toBe(viaHarness.headers['content-security-policy']);

    const manifest = await get(`https://${PHONE_HOST}:${httpsPort}/manifest.webmanifest`);
    expect(manifest.headers['content-type']).toBe('application/manifest+json');
    expect(manifest.headers['cache-control']).toBe('no-cache');
    // Nothing of the relay or the RP on the phone origin.
    expect((await get(`https://${PHONE_HOST}:${httpsPort}/healthz`)).status).toBe(404);
  });

  it('left nothing alarming in its error log', () => {
    expect(nginx.errorLog()).not.toMatch(/\[(emerg|alert|crit)\]/);
  });
});
