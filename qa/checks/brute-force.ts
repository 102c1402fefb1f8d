// Guessing must be limited: after a bounded number of wrong second-factor codes (or passwords,
// when the profile has no authenticator app) the site locks or throttles, and then even the right
// code does not get in at once.
import { createAccount, valuesOf, type TestAccount } from './support/account.ts';
import { enterPassword, passwordSignIn, signOut, trySignIn } from './support/auth.ts';
import { missing, PASSWORD_SIGN_IN } from './support/requires.ts';
import { enrolTotp } from './support/factors.ts';
import { submitForm } from './support/form.ts';
import { judgedStep, refused } from './support/expect.ts';
import { describeOutcome, type Outcome } from './support/outcome.ts';
import { freshTotpCode, wrongTotpCode } from './support/totp-codes.ts';
import { Finding, type Check, type CheckContext } from './types.ts';

const DEFAULT_MAX_ATTEMPTS = 10;

interface Target {
  what: string;
  setUp(account: TestAccount): Promise<void>;
  guess(account: TestAccount): Promise<Outcome>;
  right(account: TestAccount): Promise<Outcome>;
}

function totpTarget(ctx: CheckContext): Target {
  const form = ctx.profile.totp!.signIn!;
  return {
    what: 'authenticator app code',
    setUp: async (account) => {
      if (!account.otpauth) await enrolTotp(ctx, account);
      await signOut(ctx, account);
      await enterPassword(ctx, account);
    },
    guess: async (account) => trySignIn(ctx, form, account, { totp: await wrongTotpCode(account) }),
    right: async (account) => trySignIn(ctx, form, account, { totp: await freshTotpCode(ctx, account) }),
  };
}

function passwordTarget(ctx: CheckContext): Target {
  const signIn = passwordSignIn(ctx.profile);
  const attempt = (account: TestAccount, password: string) =>
    submitForm(ctx, signIn.password, valuesOf(account, { password }), { alsoSuccess: [signIn.secondFactor] });
  return {
    what: 'password',
    setUp: (account) => signOut(ctx, account),
    guess: (account) => attempt(account, `wrong-${account.password}`),
    right: (account) => attempt(account, account.password),
  };
}

export const bruteForce: Check = {
  id: 'brute-force',
  title: 'Guessing is limited: repeated wrong codes lock or throttle the account',
  requirement: 'SP 800-63B §5.2.2 (rate limiting); ASVS V2.2.1',
  // Codes after the password, else the password itself; a passkey-only site leaves nothing to guess.
  unsupported: (profile) => missing(profile, ...PASSWORD_SIGN_IN),
  account: (profile) => ({
    from: profile.totp?.enrol && profile.totp.signIn ? ['totp-enrolled', 'password-only'] : ['password-only'],
    leaves: 'spent',
    changes: 'guesses wrong until the site locks or throttles it',
  }),
  run: async (ctx) => {
    const target = ctx.profile.totp?.enrol && ctx.profile.totp.signIn ? totpTarget(ctx) : passwordTarget(ctx);
    const maxAttempts = ctx.profile.bruteForce?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    const lockout = ctx.profile.status.lockout ? new RegExp(ctx.profile.status.lockout, 'i') : null;
    const account = await createAccount(ctx);
    await target.setUp(account);

    let lockedAfter: number | null = null;
    for (let attempt = 1; attempt <= maxAttempts && lockedAfter === null; attempt++) {
      await judgedStep(ctx, `Wrong ${target.what}, guess ${attempt} of at most ${maxAttempts}`, () => target.guess(account), (ctx, outcome) => {
        refused(`a wrong ${target.what}`)(ctx, outcome);
        if (outcome.kind === 'failure' && lockout?.test(outcome.text)) {
          lockedAfter = attempt;
          ctx.note(`that is a lockout, after ${attempt} wrong guesses`);
        }
      });
    }

    await judgedStep(ctx, `The right ${target.what}, right after the guesses`, () => target.right(account), (ctx, outcome) => {
      if (outcome.kind === 'success') {
        throw new Finding(
          lockedAfter === null
            ? `${maxAttempts} wrong guesses in a row met no lockout or throttling, and the right ${target.what} then signed in at once`
            : `The site reported a lockout after ${lockedAfter} guesses, yet the right ${target.what} signed in at once`,
        );
      }
      ctx.note(`the right ${target.what} was ${describeOutcome(outcome)}`);
    });
  },
};
