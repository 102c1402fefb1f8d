// An authenticator app enrolled from its QR code, then used instead of the security key the site
// asks for first: the fallback a person needs when the key is not at hand.
import { createAccount } from './support/account.ts';
import { enterPassword, signOut, trySignIn } from './support/auth.ts';
import { addSecurityKey, enrolTotp } from './support/factors.ts';
import { accepted, judgedStep } from './support/expect.ts';
import { missing, PASSWORD_SIGN_IN } from './support/requires.ts';
import { freshTotpCode } from './support/totp-codes.ts';
import type { Check } from './types.ts';

export const totpEnrolmentFallback: Check = {
  id: 'totp-enrolment-fallback',
  title: 'An authenticator app enrolled from the QR code signs in as a fallback',
  requirement: 'SP 800-63B §5.1.4 (single-factor OTP device); RFC 6238 (TOTP)',
  unsupported: (profile) => missing(profile, 'totp.enrol', 'totp.signIn', ...PASSWORD_SIGN_IN),
  account: (profile) => ({
    from: ['password-only'],
    leaves: 'totp-enrolled',
    changes: profile.securityKey?.add ? 'adds a security key and an authenticator app' : 'adds an authenticator app',
  }),
  run: async (ctx) => {
    const account = await createAccount(ctx);
    const withKey = ctx.profile.securityKey?.add !== undefined;
    if (withKey) await addSecurityKey(ctx, account);
    await enrolTotp(ctx, account);
    await signOut(ctx, account);
    await enterPassword(ctx, account);
    await judgedStep(
      ctx,
      withKey ? 'Use the authenticator app instead of the security key' : 'Enter a code from the authenticator app',
      async () => trySignIn(ctx, ctx.profile.totp!.signIn!, account, { totp: await freshTotpCode(ctx, account) }),
      accepted('A current code from the enrolled app did not sign in'),
    );
  },
};
