// Relay load generator, run in its own process: opens paired channels (two sockets per channel,
// as the extension and the phone would), then sends frames across a subset of them at a fixed
// offered rate and measures how long each takes to come out at the other end. Sender and receiver
// live in this one process, so one clock times both ends.
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { pairingSeat, type RelayJoin } from '../../shared/protocol/relay-seat.ts';
import { serveParent } from '../lib/serve-parent.ts';
import { summarize, type Summary } from '../lib/stats.ts';

interface Pair {
  a: WebSocket;
  b: WebSocket;
}

export interface ConnectRequest {
  url: string;
  /** Where the second socket of each channel goes (another relay node); default `url`. */
  urlB?: string;
  /** Total sockets wanted (two per channel), counting the ones already open. */
  connections: number;
  concurrency: number;
  timeoutMs: number;
}

export interface ConnectResult {
  connections: number;
  failed: number;
  firstError: string | null;
  ms: number;
}

export interface LoadRequest {
  activeChannels: number;
  /** Offered frames per second across all active channels. */
  rate: number;
  durationMs: number;
  frameBytes: number;
  /** How long to wait, after sending stops, for frames still in flight. */
  drainMs: number;
}

export interface LoadResult {
  sent: number;
  received: number;
  dropped: number;
  seconds: number;
  /** Frames received per second, from the first send to the last arrival. */
  achieved: number;
  latencyMs: Summary | null;
}

const pairs: Pair[] = [];
let baseUrl = '';
let baseUrlB = '';

/**
 * Sockets leave from 127.0.0.2-33 in turn: with tens of thousands of connections from one
 * address, finding a free ephemeral port for each new one gets slow (the kernel searches a range
 * that is mostly taken), which would time the generator instead of the relay.
 */
const SOURCE_ADDRESSES = 32;
let opened = 0;

/** Opens a socket and takes its seat (the join message first, as every relay client does). */
function open(url: string, join: RelayJoin, timeoutMs: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const localAddress = `127.0.0.${2 + (opened++ % SOURCE_ADDRESSES)}`;
    const socket = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs, localAddress });
    socket.once('open', () => {
      socket.send(JSON.stringify(join));
      resolve(socket);
    });
    socket.once('error', reject);
    socket.once('close', (code, reason) => reject(new Error(`closed ${code} ${reason.toString()}`)));
  });
}

async function openPair(timeoutMs: number): Promise<Pair> {
  const secret = randomBytes(32);
  const [extension, phone] = [pairingSeat(secret, 'extension'), pairingSeat(secret, 'phone')];
  const a = await open(`${baseUrl}/${extension.channel}`, extension.join, timeoutMs);
  try {
    const b = await open(`${baseUrlB}/${extension.channel}`, phone.join, timeoutMs);
    for (const s of [a, b]) {
      s.removeAllListeners('error').removeAllListeners('close');
      s.on('error', () => undefined);
    }
    return { a, b };
  } catch (error) {
    a.terminate();
    throw error;
  }
}

async function connect({ url, urlB, connections, concurrency, timeoutMs }: ConnectRequest): Promise<ConnectResult> {
  baseUrl = url;
  baseUrlB = urlB ?? url;
  const started = performance.now();
  const wanted = Math.floor(connections / 2) - pairs.length;
  let next = 0;
  let failed = 0;
  let firstError: string | null = null;
  const worker = async () => {
    while (next < wanted && failed === 0) {
      next++;
      try {
        pairs.push(await openPair(timeoutMs));
      } catch (error) {
        failed++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { connections: pairs.length * 2, failed, firstError, ms: performance.now() - started };
}

async function load({ activeChannels, rate, durationMs, frameBytes, drainMs }: LoadRequest): Promise<LoadResult> {
  const active = pairs.slice(0, activeChannels);
  if (active.length === 0) throw new Error('no channels are open');
  const expected = Math.ceil((rate * durationMs) / 1000);
  const latencies = new Float64Array(expected);
  let received = 0;
  let dropped = 0;
  let lastReceivedAt = 0;
  const onFrame = (data: WebSocket.RawData, isBinary: boolean) => {
    if (!isBinary) {
      // Notices are coalesced: each counts the frames dropped since the previous one.
      const control = JSON.parse(String(data)) as { type: string; count?: number };
      if (control.type === 'dropped') dropped += control.count ?? 1;
      return;
    }
    const sentAt = (data as Buffer).readDoubleLE(0);
    lastReceivedAt = performance.now();
    if (received < latencies.length) latencies[received] = lastReceivedAt - sentAt;
    received++;
  };
  for (const { a, b } of active) {
    a.on('message', onFrame);
    b.on('message', onFrame);
  }

  let sent = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    // Every millisecond, send whatever the offered rate says is due by now, round-robin.
    const tick = () => {
      const elapsed = performance.now() - started;
      const due = Math.min(expected, Math.floor((rate * Math.min(elapsed, durationMs)) / 1000));
      for (; sent < due; sent++) {
        const frame = Buffer.allocUnsafe(frameBytes);
        frame.writeDoubleLE(performance.now(), 0);
        active[sent % active.length]!.a.send(frame, { binary: true });
      }
      if (sent >= expected) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  // In-flight frames: wait for them, but never longer than drainMs.
  const drainUntil = performance.now() + drainMs;
  while (received + dropped < sent && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 5));
  for (const { a, b } of active) {
    a.off('message', onFrame);
    b.off('message', onFrame);
  }
  const measured = Math.min(received, latencies.length);
  // Throughput over the time frames kept arriving: a relay that falls behind delivers late, and
  // dividing by the sending window alone would credit it with the backlog.
  const seconds = (Math.max(lastReceivedAt, started + durationMs) - started) / 1000;
  return {
    sent,
    received,
    dropped,
    seconds,
    achieved: received / seconds,
    latencyMs: measured > 0 ? summarize(Array.from(latencies.subarray(0, measured))) : null,
  };
}

function closeAll(): number {
  const n = pairs.length * 2;
  for (const { a, b } of pairs.splice(0)) {
    a.terminate();
    b.terminate();
  }
  return n;
}

serveParent({
  connect: (p) => connect(p as ConnectRequest),
  load: (p) => load(p as LoadRequest),
  closeAll,
});
