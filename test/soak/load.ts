// Sustained load on the harness server (relay and relying party) for a bounded time, run in a
// child process on a file-backed data directory so its memory can be sampled from outside:
//   - relay: channel pairs that bounce sequence-numbered binary frames back and forth, with
//     channels closed and reopened as they go (rendezvous bookkeeping must not leak);
//   - RP: accounts signing in with their passkeys in a loop (options, verify, /api/me), at a
//     per-IP limit raised for the one load-generating address.
// Every frame must come back and every request must get a 200: a lost one is a failure.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { TestBrowser } from '../../harness-server/testing.ts';
import type { Authenticator } from '../../shared/authenticator/index.ts';
import { pairingSeat, type RelaySeat } from '../../shared/protocol/relay-seat.ts';
import { PASSKEY_VERIFY, passkeyAccount, passkeyAssertion } from '../security/support/rp-flows.ts';
import { ServerProcess } from '../faults/support/server-process.ts';

export interface SoakOptions {
  durationMs: number;
  /** Accounts signing in concurrently. */
  users: number;
  /** Relay channel pairs exchanging frames concurrently. */
  channelPairs: number;
  /** Round trips on one channel before it is closed and a new one opened. */
  framesPerChannel: number;
  sampleEveryMs: number;
  log?: (line: string) => void;
}

export interface RssSample {
  atMs: number;
  rssMb: number;
}

export interface SoakReport {
  durationMs: number;
  requests: number;
  failedRequests: string[];
  /** Milliseconds per RP request. */
  latency: { p50: number; p99: number; max: number };
  framesSent: number;
  framesEchoed: number;
  lostFrames: string[];
  channelsOpened: number;
  rss: RssSample[];
  serverCrashed: boolean;
}

const FRAME_TIMEOUT_MS = 10_000;

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
  return kb / 1024;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Opens one socket on a channel; resolves when the relay says both peers are there. */
function joinChannel(base: string, seat: RelaySeat): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${base}/relay/${seat.channel}`);
    socket.once('open', () => socket.send(JSON.stringify(seat.join)));
    socket.binaryType = 'nodebuffer';
    // Also after opening: a reset socket must end in a lost frame, not an unhandled error.
    socket.on('error', reject);
    socket.on('message', function onControl(data, binary) {
      if (binary) return;
      const control = JSON.parse(data.toString()) as { type: string; count?: number };
      if (control.type === 'peers' && control.count === 2) {
        socket.off('message', onControl);
        resolve(socket);
      }
    });
  });
}

/** One channel pair bouncing frames until the deadline, reopening its channel now and then. */
async function relayPair(base: string, options: SoakOptions, deadline: number, report: SoakReport): Promise<void> {
  while (Date.now() < deadline) {
    const secret = randomBytes(32);
    const [a, b] = await Promise.all([joinChannel(base, pairingSeat(secret, 'extension')), joinChannel(base, pairingSeat(secret, 'phone'))]);
    report.channelsOpened += 1;
    // B is the echo side: every binary frame goes straight back.
    b.on('message', (data, binary) => {
      if (binary) b.send(data as Buffer, { binary: true });
    });
    try {
      for (let seq = 0; seq < options.framesPerChannel && Date.now() < deadline; seq++) {
        const frame = randomBytes(64 + Math.floor(Math.random() * 4032));
        frame.writeUInt32BE(seq, 0);
        const echoed = new Promise<Buffer | string>((resolve) => {
          const timer = setTimeout(() => resolve('no echo within 10 s'), FRAME_TIMEOUT_MS);
          const onMessage = (data: WebSocket.RawData, binary: boolean) => {
            if (!binary) {
              const control = JSON.parse(data.toString()) as { type: string };
              if (control.type !== 'dropped') return;
              resolve('the relay dropped it');
            } else {
              resolve(data as Buffer);
            }
            clearTimeout(timer);
            a.off('message', onMessage);
          };
          a.on('message', onMessage);
        });
        a.send(frame, { binary: true });
        report.framesSent += 1;
        const back = await echoed;
        if (typeof back === 'string' || !back.equals(frame)) {
          report.lostFrames.push(`channel ${pairingSeat(secret, 'phone').channel.slice(0, 8)} frame ${seq}: ${typeof back === 'string' ? back : 'came back different'}`);
          break;
        }
        report.framesEchoed += 1;
      }
    } finally {
      a.close();
      b.close();
    }
  }
}

interface Account {
  browser: TestBrowser;
  authenticator: Authenticator;
}

/** One account signing in again and again until the deadline. */
async function rpUser(server: ServerProcess, account: Account, deadline: number, report: SoakReport, latencies: number[]): Promise<void> {
  /** Times one request; anything but a 200 (or a throw) is a lost request. */
  const request = async <T>(what: string, call: () => Promise<T>, status: (value: T) => number): Promise<T | null> => {
    const started = performance.now();
    report.requests += 1;
    try {
      const value = await call();
      latencies.push(performance.now() - started);
      if (status(value) === 200) return value;
      report.failedRequests.push(`${what}: ${status(value)} ${JSON.stringify(value).slice(0, 200)}`);
    } catch (error) {
      report.failedRequests.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
    return null;
  };
  const statusOf = (result: { status: number }) => result.status;
  while (Date.now() < deadline && report.failedRequests.length < 20) {
    // passkeyAssertion throws unless the options call answered 200.
    const assertion = await request('POST /api/passkey/options', () => passkeyAssertion(account.browser, account.authenticator, server.url), () => 200);
    if (!assertion) continue;
    await request(`POST ${PASSKEY_VERIFY}`, () => account.browser.post(PASSKEY_VERIFY, assertion), statusOf);
    await request('GET /api/me', () => account.browser.get('/api/me'), statusOf);
  }
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => undefined);
  const dataDir = mkdtempSync(join(tmpdir(), 'pairkey-soak-'));
  const server = await ServerProcess.create(dataDir);
  await server.start();
  const pid = server.pid!;
  const report: SoakReport = {
    durationMs: options.durationMs,
    requests: 0,
    failedRequests: [],
    latency: { p50: 0, p99: 0, max: 0 },
    framesSent: 0,
    framesEchoed: 0,
    lostFrames: [],
    channelsOpened: 0,
    rss: [],
    serverCrashed: false,
  };
  try {
    const accounts: Account[] = [];
    for (let i = 0; i < options.users; i++) {
      const browser = new TestBrowser(server.url);
      const { authenticator } = await passkeyAccount(browser, `soak-${i}`, server.url);
      accounts.push({ browser, authenticator });
    }
    const started = Date.now();
    const deadline = started + options.durationMs;
    const sample = () => {
      if (!server.running) return;
      const point = { atMs: Date.now() - started, rssMb: rssMb(pid) };
      report.rss.push(point);
      log(`${(point.atMs / 1000).toFixed(0).padStart(5)} s  rss ${point.rssMb.toFixed(1)} MB  requests ${report.requests}  frames ${report.framesEchoed}  channels ${report.channelsOpened}`);
    };
    sample();
    const sampler = setInterval(sample, options.sampleEveryMs);
    const latencies: number[] = [];
    const relayBase = `ws://127.0.0.1:${server.port}`;
    try {
      await Promise.all([
        ...accounts.map((account) => rpUser(server, account, deadline, report, latencies)),
        ...Array.from({ length: options.channelPairs }, () => relayPair(relayBase, options, deadline, report)),
      ]);
    } finally {
      clearInterval(sampler);
    }
    sample();
    latencies.sort((x, y) => x - y);
    report.latency = { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? 0 };
    report.serverCrashed = !server.running;
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return report;
}

