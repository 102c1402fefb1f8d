import { createAccount, valuesOf } from './support/account.ts';
import { signOut, trySignIn } from './support/auth.ts';
import { addSecurityKey } from './support/factors.ts';
import { accepted, judgedStep, mustSucceed } from './support/expect.ts';
import { submitForm } from './support/form.ts';
import { missing, PASSWORD_SIGN_IN } from './support/requires.ts';
import { passwordSignIn } from './support/auth.ts';
import { Finding, type Check } from './types.ts';

export const securityKeySecondFactor: Check = {
  id: 'security-key-second-factor',
  title: 'A security key works as the second factor, and the password alone no longer signs in',
  requirement: 'SP 800-63B §4.2.1 (AAL2: two factors) and §5.1.7 (single-factor cryptographic device); WebAuthn L3 §7.2',
  unsupported: (profile) => missing(profile, 'securityKey.add', 'securityKey.signIn', ...PASSWORD_SIGN_IN),
  account: () => ({ from: ['password-only'], leaves: 'security-key-registered', changes: 'adds a security key held by the phone (2FA on)' }),
  run: async (ctx) => {
    const account = await createAccount(ctx);
    await addSecurityKey(ctx, account);
    await signOut(ctx, account);
    const signIn = passwordSignIn(ctx.profile);
    await judgedStep(
      ctx,
      'Sign in with the password',
      () => submitForm(ctx, signIn.password, valuesOf(account), { alsoSuccess: [signIn.secondFactor] }),
      (ctx, outcome) => {
        mustSucceed(outcome, 'The password step');
        if (outcome.kind === 'success' && outcome.marker === 0) throw new Finding('The password alone signed in although the account has a security key');
        ctx.note('the site asks for a second factor');
      },
    );
    await judgedStep(
      ctx,
      'Use the security key held by the phone',
      () => trySignIn(ctx, ctx.profile.securityKey!.signIn!, account),
      accepted('The registered security key did not complete the sign-in'),
    );
  },
};
