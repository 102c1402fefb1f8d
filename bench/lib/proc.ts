// Reading another process's memory from /proc, so a server is measured without its cooperation.
import { readFileSync } from 'node:fs';

/** Resident set size of `pid`, in bytes (Linux). */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

export const MiB = 2 ** 20;
