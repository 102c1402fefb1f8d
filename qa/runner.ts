// Runs checks one after another in one browser with one paired phone. Each check gets its own
// tab and its own account; a check that fails (or throws) is recorded and the run goes on.
import type { Driver, DriverPage } from './browser/driver.ts';
import type { AccountPool } from './checks/support/given-accounts.ts';
import type { Check, CheckContext } from './checks/types.ts';
import { Finding } from './checks/types.ts';
import type { QaPhone } from './phone.ts';
import type { Profile } from './profile/schema.ts';
import type { CheckResult, RunResult, StepResult } from './report/types.ts';

/** The browser with the extension and the phone paired with it. */
export interface Session {
  driver: Driver;
  phone: QaPhone;
}

/** What the runner tells as it goes (the terminal prints it). */
export interface Progress {
  checkStarted(check: Check, index: number, total: number): void;
  stepFinished(step: StepResult): void;
  checkFinished(result: CheckResult): void;
}

export interface RunOptions {
  profile: Profile;
  profileFile: string;
  site: URL;
  checks: readonly Check[];
  session: Session;
  timeoutMs: number;
  progress: Progress;
  /** A page on another origin within the site's RP ID (see CheckContext.siblingOrigin). */
  siblingOrigin: () => Promise<string>;
  /** Given accounts (instead of signing up), and where they came from for messages. */
  accounts?: { pool: AccountPool; source: string } | null;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function screenshotOf(page: DriverPage): Promise<Buffer | null> {
  try {
    return await page.screenshotReport();
  } catch {
    // A closed or crashed page: the step result says why; the report shows no picture.
    return null;
  }
}

async function runOne(check: Check, options: RunOptions): Promise<CheckResult> {
  const { profile, site, session, progress } = options;
  const base = { id: check.id, title: check.title, requirement: check.requirement };
  const reason = check.unsupported(profile, site);
  if (reason !== null) return { ...base, status: 'skipped', reason, durationMs: 0, steps: [] };
  // With given accounts, a check that needs an account takes one in a state it can start from.
  const use = options.accounts ? check.account(profile) : null;
  const lease = use && options.accounts ? options.accounts.pool.reserve(check.id, use) : null;
  if (use && options.accounts && !lease) {
    return { ...base, status: 'skipped', reason: options.accounts.pool.refusal(use, options.accounts.source), durationMs: 0, steps: [] };
  }

  const started = Date.now();
  const steps: StepResult[] = [];
  const page = await session.driver.newPage();
  const extraPages: DriverPage[] = [];
  let current: StepResult | null = null;
  const ctx: CheckContext = {
    profile,
    site,
    driver: session.driver,
    page,
    phone: session.phone,
    timeoutMs: options.timeoutMs,
    siblingOrigin: options.siblingOrigin,
    given: lease,
    newPage: async () => {
      const extra = await session.driver.newPage();
      extraPages.push(extra);
      return extra;
    },
    // A note made after a step (judging its outcome) belongs to that step.
    note: (text) => (current ?? steps.at(-1))?.notes.push(text),
    step: async (title, action) => {
      const step: StepResult = { title, status: 'passed', durationMs: 0, notes: [], error: null, screenshot: null };
      const outer = current;
      current = step;
      steps.push(step);
      const stepStarted = Date.now();
      try {
        return await action();
      } catch (error) {
        step.status = 'failed';
        step.error = messageOf(error);
        throw error;
      } finally {
        step.durationMs = Date.now() - stepStarted;
        step.screenshot = await screenshotOf(page);
        current = outer;
        progress.stepFinished(step);
      }
    },
  };

  let result: CheckResult;
  try {
    await check.run(ctx);
    result = { ...base, status: 'passed', durationMs: Date.now() - started, steps };
  } catch (error) {
    const kind = error instanceof Finding ? 'finding' : 'error';
    result = { ...base, status: 'failed', kind, message: messageOf(error), durationMs: Date.now() - started, steps };
  } finally {
    // A check that failed half-way must not leave its phone misbehaving for the next one.
    session.phone.behave();
    await Promise.allSettled([page, ...extraPages].map((p) => p.close()));
  }
  if (lease && options.accounts) options.accounts.pool.release(lease, check.id, result.status === 'passed');
  return result;
}

export async function runChecks(options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const checks: CheckResult[] = [];
  for (const [index, check] of options.checks.entries()) {
    options.progress.checkStarted(check, index, options.checks.length);
    let result: CheckResult;
    try {
      result = await runOne(check, options);
    } catch (error) {
      // The browser itself failed (no tab could be opened): record it and try the next check.
      const base = { id: check.id, title: check.title, requirement: check.requirement, durationMs: 0, steps: [] };
      result = { ...base, status: 'failed', kind: 'error', message: messageOf(error) };
    }
    checks.push(result);
    options.progress.checkFinished(result);
  }
  return {
    profile: { name: options.profile.name, file: options.profileFile },
    site: options.site.href,
    browser: options.session.driver.browserName,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    checks,
  };
}
