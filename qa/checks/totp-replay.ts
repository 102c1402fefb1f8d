// A code that signed in once must not sign in again, even within its time step and drift window.
import { createAccount } from './support/account.ts';
import { enterPassword, signOut, trySignIn } from './support/auth.ts';
import { enrolTotp } from './support/factors.ts';
import { judgedStep, refused, succeeds } from './support/expect.ts';
import { missing, PASSWORD_SIGN_IN } from './support/requires.ts';
import { freshTotpCode } from './support/totp-codes.ts';
import type { Check } from './types.ts';

export const totpReplay: Check = {
  id: 'totp-replay',
  title: 'A TOTP code that was used once is refused the second time',
  requirement: 'SP 800-63B §5.1.4.2 (OTP accepted only once); ASVS V2.8.4',
  unsupported: (profile) => missing(profile, 'totp.enrol', 'totp.signIn', ...PASSWORD_SIGN_IN),
  account: () => ({ from: ['totp-enrolled', 'password-only'], leaves: 'totp-enrolled', changes: 'enrols an authenticator app when it has none' }),
  run: async (ctx) => {
    const form = ctx.profile.totp!.signIn!;
    const account = await createAccount(ctx);
    if (!account.otpauth) await enrolTotp(ctx, account);
    await signOut(ctx, account);
    await enterPassword(ctx, account);
    const code = await freshTotpCode(ctx, account);
    await judgedStep(ctx, `Sign in with code ${code}`, () => trySignIn(ctx, form, account, { totp: code }), succeeds('Signing in with a fresh code'));
    await signOut(ctx, account);
    await enterPassword(ctx, account);
    await judgedStep(ctx, `Sign in with the same code ${code} again`, () => trySignIn(ctx, form, account, { totp: code }), refused(`TOTP code ${code} a second time`));
  },
};
