// The faults the chaos run injects while the load runs, one at a time. Each returns what it
// measured: when it started, when it was cleared (the server listening again, space freed, the
// flood over), when each kind of sign-in and the relay next succeeded, and what went wrong.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type WebSocket from 'ws';
import { pairingSeat } from '../../shared/protocol/relay-seat.ts';
import type { ServerProcess } from '../faults/support/server-process.ts';
import type { SmallDisk } from '../faults/support/small-disk.ts';
import type { NatsProcess, RelayNodeProcess } from '../relay-cluster/support.ts';
import { joinChannel, SIGN_IN_KINDS, type SoakReport } from '../soak/load.ts';
import { committedProblems, type Watermarks } from './database.ts';
import type { Progress, Progressing } from './progress.ts';

export const FAULT_NAMES = ['server-crash', 'disk-full', 'stuck-reader', 'relay-node-kill', 'nats-restart'] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

export interface FaultContext {
  server: ServerProcess;
  /** The data directory's small tmpfs, or why there is none (the disk-full fault is then skipped). */
  disk: SmallDisk | string;
  /** Two relay nodes on a nats-server (RELAY_BUS), carrying some of the load's channel pairs. */
  cluster: { nats: NatsProcess; nodes: [RelayNodeProcess, RelayNodeProcess] };
  progress: Progress;
  report: SoakReport;
  watermarks: Watermarks;
  /** How long after a fault is cleared every kind of sign-in and the relay must work again. */
  recoveryBoundMs: number;
  log: (line: string) => void;
}

export interface FaultResult {
  fault: FaultName;
  skipped?: string;
  startedAt: number;
  clearedAt: number;
  /** First success of each kind of sign-in and of a relay frame after the fault was cleared. */
  recoveredAt: Partial<Record<Progressing, number>>;
  /** Longest time from clearing the fault to a kind's first success. */
  recoveryMs: number;
  /** Problems: anything committed that was lost, a bound missed, a frame lost silently. */
  problems: string[];
  /** What the fault cost the clients (refused requests, frames their senders were told were dropped). */
  notes: string[];
}

const EVERYTHING: Progressing[] = [...SIGN_IN_KINDS, 'frame'];

/** Waits for the first success of each kind after `clearedAt`, within the recovery bound. */
async function recovery(ctx: FaultContext, clearedAt: number, whats: Progressing[] = EVERYTHING): Promise<Pick<FaultResult, 'recoveredAt' | 'recoveryMs' | 'problems'>> {
  const recoveredAt: Partial<Record<Progressing, number>> = {};
  const problems: string[] = [];
  await Promise.all(
    whats.map(async (what) => {
      try {
        recoveredAt[what] = await ctx.progress.next(what, clearedAt, ctx.recoveryBoundMs);
      } catch (error) {
        problems.push(`${(error as Error).message} after the fault was cleared`);
      }
    }),
  );
  const recoveryMs = Math.max(0, ...Object.values(recoveredAt).map((at) => at - clearedAt));
  return { recoveredAt, recoveryMs, problems };
}

/** SIGKILL of the harness server under load, the database checked while it is down, then a restart. */
async function serverCrash(ctx: FaultContext): Promise<FaultResult> {
  const startedAt = Date.now();
  await ctx.server.kill();
  const lost = committedProblems(ctx.server.dataDir, ctx.report.ledgers, ctx.watermarks);
  await ctx.server.start();
  const clearedAt = Date.now();
  const recovered = await recovery(ctx, clearedAt);
  return { fault: 'server-crash', startedAt, clearedAt, ...recovered, problems: [...lost, ...recovered.problems], notes: [`down ${((clearedAt - startedAt) / 1000).toFixed(1)} s (restart included)`] };
}

