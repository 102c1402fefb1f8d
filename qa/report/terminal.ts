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

/** One line, whatever the site wrote: CI logs are read line by line. */
const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

/** What a check's summary line ends with: the requirement, the failure, or the skip reason. */
function outcomeOf(check: CheckResult): string {
  if (check.status === 'failed') return `${check.kind}: ${oneLine(check.message)}`;
  if (check.status === 'skipped') return `skipped: ${oneLine(check.reason)}`;
  return check.requirement;
}

/**
 * The summary: one line per check (status, id, time, and the requirement, the failure or the skip
 * reason), so a CI log shows every outcome with `grep -E '^  (PASS|FAIL|SKIP)'`; then the totals.
 */
export function terminalSummary(run: RunResult, write: Write): void {
  const t = totals(run);
  const idWidth = Math.max(...run.checks.map((c) => c.id.length), 5);
  write('');
  write(`Pairkey QA: ${run.profile.name} at ${run.site} in ${run.browser}`);
  for (const check of run.checks) {
    write(`  ${MARK[check.status]}  ${check.id.padEnd(idWidth)}  ${seconds(check.durationMs).padStart(7)}  ${outcomeOf(check)}`);
  }
  write(`${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped in ${seconds(run.durationMs)}`);
}

/** GitHub Actions workflow commands: each failed check becomes an error annotation on the run. */
export function githubAnnotations(run: RunResult, write: Write): void {
  // Workflow command values escape %, CR and LF (actions/toolkit's escapeData / escapeProperty).
  const data = (text: string) => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const property = (text: string) => data(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
  for (const check of run.checks) {
    if (check.status !== 'failed') continue;
    write(`::error title=${property(`pairkey qa ${check.id} (${check.kind})`)}::${data(`${check.message}\n${check.requirement}`)}`);
  }
}
