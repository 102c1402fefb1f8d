// CPU profiles of a process, taken with the V8 inspector around one phase of a benchmark (what
// `node --cpu-prof` records, but limited to the phase) and boiled down to where the time went.
import { Session } from 'node:inspector/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Table } from './results.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface HotSpot {
  function: string;
  /** Source location, relative to the repository where possible. */
  location: string;
  selfMs: number;
  selfShare: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Share of samples where the process was idle (waiting for I/O). */
  idleShare: number;
  top: HotSpot[];
  /** Self time by package (node_modules/<name>), by our own code, by Node internals. */
  byPackage: { name: string; share: number }[];
}

let session: Session | null = null;

export async function startProfile(): Promise<void> {
  session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
}

export async function stopProfile(): Promise<CpuProfile> {
  if (!session) throw new Error('no profile is running');
  const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
  session.disconnect();
  session = null;
  return profile;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function place(url: string): string {
  if (!url) return '(native)';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  return path.startsWith(ROOT) ? relative(ROOT, path) : path;
}

function packageOf(location: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(location);
  if (match) return match[1]!;
  if (location.startsWith('node:') || location === '(native)') return 'node / V8';
  return location.split('/')[0] ?? location;
}

export function summarizeProfile(profile: CpuProfile, top = 12): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const byFunction = new Map<string, HotSpot>();
  const packages = new Map<string, number>();
  let idle = 0;
  for (const [id, ms] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') {
      idle += ms;
      continue;
    }
    const location = `${place(url)}${url ? `:${lineNumber + 1}` : ''}`;
    const key = `${functionName}@${location}`;
    const spot = byFunction.get(key) ?? { function: functionName || '(anonymous)', location, selfMs: 0, selfShare: 0 };
    spot.selfMs += ms;
    byFunction.set(key, spot);
    const pkg = functionName === '(garbage collector)' ? 'garbage collector' : packageOf(place(url));
    packages.set(pkg, (packages.get(pkg) ?? 0) + ms);
  }
  const spots = [...byFunction.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, top);
  for (const s of spots) s.selfShare = s.selfMs / totalMs;
  return {
    totalMs,
    idleShare: idle / totalMs,
    top: spots,
    byPackage: [...packages].map(([name, ms]) => ({ name, share: ms / totalMs })).sort((a, b) => b.share - a.share).slice(0, top),
  };
}

/** Run `work` under the profiler in this process. */
export async function profiled<T>(work: () => Promise<T>): Promise<{ result: T; profile: ProfileSummary }> {
  await startProfile();
  try {
    const result = await work();
    return { result, profile: summarizeProfile(await stopProfile()) };
  } catch (error) {
    await stopProfile();
    throw error;
  }
}

/** The hottest functions of a profile, as a report table. */
export function profileTable(title: string, profile: ProfileSummary): Table {
  return {
    title: `${title} (${Math.round(profile.totalMs)} ms profiled, ${Math.round(profile.idleShare * 100)}% idle; by package: ${profile.byPackage
      .slice(0, 5)
      .map((p) => `${p.name} ${Math.round(p.share * 100)}%`)
      .join(', ')})`,
    columns: ['function', 'where', 'self ms', 'share'],
    rows: profile.top.map((s) => [s.function, s.location, s.selfMs, `${(s.selfShare * 100).toFixed(1)}%`]),
  };
}