export interface MemoryVerdict {
  baselineMb: number;
  finalMb: number;
  growthMb: number;
  /** Least-squares slope over the samples after warm-up, MB per minute. */
  slopeMbPerMin: number;
}

/**
 * Memory after warm-up (the first fifth of the run, when caches and JIT settle): the median of
 * the second fifth against the median of the last fifth, and the trend in between.
 */
export function memoryVerdict(samples: RssSample[]): MemoryVerdict {
  const end = samples.at(-1)?.atMs ?? 0;
  const window = (from: number, to: number) => samples.filter((s) => s.atMs >= from * end && s.atMs <= to * end).map((s) => s.rssMb);
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? 0;
  };
  const baselineMb = median(window(0.2, 0.4));
  const finalMb = median(window(0.8, 1));
  const settled = samples.filter((s) => s.atMs >= 0.2 * end);
  const n = settled.length;
  const meanX = settled.reduce((sum, s) => sum + s.atMs, 0) / n;
  const meanY = settled.reduce((sum, s) => sum + s.rssMb, 0) / n;
  const covariance = settled.reduce((sum, s) => sum + (s.atMs - meanX) * (s.rssMb - meanY), 0);
  const variance = settled.reduce((sum, s) => sum + (s.atMs - meanX) ** 2, 0);
  return { baselineMb, finalMb, growthMb: finalMb - baselineMb, slopeMbPerMin: variance === 0 ? 0 : (covariance / variance) * 60_000 };
}

/** What is wrong with a run, in words; empty when it passed. */
export function soakProblems(report: SoakReport, maxGrowthMb: number): string[] {
  const problems: string[] = [];
  if (report.serverCrashed) problems.push('the server process died');
  if (report.failedRequests.length > 0) problems.push(`${report.failedRequests.length} request(s) failed, e.g. ${report.failedRequests.slice(0, 3).join('; ')}`);
  if (report.lostFrames.length > 0) problems.push(`${report.lostFrames.length} frame(s) lost, e.g. ${report.lostFrames.slice(0, 3).join('; ')}`);
  if (report.framesSent !== report.framesEchoed + report.lostFrames.length) problems.push(`${report.framesSent} frames sent, ${report.framesEchoed} came back`);
  if (report.requests === 0 || report.framesEchoed === 0) problems.push('no load was generated');
  const memory = memoryVerdict(report.rss);
  if (memory.growthMb > maxGrowthMb) {
    problems.push(`server memory grew ${memory.growthMb.toFixed(1)} MB after warm-up (${memory.baselineMb.toFixed(1)} → ${memory.finalMb.toFixed(1)} MB, limit ${maxGrowthMb} MB)`);
  }
  return problems;
}
