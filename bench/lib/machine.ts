// What the numbers were measured on, and how busy the machine was meanwhile: results from a
// shared 2-core machine mean little without both.
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';

export interface Machine {
  cpuModel: string;
  cores: number;
  ramGiB: number;
  os: string;
  node: string;
  chromium: string;
  openFilesLimit: number | null;
}

export interface LoadSample {
  at: string;
  /** 1, 5 and 15 minute load averages. */
  loadavg: [number, number, number];
}

function chromiumVersion(executable: string): string {
  try {
    // Debian's wrapper script prints a shell warning on stderr before the version; keep stdout.
    return execFileSync(executable, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/** This process's (and its children's) limit on open files: it bounds the relay connection test. */
export function openFilesLimit(): number | null {
  try {
    const value = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
    return /^\d+$/.test(value) ? Number(value) : null;
  } catch {
    return null;
  }
}

export function describeMachine(chromiumExecutable: string): Machine {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `Linux ${release()}`,
    node: process.version,
    chromium: chromiumVersion(chromiumExecutable),
    openFilesLimit: openFilesLimit(),
  };
}

export function sampleLoad(): LoadSample {
  const [one, five, fifteen] = loadavg();
  return { at: new Date().toISOString(), loadavg: [one!, five!, fifteen!].map((v) => Math.round(v * 100) / 100) as [number, number, number] };
}

/**
 * A 1-minute load average above this share of the cores, before our run started, means other
 * work was competing for the CPU; the report says so.
 */
export const BUSY_LOAD_PER_CORE = 0.25;

export function wasBusy(before: LoadSample, cores: number): boolean {
  return before.loadavg[0] > BUSY_LOAD_PER_CORE * cores;
}
