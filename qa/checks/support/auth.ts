// Signing in and out through the profile's forms.
import type { FormSpec, MarkerSpec, Profile } from '../../profile/schema.ts';
import type { TemplateValues } from '../../profile/template.ts';
import type { CheckContext } from '../types.ts';
import { valuesOf, type TestAccount } from './account.ts';
import { mustSucceed } from './expect.ts';
import { submitForm } from './form.ts';
import type { Outcome } from './outcome.ts';

export async function signOut(ctx: CheckContext, account: TestAccount): Promise<void> {
  await ctx.step('Sign out', async () => mustSucceed(await submitForm(ctx, ctx.profile.signOut, valuesOf(account)), 'Signing out'));
}

/** The password form and second-factor marker; checks that call this listed them in `unsupported`. */
export function passwordSignIn(profile: Profile): { password: FormSpec; secondFactor: MarkerSpec } {
  const password = profile.signIn?.password;
  const secondFactor = profile.signIn?.secondFactor;
  if (!password || !secondFactor) throw new Error('profile has no signIn.password and signIn.secondFactor');
  return { password, secondFactor };
}

/** The password step of an account with 2FA: the site must then ask for the second factor. */
export async function enterPassword(ctx: CheckContext, account: TestAccount): Promise<void> {
  const signIn = passwordSignIn(ctx.profile);
  await ctx.step('Sign in with the password (then a second factor)', async () => {
    const outcome = await submitForm(ctx, signIn.password, valuesOf(account), { alsoSuccess: [signIn.secondFactor] });
    mustSucceed(outcome, 'The password step');
    if (outcome.kind === 'success' && outcome.marker === 0) throw new Error('After the password the site showed a signed-in page, not a second-factor prompt');
  });
}

/** One second-factor (or passkey) attempt; the outcome is the caller's to judge. */
export function trySignIn(ctx: CheckContext, form: FormSpec, account: TestAccount, extra: TemplateValues = {}): Promise<Outcome> {
  return submitForm(ctx, form, valuesOf(account, extra));
}
