// What a run found: per check its outcome and its steps, with a screenshot after each step.

export type CheckStatus = 'passed' | 'failed' | 'skipped';

/**
 * Why a check failed: `finding` — the site did what the requirement forbids (or refused what it
 * must accept); `error` — the check could not get through the site's flow (a selector that matches
 * nothing, a page that never answered), so the requirement was not tested.
 */
export type FailureKind = 'finding' | 'error';

export interface StepResult {
  title: string;
  status: 'passed' | 'failed';
  durationMs: number;
  notes: string[];
  /** The error that ended the step. */
  error: string | null;
  /** The page right after the step: a JPEG (PNG accepted too; the report names the type from the bytes). */
  screenshot: Buffer | null;
}

export type CheckResult = {
  id: string;
  title: string;
  requirement: string;
  durationMs: number;
  steps: StepResult[];
} & (
  | { status: 'passed' }
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; kind: FailureKind; message: string }
);

export interface RunResult {
  profile: { name: string; file: string };
  site: string;
  browser: 'chromium' | 'firefox';
  startedAt: string;
  durationMs: number;
  checks: CheckResult[];
}

export interface Totals {
  passed: number;
  failed: number;
  skipped: number;
}

export function totals(run: RunResult): Totals {
  const count = (status: CheckStatus) => run.checks.filter((c) => c.status === status).length;
  return { passed: count('passed'), failed: count('failed'), skipped: count('skipped') };
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
