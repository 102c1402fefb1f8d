// The deployment of docs/deploy.md, run end to end on one machine: a three-node NATS cluster from
// deploy/nats/nats-server.conf, two relay-only nodes (`pairkey relay`, configured from
// deploy/systemd/relay.env.example with the addresses of this test) on different NATS nodes,
// and nginx from deploy/nginx/pairkey.conf in front of both. A channel's two ends, connected
// through nginx, land on different relay nodes and still meet.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { LookupFunction } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadRelayConfig } from '../../harness-server/relay/config.ts';
import { buildRelayServer } from '../../harness-server/relay/server.ts';
import { TestPeer } from '../../harness-server/testing/servers.ts';
import { phoneAppDistDir } from '../../phone/app/dist-dir.ts';
import {
  createPairingOffer,
  encodePairingLink,
  generateStaticKeyPair,
  PairingInitiator,
  PairingResponder,
  parsePairingLink,
  type SessionResult,
} from '../../shared/protocol/index.ts';
import { pairingSeat } from '../../shared/protocol/relay-seat.ts';
import { pairingRelayTarget, RelaySocket, type WebSocketFactory, type WebSocketLike } from '../../shared/relay-socket.ts';
import { natsServerInstalled, startNatsCluster, type NatsCluster } from './nats.ts';
import { freePort, nginxBinary, selfSignedCertificate, startNginx, type RunningNginx } from './nginx.ts';

const RELAY_HOST = 'relay.example.com';
const ENV_EXAMPLE = fileURLToPath(new URL('../../deploy/systemd/relay.env.example', import.meta.url));

const missing = nginxBinary() === null ? 'nginx is not installed (apt-get install nginx)' : !natsServerInstalled() ? 'nats-server is not installed (apt-get install nats-server)' : null;
if (missing) console.warn(`test/deploy/cluster.test.ts skipped: ${missing}`);

/** KEY=value lines, as systemd's EnvironmentFile reads them (comments and blank lines skipped). */
function envFile(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) env[match[1]!] = match[2]!;
  }
  return env;
}

