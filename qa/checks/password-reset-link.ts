// Recovery by email: the link (or code) the site mails works once. A reset link that works again
// lets anyone who later reads the mailbox, the browser history or a proxy log take the account.
import { randomBytes } from 'node:crypto';
import { linkShape } from '../mailbox/link-shape.ts';
import { watchMailbox, matching } from '../mailbox/wait.ts';
import { createAccount, mailboxOf, valuesOf } from './support/account.ts';
import { signOut } from './support/auth.ts';
import { accepted, judgedStep, mustSucceed, refused } from './support/expect.ts';
import { fillAndSubmit, formOutcome, submitForm } from './support/form.ts';
import { missing, PASSWORD_SIGN_IN } from './support/requires.ts';
import type { Check } from './types.ts';

const newPassword = () => `Pk-${randomBytes(12).toString('base64url')}-reset`;

export const passwordResetLink: Check = {
  id: 'password-reset-link',
  title: 'A password reset link from the email works once',
  requirement: 'ASVS V2.5.6 (secure recovery); OWASP Forgot Password Cheat Sheet (single-use reset tokens)',
  unsupported: (profile) => missing(profile, 'passwordReset', 'mailbox', ...PASSWORD_SIGN_IN),
  account: () => ({ from: ['password-only'], leaves: 'spent', changes: 'changes its password through the emailed link' }),
  run: async (ctx) => {
    const reset = ctx.profile.passwordReset!;
    const account = await createAccount(ctx);
    await signOut(ctx, account);
    const watch = await watchMailbox(mailboxOf(ctx), account.email);
    await ctx.step('Ask for a password reset by email', async () => {
      mustSucceed(await submitForm(ctx, reset.request, valuesOf(account)), 'Asking for a reset');
    });
    const sent = await ctx.step('Read the reset email from the mailbox', async () => {
      const found = await watch.next(matching(new RegExp(reset.email, 'i')), ctx.timeoutMs);
      const isLink = /^https?:\/\//i.test(found.value);
      ctx.note(isLink ? `link: ${linkShape(found.value)}` : 'a code');
      return { value: found.value, isLink };
    });
    /** Opens the link (or the page the code goes into) and sets `password`. */
    const complete = async (password: string) => {
      if (sent.isLink) await ctx.page.goto(sent.value);
      const values = valuesOf(account, { newPassword: password, emailCode: sent.value });
      await fillAndSubmit(ctx, reset.complete, values);
      return formOutcome(ctx, reset.complete, values);
    };
    const first = newPassword();
    await judgedStep(ctx, 'Set a new password through it', () => complete(first), accepted('The emailed reset did not set a new password'));
    await judgedStep(
      ctx,
      'Sign in with the new password',
      () => submitForm(ctx, ctx.profile.signIn!.password!, valuesOf({ ...account, password: first })),
      accepted('The new password did not sign in'),
    );
    account.password = first;
    await signOut(ctx, account);
    await judgedStep(ctx, `Use the same ${sent.isLink ? 'link' : 'code'} again`, () => complete(newPassword()), refused(`the same password reset ${sent.isLink ? 'link' : 'code'} a second time`));
  },
};