/** The disk fills up under the running server for `FULL_FOR_MS`, then space is freed. */
const FULL_FOR_MS = 8_000;
async function diskFull(ctx: FaultContext): Promise<FaultResult> {
  const startedAt = Date.now();
  if (typeof ctx.disk === 'string') {
    return { fault: 'disk-full', skipped: ctx.disk, startedAt, clearedAt: startedAt, recoveredAt: {}, recoveryMs: 0, problems: [], notes: [] };
  }
  const freeSpace = ctx.disk.fill();
  // The fault's length, not a wait for an event: the load's writes fail meanwhile.
  await new Promise((resolve) => setTimeout(resolve, FULL_FOR_MS));
  freeSpace();
  const clearedAt = Date.now();
  const problems = ctx.server.running ? [] : ['the server died when the disk filled up'];
  const recovered = await recovery(ctx, clearedAt);
  problems.push(...committedProblems(ctx.server.dataDir, ctx.report.ledgers, ctx.watermarks), ...recovered.problems);
  return { fault: 'disk-full', startedAt, clearedAt, ...recovered, problems, notes: [`full for ${FULL_FOR_MS / 1000} s`] };
}

/** The relay's bound on one socket's send buffer (docs/server.md): 16 × RELAY_MAX_FRAME_BYTES. */
const RELAY_MAX_BUFFERED = 16 * 65536;
const STUCK_FRAME_BYTES = 60 * 1024;
const STUCK_FRAMES = 800;

/** Largest receive and send buffers the kernel may give a TCP socket (what it may hold besides the relay). */
function kernelBufferMax(): number {
  const max = (file: string) => Number(readFileSync(file, 'utf8').trim().split(/\s+/)[2]);
  return max('/proc/sys/net/ipv4/tcp_rmem') + max('/proc/sys/net/ipv4/tcp_wmem');
}

/**
 * Beside the load, one channel whose phone peer stops reading while the extension peer floods it
 * (48 MB). The relay must bound what it buffers for the stuck peer and tell the sender of every
 * frame it drops: once the peer reads again, frames delivered + frames the sender was told were
 * dropped = frames sent, exactly. If the relay disconnects the stuck peer instead (it misses a
 * heartbeat), the sender is told by `peers` 1.
 */
