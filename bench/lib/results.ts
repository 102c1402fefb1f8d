// The shape of every suite's result, written as JSON (bench/results/<suite>.json) and rendered
// as markdown. Every headline number carries the baseline it was measured against in the same
// run; targets are reported as met or missed, never asserted.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadSample, Machine } from './machine.ts';
import { ratio } from './stats.ts';

export interface Baseline {
  label: string;
  value: number;
}

export interface TargetCheck {
  /** How the issue states it, e.g. "≤ 2× baseline". */
  text: string;
  met: boolean;
}

export interface Row {
  metric: string;
  unit: string;
  value: number;
  baseline?: Baseline;
  /** value / baseline.value */
  ratio?: number;
  target?: TargetCheck;
  note?: string;
}

export interface Table {
  title: string;
  columns: string[];
  rows: (string | number)[][];
}

export interface SuiteResult {
  suite: string;
  title: string;
  /** Iteration counts, sizes, durations: what it takes to reproduce the numbers. */
  params: Record<string, unknown>;
  rows: Row[];
  tables: Table[];
  notes: string[];
  /** Full summaries for anyone who wants more than the table shows. */
  details?: unknown;
}

export interface RunInfo {
  mode: 'full' | 'smoke';
  startedAt: string;
  finishedAt: string;
  durationS: number;
  machine: Machine;
  load: { before: LoadSample; after: LoadSample };
  otherWorkRunning: boolean;
}

export function row(metric: string, unit: string, value: number, extra: Omit<Row, 'metric' | 'unit' | 'value'> = {}): Row {
  const out: Row = { metric, unit, value, ...extra };
  if (extra.baseline && extra.ratio === undefined) out.ratio = ratio(value, extra.baseline.value);
  return out;
}

export const atMost = (limit: number, value: number, text: string): TargetCheck => ({ text, met: value <= limit });
export const atLeast = (limit: number, value: number, text: string): TargetCheck => ({ text, met: value >= limit });

export function writeResults(dir: string, run: RunInfo, suites: SuiteResult[]): string[] {
  mkdirSync(dir, { recursive: true });
  return suites.map((suite) => {
    const path = join(dir, `${suite.suite}.json`);
    writeFileSync(path, `${JSON.stringify({ run, ...suite }, null, 2)}\n`);
    return path;
  });
}
