// Codes an authenticator app would show, chosen so a site that accepts each time step once still
// accepts the next code: a step after the last one used, ahead of the clock by at most the drift
// the site allows, else after waiting for the clock to get there.
import { randomInt } from 'node:crypto';
import { parse } from '@otplib/uri';
import { totpCode } from '../../totp.ts';
import type { CheckContext } from '../types.ts';
import type { TestAccount } from './account.ts';

function periodOf(otpauth: string): number {
  return parse(otpauth).params.period ?? 30;
}

function digitsOf(otpauth: string): number {
  return parse(otpauth).params.digits ?? 6;
}

const stepAt = (ms: number, period: number) => Math.floor(ms / 1000 / period);

function enrolled(account: TestAccount): string {
  if (!account.otpauth) throw new Error('The account has no authenticator app');
  return account.otpauth;
}

/** A code the site has not seen, marked used. */
export async function freshTotpCode(ctx: CheckContext, account: TestAccount): Promise<string> {
  const otpauth = enrolled(account);
  const period = periodOf(otpauth);
  const drift = ctx.profile.totp?.driftSteps ?? 1;
  const step = Math.max(stepAt(Date.now(), period), account.lastTotpStep + 1);
  const waitMs = (step - drift) * period * 1000 - Date.now();
  // The next unused step is beyond the drift the site allows: wait until the clock is close enough.
  if (waitMs > 0) {
    ctx.note(`waiting ${Math.ceil(waitMs / 1000)} s for the next time step`);
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
  account.lastTotpStep = step;
  return totpCode(otpauth, { at: new Date(step * period * 1000) });
}

/** A code of the right shape that no nearby time step produces. */
export async function wrongTotpCode(account: TestAccount): Promise<string> {
  const otpauth = enrolled(account);
  const period = periodOf(otpauth);
  const digits = digitsOf(otpauth);
  const now = stepAt(Date.now(), period);
  const near = new Set<string>();
  for (let step = now - 3; step <= now + 3; step++) near.add(await totpCode(otpauth, { at: new Date(step * period * 1000) }));
  for (;;) {
    const candidate = String(randomInt(10 ** digits)).padStart(digits, '0');
    if (!near.has(candidate)) return candidate;
  }
}
