// Backup (look-up) codes: each works once, and regenerating them invalidates every earlier one.
import { createAccount, valuesOf, type TestAccount } from './support/account.ts';
import { enterPassword, signOut, trySignIn } from './support/auth.ts';
import { NO_FIRST_FACTOR, firstFactorRoute, readBackupCodes, turnOnTwoFactor, twoFactorState } from './support/factors.ts';
import { judgedStep, mustSucceed, refused, succeeds, type Judge } from './support/expect.ts';
import { submitForm } from './support/form.ts';
import { missing, PASSWORD_SIGN_IN } from './support/requires.ts';
import type { Check, CheckContext } from './types.ts';

function useCode(ctx: CheckContext, account: TestAccount, code: string, title: string, judge: Judge) {
  return judgedStep(ctx, title, () => trySignIn(ctx, ctx.profile.backupCodes!.signIn!, account, { backupCode: code }), judge);
}

function codes(account: TestAccount, count: number): string[] {
  if (account.backupCodes.length < count) throw new Error(`The site showed ${account.backupCodes.length} backup codes; this check needs ${count}`);
  return account.backupCodes;
}

export const backupCodes: Check = {
  id: 'backup-codes',
  title: 'Backup codes work once and are invalidated when regenerated',
  requirement: 'SP 800-63B §5.1.2.2 (look-up secret used once); ASVS V2.6.1',
  unsupported: (profile) =>
    missing(profile, 'backupCodes.signIn', 'backupCodes.regenerate', ...PASSWORD_SIGN_IN) ?? (firstFactorRoute(profile) === null ? NO_FIRST_FACTOR : null),
  account: (profile) => ({ from: ['password-only'], leaves: twoFactorState(profile), changes: 'turns 2FA on, uses two backup codes and regenerates them' }),
  run: async (ctx) => {
    const account = await createAccount(ctx);
    await turnOnTwoFactor(ctx, account);
    const [first, second, third] = codes(account, 3) as [string, string, string];
    await signOut(ctx, account);

    await enterPassword(ctx, account);
    await useCode(ctx, account, first, `Sign in with backup code ${first}`, succeeds('Signing in with an unused backup code'));
    await signOut(ctx, account);

    await enterPassword(ctx, account);
    await useCode(ctx, account, first, `Sign in with the same backup code ${first} again`, refused(`backup code ${first} a second time`));
    await useCode(ctx, account, second, `Sign in with another backup code ${second}`, succeeds('Signing in with an unused backup code'));

    const fresh = await ctx.step('Regenerate the backup codes', async () => {
      mustSucceed(await submitForm(ctx, ctx.profile.backupCodes!.regenerate!, valuesOf(account)), 'Regenerating the backup codes');
      const shown = await readBackupCodes(ctx);
      if (shown.length === 0) throw new Error('No new backup codes were shown');
      ctx.note(`${shown.length} new codes`);
      return shown;
    });
    await signOut(ctx, account);

    await enterPassword(ctx, account);
    await useCode(ctx, account, third, `Sign in with ${third}, an unused code from before the regeneration`, refused(`backup code ${third} after the codes were regenerated`));
    await useCode(ctx, account, fresh[0]!, `Sign in with a new code ${fresh[0]}`, succeeds('Signing in with a regenerated backup code'));
  },
};
