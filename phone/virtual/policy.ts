// What the virtual phone's stand-in person does with a request: approve or deny, after some
// thinking time, with or without user verification. It is the part of the virtual phone that
// plugs into the phone core's answer hook in place of the app's request cards.
import type { RequestView } from '../core/requests.ts';

export interface PhonePolicy {
  /** What the person does with each request. */
  decision: 'approve' | 'deny';
  /** How long the person takes to decide. */
  delayMs: number;
  /** Whether the approval included user verification (an app PIN or biometrics). */
  userVerified: boolean;
}

export const DEFAULT_POLICY: PhonePolicy = { decision: 'approve', delayMs: 0, userVerified: true };

/** The person's answer; an approval may say for itself whether the user was verified. */
export type Decision = PhonePolicy['decision'] | { decision: 'approve'; userVerified: boolean };

/** Decides a request in place of the policy; rejects when `signal` aborts (the request was cancelled). */
export type Decider = (view: RequestView, signal: AbortSignal) => Promise<Decision>;

/** The policy's decision after its delay; rejects as soon as the request ends without an answer. */
export function decideByPolicy(policy: PhonePolicy, signal: AbortSignal): Promise<Decision> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('cancelled'));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(policy.decision);
    }, policy.delayMs);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error('cancelled'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Whether an approval verified the user: its own say, else the policy's. */
export function approvalVerifiesUser(decision: Exclude<Decision, 'deny'>, policy: PhonePolicy): boolean {
  return typeof decision === 'object' ? decision.userVerified : policy.userVerified;
}
