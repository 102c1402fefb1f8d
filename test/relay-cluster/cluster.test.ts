// Issue 13: the relay across nodes. Two (or three) real relay nodes joined through a real
// nats-server, the two seats of a channel on different nodes; every promise of the single-node
// relay (docs/server.md) checked across them, then a node killed and the bus restarted.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { pairingSeat, type RelaySeat, type SeatSide } from '../../shared/protocol/relay-seat.ts';
import { startServers, testConfig, TestPeer } from '../../harness-server/testing/servers.ts';
import { NatsProcess, RelayNodeProcess, startNode, type InProcessNode } from './support.ts';

interface Channel {
  id: string;
  extension: RelaySeat;
  phone: RelaySeat;
}
function newChannel(): Channel {
  const secret = randomBytes(32);
  const extension = pairingSeat(secret, 'extension');
  return { id: extension.channel, extension, phone: pairingSeat(secret, 'phone') };
}

let nats: NatsProcess;
const nodes: InProcessNode[] = [];
const processes: RelayNodeProcess[] = [];
const peers: TestPeer[] = [];

beforeAll(async () => {
  nats = await NatsProcess.start();
});
afterAll(async () => {
  await nats.stop();
});
afterEach(async () => {
  for (const peer of peers.splice(0)) peer.socket.terminate();
  await Promise.all(nodes.splice(0).map((node) => node.close()));
  await Promise.all(processes.splice(0).map((node) => node.kill()));
  await nats.resume(); // a test that stopped the bus leaves it running for the next
});

async function node(env: Record<string, string> = {}): Promise<InProcessNode> {
  const started = await startNode(nats, env);
  nodes.push(started);
  return started;
}

/** A socket on `relayUrl` that proves `side`'s seat of the channel. */
function seated(relayUrl: string, channel: Channel, side: SeatSide): TestPeer {
  const peer = new TestPeer(`${relayUrl}/relay/${channel.id}`);
  peer.opened.then(
    () => peer.socket.send(JSON.stringify(channel[side].join)),
    () => undefined,
  );
  peers.push(peer);
  return peer;
}

/** The extension's seat on `a`, the phone's on `b`; resolves when both saw `peers` 2. */
async function pairAcross(a: { url: string }, b: { url: string }, channel = newChannel()): Promise<[TestPeer, TestPeer, Channel]> {
  const extension = seated(a.url, channel, 'extension');
  expect(await extension.nextControl()).toEqual({ type: 'peers', count: 1 });
  const phone = seated(b.url, channel, 'phone');
  expect(await phone.nextControl()).toEqual({ type: 'peers', count: 2 });
  expect(await extension.nextControl()).toEqual({ type: 'peers', count: 2 });
  return [extension, phone, channel];
}

function serverSockets(target: InProcessNode): WebSocket[] {
  const sockets: WebSocket[] = [];
  target.app.relay.onConnection((socket) => sockets.push(socket));
  return sockets;
}

