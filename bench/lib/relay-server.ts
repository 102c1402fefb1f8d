// The real relay (harness-server/relay, the Fastify plugin `npm run serve` mounts at /relay) in
// a Fastify instance of its own, in a child process. The relying party is left out so that relay
// numbers do not move while the RP is rebuilt, and so RSS counts the relay alone.
//
// With BENCH_CAPTURE_FRAMES=1 it also records when each relay frame arrived and when it was
// forwarded, from the outside: a listener prepended on every relay socket and a wrapper around
// that socket's `send`. The relay code itself is untouched.
import Fastify from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { RelayLimits } from '../../harness-server/config.ts';
import { relayPlugin } from '../../harness-server/relay/index.ts';
import { heapCensus, untilIdle } from './heap.ts';
import { serveParent } from './serve-parent.ts';
import { now } from './clock.ts';

/** Which end of a channel a socket belongs to: the extension's sockets carry its Origin. */
export type Peer = 'extension' | 'phone';

export interface FrameEvent {
  /** in: the relay received a frame from `peer`; out: the relay sent a frame to `peer`. */
  dir: 'in' | 'out';
  peer: Peer;
  t: number;
  bytes: number;
}

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
// The documented defaults (docs/server.md); the benchmark raises the per-IP cap.
const limits: RelayLimits = {
  maxFrameBytes: env('RELAY_MAX_FRAME_BYTES', 65536),
  maxConnectionsPerIp: env('RELAY_MAX_CONNECTIONS_PER_IP', 64),
  idleTimeoutMs: env('RELAY_IDLE_TIMEOUT_MS', 600_000),
  pingIntervalMs: env('RELAY_PING_INTERVAL_MS', 30_000),
};

const app = Fastify({ logger: { level: process.env.LOG_LEVEL ?? 'warn' }, forceCloseConnections: true });
// RELAY_BUS: this node shares channels with others through NATS (the cross-node measurement).
const bus = process.env.RELAY_BUS ? { servers: process.env.RELAY_BUS.split(','), heartbeatMs: 1000 } : null;
await app.register(relayPlugin, { limits, bus });
await app.relay.bus?.whenReady();
await app.ready();

const frames: FrameEvent[] = [];

function capture(socket: WebSocket, request: IncomingMessage): void {
  const peer: Peer = String(request.headers.origin ?? '').startsWith('chrome-extension://') ? 'extension' : 'phone';
  socket.prependListener('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    if (!isBinary) return;
    const bytes = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
    frames.push({ dir: 'in', peer, t: now(), bytes });
  });
  const send = socket.send.bind(socket) as (data: unknown, ...rest: unknown[]) => void;
  socket.send = ((data: unknown, ...rest: unknown[]) => {
    // Control messages (strings) are the relay's own; only forwarded binary frames count.
    if (typeof data !== 'string') frames.push({ dir: 'out', peer, t: now(), bytes: (data as Uint8Array).byteLength });
    send(data, ...rest);
  }) as WebSocket['send'];
}

if (process.env.BENCH_CAPTURE_FRAMES === '1') app.relay.onConnection(capture);

await app.listen({ port: env('PORT', 0), host: process.env.HOST ?? '127.0.0.1' });

serveParent({
  stats: () => ({ relay: app.relay.stats(), memory: process.memoryUsage(), cpu: process.cpuUsage() }),
  /** Collect garbage before a memory reading (the child runs with --expose-gc). */
  gc: () => globalThis.gc?.(),
  /** Resolves once every relay connection has closed. */
  idle: () => untilIdle(() => app.relay.stats().connections),
  /** What the heap holds, by constructor (see heap.ts). */
  'heap-census': () => heapCensus(),
  /** Hand over the captured frame events and start afresh. */
  frames: () => frames.splice(0),
});

process.on('SIGTERM', () => {
  app.close().finally(() => process.exit(0));
});
