// Judging a step's outcome inside the step, so the step that shows a finding is the one marked
// failed in the report, with its screenshot.
import type { CheckContext } from '../types.ts';
import { Finding } from '../types.ts';
import { describeOutcome, type Outcome } from './outcome.ts';

export type Judge = (ctx: CheckContext, outcome: Outcome) => void;

/** Setting up, not the thing under test: anything but success means the check cannot go on. */
export function mustSucceed(outcome: Outcome, what: string): void {
  if (outcome.kind !== 'success') throw new Error(`${what}: ${describeOutcome(outcome)}`);
}

export const succeeds =
  (what: string): Judge =>
  (_, outcome) =>
    mustSucceed(outcome, what);

/** The requirement says the site must refuse this; `accepted` completes "The site accepted …". */
export const refused =
  (accepted: string): Judge =>
  (ctx, outcome) => {
    if (outcome.kind === 'success') throw new Finding(`The site accepted ${accepted}`);
    ctx.note(`the site ${describeOutcome(outcome)}`);
  };

/** The requirement says this must work; `failed` completes "… did not work: <outcome>". */
export const accepted =
  (failed: string): Judge =>
  (_, outcome) => {
    if (outcome.kind !== 'success') throw new Finding(`${failed}: ${describeOutcome(outcome)}`);
  };

/** One step: make the attempt, then judge what the site showed. */
export function judgedStep(ctx: CheckContext, title: string, attempt: () => Promise<Outcome>, judge: Judge): Promise<Outcome> {
  return ctx.step(title, async () => {
    const outcome = await attempt();
    judge(ctx, outcome);
    return outcome;
  });
}
