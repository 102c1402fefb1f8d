// The terminal side of a run: a line per check and per step as they happen, then a summary.
import type { Check } from '../checks/types.ts';
import type { Progress } from '../runner.ts';
import { seconds, totals, type CheckResult, type RunResult, type StepResult } from './types.ts';

export type Write = (line: string) => void;

const MARK = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP' } as const;

export function terminalProgress(write: Write): Progress {
  return {
    checkStarted: (check: Check, index: number, total: number) => write(`[${index + 1}/${total}] ${check.id}: ${check.title}`),
    stepFinished: (step: StepResult) => {
      write(`    ${step.status === 'passed' ? '✓' : '✗'} ${step.title} (${seconds(step.durationMs)})`);
      for (const note of step.notes) write(`        ${note}`);
      if (step.error) write(`        ${step.error}`);
    },
    checkFinished: (result: CheckResult) => {
      if (result.status === 'skipped') write(`  ${MARK.skipped} ${result.id}: ${result.reason}`);
      else if (result.status === 'failed') write(`  ${MARK.failed} ${result.id} (${result.kind}): ${result.message}`);
      else write(`  ${MARK.passed} ${result.id} (${seconds(result.durationMs)})`);
    },
  };
}

export function terminalSummary(run: RunResult, write: Write): void {
  const t = totals(run);
  const idWidth = Math.max(...run.checks.map((c) => c.id.length), 5);
  write('');
  write(`Pairkey QA: ${run.profile.name} at ${run.site} in ${run.browser}`);
  for (const check of run.checks) {
    write(`  ${MARK[check.status]}  ${check.id.padEnd(idWidth)}  ${check.requirement}`);
    if (check.status === 'failed') write(`        ${check.message}`);
    if (check.status === 'skipped') write(`        skipped: ${check.reason}`);
  }
  write(`${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped in ${seconds(run.durationMs)}`);
}