async function stuckReader(ctx: FaultContext): Promise<FaultResult> {
  const startedAt = Date.now();
  const problems: string[] = [];
  const secret = randomBytes(32);
  const base = `ws://127.0.0.1:${ctx.server.port}`;
  const abort = new AbortController();
  const [sender, stuck] = (await Promise.all([joinChannel(base, pairingSeat(secret, 'extension'), abort.signal), joinChannel(base, pairingSeat(secret, 'phone'), abort.signal)])) as [WebSocket, WebSocket];
  let told = 0;
  let peerLeft = false;
  let delivered = 0;
  let deliveredBytes = 0;
  let markerSeen = false;
  let resumed = false;
  /** Markers: small frames sent behind the flood once the peer reads again (counted as sent). */
  let markersSent = 0;
  let settle: () => void = () => undefined;
  const settled = new Promise<void>((resolve) => (settle = resolve));
  const check = () => {
    if ((markerSeen && delivered + told === STUCK_FRAMES + markersSent) || peerLeft) settle();
  };
  const sendMarker = () => {
    markersSent += 1;
    sender.send(Buffer.from([0xff, 0xff, 0xff, 0xff]), { binary: true });
  };
  sender.on('message', (data, binary) => {
    if (binary) return;
    const control = JSON.parse(data.toString()) as { type: string; count?: number };
    if (control.type === 'dropped') told += control.count ?? 0;
    if (control.type === 'peers' && control.count !== 2) peerLeft = true;
    // A marker can itself be dropped while the relay's buffer still drains: send another.
    if (control.type === 'dropped' && resumed && !markerSeen) sendMarker();
    check();
  });
  stuck.on('message', (data, binary) => {
    if (!binary) return;
    const frame = data as Buffer;
    delivered += 1;
    if (frame.byteLength === 4 && frame.readUInt32BE(0) === 0xffffffff) markerSeen = true;
    else deliveredBytes += frame.byteLength;
    check();
  });
  try {
    stuck.pause();
    const frame = randomBytes(STUCK_FRAME_BYTES);
    for (let seq = 0; seq < STUCK_FRAMES; seq++) {
      frame.writeUInt32BE(seq, 0);
      await new Promise<void>((resolve, reject) => sender.send(frame, { binary: true }, (error) => (error ? reject(error) : resolve())));
    }
    // The stuck peer reads again; a last frame behind the flood shows when it has everything.
    stuck.resume();
    resumed = true;
    sendMarker();
    const bound = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ctx.recoveryBoundMs).unref());
    if ((await Promise.race([settled, bound])) === 'timeout') {
      problems.push(`stuck reader: ${delivered} delivered + ${told} reported dropped of ${STUCK_FRAMES + markersSent} sent, not settled within ${ctx.recoveryBoundMs / 1000} s`);
    }
  } finally {
    sender.close();
    stuck.close();
  }
  const clearedAt = Date.now();
  const notes = [`${STUCK_FRAMES} frames of ${STUCK_FRAME_BYTES / 1024} KiB + ${markersSent} marker(s): ${delivered} delivered, ${told} reported dropped${peerLeft ? ', the relay disconnected the stuck peer (sender told by peers 1)' : ''}`];
  if (!peerLeft && told === 0) problems.push('stuck reader: the relay dropped nothing for a peer that did not read (it buffered without bound, or the kernel took it all)');
  const mostHeld = kernelBufferMax() + RELAY_MAX_BUFFERED + STUCK_FRAME_BYTES;
  if (deliveredBytes > mostHeld) problems.push(`stuck reader: ${deliveredBytes} bytes were held for a peer that did not read, more than the kernel's buffers and the relay's bound allow (${mostHeld})`);
  // Nothing to recover from for the rest of the load; measured anyway: everything works after the flood.
  const recovered = await recovery(ctx, clearedAt);
  return { fault: 'stuck-reader', startedAt, clearedAt, ...recovered, problems: [...problems, ...recovered.problems], notes };
}

/**
 * SIGKILL of one relay node: its sockets die, the peers on the other node are told (`peers` 1,
 * when the bus's heartbeat declares the node dead), and clients join again on any node (picked at
 * random, as a load balancer would fail over). The fault is cleared at once (the other node
 * serves); the killed node is started again after the load recovered, for the next round.
 */
async function relayNodeKill(ctx: FaultContext): Promise<FaultResult> {
  const [victim] = ctx.cluster.nodes;
  const startedAt = Date.now();
  await victim.kill();
  const clearedAt = Date.now();
  const recovered = await recovery(ctx, clearedAt, ['cluster-frame']);
  await victim.resume();
  return { fault: 'relay-node-kill', startedAt, clearedAt, ...recovered, notes: ['one of two nodes killed; clients fail over to the other'] };
}

/** nats-server killed (SIGKILL) and started again on its port: the nodes reconnect to the bus. */
async function natsRestart(ctx: FaultContext): Promise<FaultResult> {
  const startedAt = Date.now();
  await ctx.cluster.nats.stop();
  await ctx.cluster.nats.resume();
  const clearedAt = Date.now();
  const recovered = await recovery(ctx, clearedAt, ['cluster-frame']);
  return { fault: 'nats-restart', startedAt, clearedAt, ...recovered, notes: [`bus down ${((clearedAt - startedAt) / 1000).toFixed(1)} s`] };
}

export const FAULTS: Record<FaultName, (ctx: FaultContext) => Promise<FaultResult>> = {
  'server-crash': serverCrash,
  'disk-full': diskFull,
  'stuck-reader': stuckReader,
  'relay-node-kill': relayNodeKill,
  'nats-restart': natsRestart,
};