const lookup: LookupFunction = (_hostname, options, callback) => {
  if (options.all) (callback as (error: null, addresses: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};

describe('deploy/systemd/relay.env.example', () => {
  it('is a valid relay-only configuration', () => {
    const config = loadRelayConfig(envFile(ENV_EXAMPLE));
    expect(config.relayBus?.servers).toHaveLength(3);
    expect(config.trustProxy).toEqual(['10.0.0.5', '10.0.0.6']);
    expect(config.port).toBe(8789);
  });
});

describe.skipIf(missing !== null)('a relay cluster behind nginx, as docs/deploy.md sets it up', () => {
  let dir: string;
  let cluster: NatsCluster;
  let nginx: RunningNginx;
  let httpsPort: number;
  let ca: Buffer;
  const nodes: FastifyInstance[] = [];
  const peers: TestPeer[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pairkey-cluster-'));
    cluster = await startNatsCluster(dir);
    const example = envFile(ENV_EXAMPLE);
    // Two relay nodes, each on its own NATS node; nginx (127.0.0.1) is their trusted proxy.
    for (const nats of cluster.nodes.slice(0, 2)) {
      const config = loadRelayConfig({ ...example, HOST: '127.0.0.1', PORT: '0', RELAY_BUS: nats.url, TRUST_PROXY: '127.0.0.1', LOG_LEVEL: 'silent' });
      const { relay } = await buildRelayServer(config);
      nodes.push(relay);
      await relay.listen({ port: 0, host: '127.0.0.1' });
      // The node connects to its bus in the background (it starts not ready, docs/server.md).
      await relay.relay.bus!.whenReady();
    }
    const { cert, key } = selfSignedCertificate(dir, [RELAY_HOST, 'phone.example.com']);
    ca = readFileSync(cert);
    httpsPort = await freePort();
    const relayNodes = nodes.map((node) => {
      const address = node.server.address();
      if (typeof address !== 'object' || !address) throw new Error('relay node is not listening');
      return `127.0.0.1:${address.port}`;
    });
    nginx = await startNginx(dir, { httpsPort, httpPort: await freePort(), cert, key, relayNodes, phoneRoot: phoneAppDistDir() });
  });

  afterAll(async () => {
    for (const peer of peers) peer.socket.terminate();
    await nginx?.stop();
    await Promise.allSettled(nodes.map((node) => node.close()));
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('every relay node is ready: its bus is connected', async () => {
    for (const node of nodes) {
      const answer = await node.inject('/readyz');
      expect(answer.json().notReady, answer.body).toEqual([]);
      expect(answer.statusCode).toBe(200);
    }
  });

  it('meets a channel whose two ends nginx sent to different relay nodes', async () => {
    const secret = randomBytes(32);
    const open = (side: 'extension' | 'phone', from: string): TestPeer => {
      const seat = pairingSeat(secret, side);
      const options: WebSocket.ClientOptions = Object.assign({ ca, localAddress: from }, { lookup });
      const peer = new TestPeer(`wss://${RELAY_HOST}:${httpsPort}/relay/${seat.channel}`, options);
      peer.opened.then(() => peer.socket.send(JSON.stringify(seat.join)), () => undefined);
      peers.push(peer);
      return peer;
    };
    const extension = open('extension', '127.0.0.3');
    expect(await extension.nextControl()).toEqual({ type: 'peers', count: 1 });
    // least_conn: the second socket goes to the node without one.
    const phone = open('phone', '127.0.0.4');
    expect(await phone.nextControl()).toEqual({ type: 'peers', count: 2 });
    expect(await extension.nextControl()).toEqual({ type: 'peers', count: 2 });
    expect(nodes.map((node) => node.relay.stats().connections)).toEqual([1, 1]);

    extension.socket.send(Buffer.from('across two nodes'));
    expect((await phone.nextBinary()).toString()).toBe('across two nodes');
    const reply = randomBytes(30_000);
    phone.socket.send(reply);
    expect((await extension.nextBinary()).equals(reply)).toBe(true);
    await phone.close();
    expect(await extension.nextControl()).toEqual({ type: 'peers', count: 1 });
    await extension.close();
  });

  it('pairs a phone through nginx and two relay nodes (the Noise IKpsk2 pairing of docs/protocol.md)', async () => {
    // The Relay URL a person enters in the extension, and the sockets the two ends open for it.
    const relayUrl = `https://${RELAY_HOST}:${httpsPort}`;
    const sockets = (from: string): WebSocketFactory => (url) =>
      new WebSocket(url, Object.assign({ ca, localAddress: from }, { lookup })) as unknown as WebSocketLike;

    // The extension: a QR offer, waiting on the pairing channel to answer the phone's handshake.
    const extensionStatic = generateStaticKeyPair();
    const offer = createPairingOffer(relayUrl, extensionStatic.publicKey, 60_000);
    const responder = new PairingResponder(extensionStatic, offer.secret);
    let extensionPaired!: (result: SessionResult) => void;
    const extensionResult = new Promise<SessionResult>((resolve) => (extensionPaired = resolve));
    const extension = await RelaySocket.connect(sockets('127.0.0.7'), pairingRelayTarget(relayUrl, offer.secret, 'extension'), {
      onFrame: (frame, relay) => {
        const { reply, result } = responder.respond(frame);
        relay.send(reply);
        extensionPaired(result);
      },
    });

    // The phone: scans the link (it carries the relay URL), starts the handshake once both are there.
    const scanned = parsePairingLink(encodePairingLink('https://phone.example.com/', offer));
    expect(scanned.relayUrl).toBe(relayUrl);
    const phoneStatic = generateStaticKeyPair();
    const initiator = new PairingInitiator(scanned, phoneStatic, { name: 'Deploy test phone' });
    let phonePaired!: (result: SessionResult) => void;
    const phoneResult = new Promise<SessionResult>((resolve) => (phonePaired = resolve));
    const phone = await RelaySocket.connect(sockets('127.0.0.8'), pairingRelayTarget(scanned.relayUrl, scanned.secret, 'phone'), {
      onPeers: (count, relay) => {
        if (count === 2) relay.send(initiator.start());
      },
      onFrame: (frame) => phonePaired(initiator.finish(frame)),
    });

    const [atExtension, atPhone] = await Promise.all([extensionResult, phoneResult]);
    expect(atPhone.confirmationCode).toMatch(/^\d{6}$/);
    expect(atPhone.confirmationCode).toBe(atExtension.confirmationCode);
    expect(atPhone.pairedChannelId).toBe(atExtension.pairedChannelId);
    expect(atExtension.peerPublicKey).toEqual(phoneStatic.publicKey);
    expect(atPhone.peerPublicKey).toEqual(extensionStatic.publicKey);
    phone.close();
    extension.close();
  });
});
