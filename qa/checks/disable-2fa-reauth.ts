// Turning 2FA off is the change an attacker with a stolen session wants most: the site must ask
// for the password (and a second factor) again, and refuse wrong ones.
import { placeholders } from '../profile/template.ts';
import type { FormSpec } from '../profile/schema.ts';
import { createAccount, valuesOf } from './support/account.ts';
import { NO_FIRST_FACTOR, firstFactorRoute, turnOnTwoFactor } from './support/factors.ts';
import { judgedStep, mustSucceed, refused } from './support/expect.ts';
import { awaitMarkers, submitForm } from './support/form.ts';
import { missing } from './support/requires.ts';
import { freshTotpCode, wrongTotpCode } from './support/totp-codes.ts';
import { Finding, type Check } from './types.ts';

/** The values the disable form asks for ({password}, {totp}, {backupCode}…). */
function asksFor(form: FormSpec): Set<string> {
  return new Set([...Object.values(form.fields ?? {}), ...Object.values(form.select ?? {})].flatMap(placeholders));
}

export const disable2faReauth: Check = {
  id: 'disable-2fa-reauth',
  title: 'Turning 2FA off needs re-authentication; wrong credentials are refused',
  requirement: 'ASVS V3.7.1 (re-authentication before sensitive changes)',
  unsupported: (profile) => {
    const absent = missing(profile, 'disable2fa');
    if (absent) return absent;
    // Accounts signed up with a password, or given ones (which sign in with signIn.password), have one.
    if (asksFor(profile.disable2fa!).has('password') && !profile.signUp && !profile.signIn?.password) return 'the disable2fa form asks for {password}, and accounts made by passkey.signUp have none (profile has no signUp)';
    if (asksFor(profile.disable2fa!).has('totp')) return missing(profile, 'totp.enrol');
    return firstFactorRoute(profile) === null ? NO_FIRST_FACTOR : null;
  },
  account: (profile) => ({
    from: firstFactorRoute(profile) === 'totp' ? ['totp-enrolled', 'password-only'] : ['password-only'],
    leaves: 'password-only',
    changes: 'turns 2FA on when it is off, then off',
  }),
  run: async (ctx) => {
    const form = ctx.profile.disable2fa!;
    const asked = asksFor(form);
    const account = await createAccount(ctx);
    // A given account with an authenticator app has 2FA on already.
    if (!account.otpauth) await turnOnTwoFactor(ctx, account);
    if (!['password', 'totp', 'backupCode'].some((v) => asked.has(v))) ctx.note('the profile\'s disable2fa form asks for no password or code');

    await judgedStep(
      ctx,
      'Turn 2FA off with a wrong password and a wrong code',
      async () =>
        submitForm(ctx, form, valuesOf(account, {
          password: `not-${account.password}`,
          totp: account.otpauth ? await wrongTotpCode(account) : '000000',
          backupCode: 'aaaaa-aaaaa',
        })),
      refused('turning 2FA off with a wrong password and a wrong code'),
    );

    const settings = ctx.profile.settings;
    if (settings?.twoFactorOn) {
      await ctx.step('2FA is still on', async () => {
        await ctx.page.goto(new URL(settings.url, ctx.site).href);
        const still = await awaitMarkers(ctx, [settings.twoFactorOn!], valuesOf(account), false);
        if (still.kind !== 'success') throw new Finding('The site said no, but 2FA is off');
      });
    }

    await ctx.step('Turn 2FA off with the password and a current code', async () => {
      const extra = { ...(account.otpauth ? { totp: await freshTotpCode(ctx, account) } : {}), ...(account.backupCodes[0] ? { backupCode: account.backupCodes[0] } : {}) };
      mustSucceed(await submitForm(ctx, form, valuesOf(account, extra)), 'Turning 2FA off with the right credentials (without it, the refusal above proves nothing)');
    });
  },
};
