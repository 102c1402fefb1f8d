// A Web Push service for the browser suites (RFC 8030), standing in for FCM/Mozilla's autopush,
// which cannot be reached here: https on 127.0.0.1 with a throw-away certificate (the relay trusts
// it through its code-only test allowance, harness-server/relay/push/sender.ts). It makes the
// subscriptions a browser's pushManager.subscribe would (endpoint, P-256 key, auth secret), and
// for each delivery decrypts the body with an independent RFC 8291 implementation (http_ece) and
// verifies the relay's VAPID token (RFC 8292, jose). A test holds each delivery's answer until it
// calls respond(), so it can look at the extension while the wake-up is in flight.
import ece from 'http_ece';
import { importJWK, jwtVerify, type JWTPayload } from 'jose';
import { spawnSync } from 'node:child_process';
import { createECDH, randomBytes, type ECDH } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PushSubscriptionInfo } from '../../shared/push/subscription.ts';

export interface TestSubscription {
  info: PushSubscriptionInfo;
  ecdh: ECDH;
}

export interface ReceivedPush {
  /** The subscription it was posted to. */
  subscription: TestSubscription;
  headers: IncomingHttpHeaders;
  /** The body as decrypted with the subscription's private key and auth secret. */
  plaintext: string;
  /** The VAPID token's claims, verified against the key in the Authorization header. */
  vapid: JWTPayload & { publicKey: string };
  /** Answer the relay's POST (201: taken; 404/410: gone; 429: throttled). Called once. */
  respond(status: number): void;
}

/** A throw-away certificate for 127.0.0.1 (openssl is on every machine that runs the suites). */
export function selfSignedLoopbackCertificate(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pairkey-push-tls-'));
  try {
    const result = spawnSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ]);
    if (result.status !== 0) throw new Error(`openssl failed: ${result.stderr.toString()}`);
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export class TestPushService {
  private readonly subscriptions = new Map<string, TestSubscription>();
  private readonly received: ReceivedPush[] = [];
  private readonly waiters: (() => void)[] = [];
  private readonly open = new Set<ServerResponse>();
  /** Problems with a delivery (undecryptable, bad VAPID): a test fails on them. */
  readonly errors: string[] = [];

  private constructor(
    private readonly server: Server,
    readonly base: string,
    /** The certificate the relay must trust (PushTestAllowance.ca). */
    readonly ca: string,
  ) {}

  static async start(): Promise<TestPushService> {
    const tls = selfSignedLoopbackCertificate();
    let service: TestPushService | null = null;
    const server = createServer(tls, (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => void service!.take(request.url ?? '', request.headers, Buffer.concat(chunks), response));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    service = new TestPushService(server, `https://127.0.0.1:${(server.address() as AddressInfo).port}`, tls.cert);
    return service;
  }

  /** What PushManager.subscribe gives a browser: an endpoint here and fresh keys. */
  subscribe(): TestSubscription {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const id = randomBytes(12).toString('base64url');
    const subscription = { info: { endpoint: `${this.base}/push/${id}`, p256dh: ecdh.getPublicKey('base64url'), auth: randomBytes(16).toString('base64url') }, ecdh };
    this.subscriptions.set(`/push/${id}`, subscription);
    return subscription;
  }

  /** Deliveries posted so far (answered or not). */
  get deliveries(): readonly ReceivedPush[] {
    return this.received;
  }

  /** The `index`th delivery (0-based), once it arrived. */
  async delivery(index: number): Promise<ReceivedPush> {
    while (this.received.length <= index) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.received[index]!;
  }

  async close(): Promise<void> {
    for (const response of this.open) response.writeHead(503).end();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async take(path: string, headers: IncomingHttpHeaders, body: Buffer, response: ServerResponse): Promise<void> {
    const subscription = this.subscriptions.get(path);
    if (!subscription) {
      response.writeHead(404).end();
      return;
    }
    let plaintext: string;
    let vapid: ReceivedPush['vapid'];
    try {
      plaintext = ece.decrypt(body, { version: 'aes128gcm', privateKey: subscription.ecdh, authSecret: subscription.info.auth }).toString('utf8');
      vapid = await verifyVapid(String(headers.authorization), this.base);
    } catch (error) {
      this.errors.push(`${path}: ${error instanceof Error ? error.message : String(error)}`);
      response.writeHead(400).end();
      return;
    }
    this.open.add(response);
    this.received.push({
      subscription,
      headers,
      plaintext,
      vapid,
      respond: (status) => {
        if (!this.open.delete(response)) return;
        response.writeHead(status).end();
      },
    });
    for (const wake of this.waiters.splice(0)) wake();
  }
}

/** RFC 8292 §3: "vapid t=<JWT>, k=<public key>", an ES256 token for this origin. */
async function verifyVapid(authorization: string, audience: string): Promise<ReceivedPush['vapid']> {
  const match = /^vapid t=([^,]+), k=([A-Za-z0-9_-]+)$/.exec(authorization);
  if (!match) throw new Error(`not a VAPID Authorization header: ${authorization}`);
  const point = Buffer.from(match[2]!, 'base64url');
  const key = await importJWK({ kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') }, 'ES256');
  const { payload } = await jwtVerify(match[1]!, key, { audience, algorithms: ['ES256'] });
  return { ...payload, publicKey: match[2]! };
}
