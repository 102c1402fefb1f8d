// The chaos run: the soak's load (test/soak/load.ts, riding through faults) against a harness
// server this run controls, on a small tmpfs when it can mount one, while the faults of
// faults.ts are injected in turn. Afterwards: every fault's result, and the run's own problems —
// a request that hung, a frame lost without its sender being told, a request refused outside
// any fault, or anything committed missing from the database at the end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerProcess } from '../faults/support/server-process.ts';
import { mountSmallDisk, type SmallDisk } from '../faults/support/small-disk.ts';
import { NatsProcess, RelayNodeProcess } from '../relay-cluster/support.ts';
import { runLoad, SIGN_IN_KINDS, type SignInKind, type SoakReport } from '../soak/load.ts';
import { committedProblems, type Watermarks } from './database.ts';
import { FAULTS, type FaultName, type FaultResult } from './faults.ts';
import { Progress } from './progress.ts';

export interface ChaosOptions {
  rounds: number;
  faults: readonly FaultName[];
  users: Record<SignInKind, number>;
  channelPairs: number;
  /** Every kind of sign-in and the relay must work again this long after a fault is cleared. */
  recoveryBoundMs: number;
  /** A request unanswered this long hangs (a failure). */
  requestTimeoutMs: number;
  log: (line: string) => void;
}

export interface ChaosReport {
  results: FaultResult[];
  load: SoakReport;
  problems: string[];
}

/** Accounts are made before the load's clock starts: slow on a loaded machine. */
const WARM_UP_BOUND_MS = 600_000;

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const { log } = options;
  const disk: SmallDisk | string = options.faults.includes('disk-full') ? mountSmallDisk('64m') : 'the disk-full fault was not asked for';
  if (typeof disk === 'string' && options.faults.includes('disk-full')) log(`disk-full fault skipped: ${disk}`);
  const dataDir = typeof disk === 'string' ? mkdtempSync(join(tmpdir(), 'pairkey-chaos-')) : disk.path;
  const server = await ServerProcess.create(dataDir);
  const progress = new Progress();
  const stop = new AbortController();
  const watermarks: Watermarks = new Map();
  const results: FaultResult[] = [];
  const problems: string[] = [];
  let live: SoakReport | undefined;
  await server.start();
  // The relay across nodes: a nats-server and two relay nodes, carrying every other channel pair.
  const nats = await NatsProcess.start();
  const nodes: RelayNodeProcess[] = [];
  try {
    nodes.push(await RelayNodeProcess.start(nats), await RelayNodeProcess.start(nats));
    const cluster = { nats, nodes: nodes as [RelayNodeProcess, RelayNodeProcess] };
    const load = runLoad(server, {
      durationMs: 60 * 60_000,
      users: options.users,
      channelPairs: options.channelPairs,
      framesPerChannel: 100,
      sampleEveryMs: 10_000,
      log,
      faultTolerant: { retryMs: 250 },
      requestTimeoutMs: options.requestTimeoutMs,
      stop: stop.signal,
      relayGroups: [[`ws://127.0.0.1:${server.port}`], nodes.map((node) => node.url)],
      live: (report) => (live = report),
      onProgress: progress.note,
    });
    // A load that fails outright (accounts could not be made) ends the run.
    const failed = load.then(() => Promise.reject(new Error('the load ended before the faults')));
    failed.catch(() => undefined);
    try {
      await Promise.race([failed, Promise.all([...SIGN_IN_KINDS, 'frame' as const, 'cluster-frame' as const].map((what) => progress.next(what, 0, WARM_UP_BOUND_MS)))]);
      log('load running: every kind of sign-in and the relay work');
      for (let round = 1; round <= options.rounds; round++) {
        for (const fault of options.faults) {
          const report = live!;
          const before = { refusals: report.refusals.length, told: report.framesToldDropped, lost: report.lostFrames.length };
          log(`round ${round}: ${fault}`);
          const result = await Promise.race([failed, FAULTS[fault]({ server, disk, cluster, progress, report, watermarks, recoveryBoundMs: options.recoveryBoundMs, log })]);
          const refused = report.refusals.slice(before.refusals);
          result.notes.push(`${refused.length} requests refused`, `${report.framesToldDropped - before.told} load frames reported dropped`);
          if (report.lostFrames.length > before.lost) result.problems.push(`${report.lostFrames.length - before.lost} frame(s) lost silently: ${report.lostFrames.slice(before.lost, before.lost + 3).join('; ')}`);
          results.push(result);
          log(`  ${result.skipped ? `skipped: ${result.skipped}` : `recovered in ${(result.recoveryMs / 1000).toFixed(1)} s; ${result.notes.join('; ')}${result.problems.length ? `; PROBLEMS: ${result.problems.join('; ')}` : ''}`}`);
        }
      }
    } finally {
      stop.abort();
      await load.catch((error: unknown) => problems.push(`the load failed: ${(error as Error).message}`));
    }
    const report = live!;
    // Refusals are expected only while a fault lasts: from its start until every kind recovered.
    const windows = results.map((r) => [r.startedAt, Math.max(r.clearedAt, ...Object.values(r.recoveredAt))] as const);
    const stray = report.refusals.filter(({ at }) => !windows.some(([from, to]) => at >= from && at <= to));
    if (stray.length > 0) problems.push(`${stray.length} request(s) refused outside any fault, e.g. ${stray.slice(0, 3).map((r) => r.what).join('; ')}`);
    if (report.hungRequests.length > 0) problems.push(`${report.hungRequests.length} request(s) hung: ${report.hungRequests.slice(0, 3).join('; ')}`);
    if (report.lostFrames.length > 0) problems.push(`${report.lostFrames.length} frame(s) lost without their sender being told`);
    await server.stop();
    problems.push(...committedProblems(dataDir, report.ledgers, watermarks).map((p) => `at the end: ${p}`));
    for (const result of results) problems.push(...result.problems.map((p) => `${result.fault}: ${p}`));
    return { results, load: report, problems };
  } finally {
    for (const node of nodes) await node.kill();
    await nats.stop();
    await server.stop();
    if (typeof disk === 'string') rmSync(dataDir, { recursive: true, force: true });
    else disk.unmount();
  }
}

/** One line per fault for the docs' table and the run's summary. */
export function resultLines(results: FaultResult[]): string[] {
  return results.map((r) =>
    r.skipped
      ? `${r.fault.padEnd(13)} skipped: ${r.skipped}`
      : `${r.fault.padEnd(13)} lost ${r.problems.length === 0 ? 'nothing committed' : `${r.problems.length} problem(s)`}; recovery ${(r.recoveryMs / 1000).toFixed(1)} s (${Object.entries(r.recoveredAt)
          .map(([what, at]) => `${what} ${((at - r.clearedAt) / 1000).toFixed(1)}`)
          .join(', ')}); ${r.notes.join('; ')}`,
  );
}