describe('relay nodes sharing channels through NATS', () => {
  it('forwards frames byte-exact both ways between seats on two nodes, in order', async () => {
    const [a, b] = [await node(), await node()];
    const [extension, phone] = await pairAcross(a, b);
    const frames = Array.from({ length: 50 }, (_, i) => randomBytes(1 + i * 97));
    for (const frame of frames) extension.socket.send(frame);
    for (const frame of frames) expect(await phone.nextBinary()).toEqual(frame);
    phone.socket.send(Buffer.from('reply'));
    expect(await extension.nextBinary()).toEqual(Buffer.from('reply'));
    expect(b.app.relay.stats().framesForwarded).toBe(50);
    expect(a.app.relay.stats().framesForwarded).toBe(1);
  });

  it('keeps one holder per seat cluster-wide: a newer holder on another node closes the older one with 4001', async () => {
    const [a, b, c] = [await node(), await node(), await node()];
    const [extension, phone, channel] = await pairAcross(a, b);
    // The phone redials through a third node: the seat is its, the old socket goes.
    const phone2 = seated(c.url, channel, 'phone');
    expect(await phone2.nextControl()).toEqual({ type: 'peers', count: 2 });
    expect(await phone.closed).toEqual({ code: 4001, reason: 'seat taken' });
    // The extension saw its peer leave and come back, as with both on one node.
    expect(await extension.nextControl()).toEqual({ type: 'peers', count: 1 });
    expect(await extension.nextControl()).toEqual({ type: 'peers', count: 2 });
    extension.socket.send(Buffer.from([7]));
    expect(await phone2.nextBinary()).toEqual(Buffer.from([7]));
    // A third socket can only take a seat, never add a member: the channel has two at most.
    const extension2 = seated(b.url, channel, 'extension');
    expect(await extension2.nextControl()).toEqual({ type: 'peers', count: 2 });
    expect(await extension.closed).toEqual({ code: 4001, reason: 'seat taken' });
  });

  it('tells the remaining member when the other leaves, and reports frames it could not deliver', async () => {
    const [a, b] = [await node(), await node()];
    const [extension, phone] = await pairAcross(a, b);
    await phone.close();
    expect(await extension.nextControl()).toEqual({ type: 'peers', count: 1 });
    extension.socket.send(Buffer.from([1]));
    expect(await extension.nextControl()).toEqual({ type: 'dropped', count: 1 });
    expect(a.app.relay.stats()).toMatchObject({ framesDropped: 1, channels: 1 });
    expect(b.app.relay.stats()).toMatchObject({ connections: 0, channels: 0 });
  });

  it('bounds what a node buffers for a reader that stops reading, and tells the sender on the other node', async () => {
    const env = { RELAY_MAX_FRAME_BYTES: '4096' };
    const [a, b] = [await node(env), await node(env)];
    const onB = serverSockets(b);
    const [extension, phone] = await pairAcross(a, b);
    (phone.socket as unknown as { _socket: import('node:net').Socket })._socket.pause();
    const readerOnB = onB[0]!;
    const frame = Buffer.alloc(4000, 1);
    let dropped = 0;
    const droppedNotice = (async () => {
      const control = (await extension.nextControl()) as { type: string; count: number };
      expect(control.type).toBe('dropped');
      dropped = control.count;
    })();
    // Flood until the other node reports drops; the bound is 16 frames of RELAY_MAX_FRAME_BYTES.
    while (dropped === 0) {
      for (let i = 0; i < 64; i++) extension.socket.send(frame);
      await new Promise((resolve) => setImmediate(resolve));
      expect(readerOnB.bufferedAmount).toBeLessThanOrEqual(16 * 4096 + frame.length);
    }
    await droppedNotice;
    expect(dropped).toBeGreaterThan(0);
    expect(b.app.relay.stats().framesDropped).toBeGreaterThan(0);
    expect(b.app.relay.stats().bufferedBytes).toBeLessThanOrEqual(16 * 4096 + frame.length);
  });

  it('enforces the frame size, the idle timeout and the channel-id rule on every node', async () => {
    const env = { RELAY_MAX_FRAME_BYTES: '1024', RELAY_IDLE_TIMEOUT_MS: '400' };
    const [a, b] = [await node(env), await node(env)];
    const [extension, phone] = await pairAcross(a, b);
    // The phone forwards nothing: idle on node B while the extension keeps sending through A.
    const keepAlive = setInterval(() => extension.socket.send(Buffer.from([0])), 50);
    try {
      expect(await phone.closed).toEqual({ code: 4000, reason: 'idle' });
    } finally {
      clearInterval(keepAlive);
    }
    extension.socket.send(Buffer.alloc(1025));
    const closed = await extension.closed;
    expect(closed.code).toBe(1009);
    const bad = new TestPeer(`${b.url}/relay/${'a'.repeat(42)}`);
    peers.push(bad);
    expect(await bad.closed).toEqual({ code: 1008, reason: 'invalid channel id' });
  });

  it('a node that dies: the peer on the other node sees it leave, and the session resumes on a surviving node', async () => {
    const a = await RelayNodeProcess.start(nats);
    processes.push(a);
    const b = await node();
    const [extension, phone, channel] = await pairAcross(a, b);
    await a.kill();
    expect((await extension.closed).code).toBe(1006);
    // Node B hears nothing from A any more: within 3 heartbeats the phone is told its peer left.
    expect(await phone.nextControl()).toEqual({ type: 'peers', count: 1 });
    // The extension redials, here through node B (a balancer would pick any live node).
    const again = seated(b.url, channel, 'extension');
    expect(await again.nextControl()).toEqual({ type: 'peers', count: 2 });
    expect(await phone.nextControl()).toEqual({ type: 'peers', count: 2 });
    again.socket.send(Buffer.from('after'));
    expect(await phone.nextBinary()).toEqual(Buffer.from('after'));
  });

  it('without its bus a node is not ready, refuses new channels with 1013, and recovers when the bus returns', async () => {
    const [a, b] = [await node(), await node()];
    const [extension, phone, channel] = await pairAcross(a, b);
    const lost = new Promise<void>((resolve) => a.app.relay.bus!.onReadyChange((ready) => !ready && resolve()));
    await nats.stop();
    await lost;
    expect(a.app.relay.ready()).toBe(false);
    const readiness = await a.app.inject('/readyz');
    expect(readiness.statusCode).toBe(503);
    expect(readiness.json()).toMatchObject({ ready: false, notReady: ['bus'] });
    // Both ends learn that their peer is out of reach.
    expect(await extension.nextControl()).toEqual({ type: 'peers', count: 1 });
    expect(await phone.nextControl()).toEqual({ type: 'peers', count: 1 });
    const refused = seated(a.url, newChannel(), 'extension');
    expect(await refused.closed).toEqual({ code: 1013, reason: 'relay bus unavailable' });

    await nats.resume();
    await Promise.all([a.app.relay.bus!.whenReady(), b.app.relay.bus!.whenReady()]);
    expect((await a.app.inject('/readyz')).statusCode).toBe(200);
    // Each node greets the other seat again: both ends see their peer back, and frames flow.
    expect(await extension.nextControl()).toEqual({ type: 'peers', count: 2 });
    expect(await phone.nextControl()).toEqual({ type: 'peers', count: 2 });
    phone.socket.send(Buffer.from('back'));
    expect(await extension.nextBinary()).toEqual(Buffer.from('back'));
    void channel;
  });

  it('serves /healthz and Prometheus metrics on a relay-only node', async () => {
    const [a, b] = [await node(), await node()];
    const [extension, phone] = await pairAcross(a, b);
    extension.socket.send(Buffer.from([1]));
    await phone.nextBinary();
    expect((await a.app.inject('/healthz')).json()).toEqual({ alive: true });
    const metrics = (await b.app.inject('/metrics')).body;
    expect(metrics).toMatch(/^pairkey_relay_frames_forwarded_total 1$/m);
    expect(metrics).toMatch(/^pairkey_relay_connections 1$/m);
    expect(metrics).toMatch(/^pairkey_relay_bus_connected 1$/m);
  });

  it('the harness server (RP + relay) joins the same bus: its relay meets a relay-only node, and /readyz checks the bus', async () => {
    const harness = await startServers(testConfig({ RELAY_BUS: nats.url, RELAY_BUS_HEARTBEAT_MS: '500' }));
    try {
      await harness.main.relay.bus!.whenReady();
      const readiness = await harness.main.inject('/readyz');
      expect(readiness.statusCode).toBe(200);
      expect(readiness.json().checks).toEqual(expect.arrayContaining([{ name: 'bus', ready: true }, expect.objectContaining({ name: 'database', ready: true })]));
      const b = await node();
      const [extension, phone] = await pairAcross({ url: harness.mainUrl.replace(/^http/, 'ws') }, b);
      phone.socket.send(Buffer.from('hi'));
      expect(await extension.nextBinary()).toEqual(Buffer.from('hi'));
    } finally {
      for (const peer of peers.splice(0)) peer.socket.terminate();
      await harness.close();
    }
  });
});
