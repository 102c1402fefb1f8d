// The fresh test account each check creates, so checks never depend on one another.
import { randomBytes } from 'node:crypto';
import type { Profile } from '../../profile/schema.ts';
import { render, type TemplateValues } from '../../profile/template.ts';
import type { CheckContext } from '../types.ts';
import { mustSucceed } from './expect.ts';
import { awaitMarkers, submitForm } from './form.ts';

export interface TestAccount {
  readonly username: string;
  readonly email: string;
  readonly password: string;
  readonly keyName: string;
  /** The authenticator app's otpauth:// URI, once enrolled. */
  otpauth: string | null;
  /** The last TOTP time step a code was used for (the site refuses it and older ones). */
  lastTotpStep: number;
  /** Backup codes not used yet, as the site last showed them. */
  backupCodes: string[];
  /** The account was created by registering a passkey (a passkey-only site's sign-up). */
  holdsPasskey: boolean;
}

export function newAccount(profile: Profile): TestAccount {
  const random = randomBytes(5).toString('hex');
  const base = { random };
  const username = render(profile.account?.username ?? 'qa{random}', base);
  const email = render(profile.account?.email ?? '{username}@example.com', { ...base, username });
  // Long, random and free of the username: passes any sensible password policy.
  const password = render(profile.account?.password ?? 'Pk-{secret}-qa', { ...base, username, secret: randomBytes(12).toString('base64url') });
  return { username, email, password, keyName: `QA key ${random}`, otpauth: null, lastTotpStep: -1, backupCodes: [], holdsPasskey: false };
}

/** The template values of an account; `extra` adds or overrides (a code, a wrong password). */
export function valuesOf(account: TestAccount, extra: TemplateValues = {}): TemplateValues {
  return { username: account.username, email: account.email, password: account.password, keyName: account.keyName, ...extra };
}

/** Every http(s) link in an outbox body (JSON or HTML). */
export function linksIn(body: string): string[] {
  return [...body.matchAll(/https?:\/\/[^\s"'<>\\]+/g)].map((m) => m[0].replace(/&amp;/g, '&'));
}

async function verificationLink(ctx: CheckContext, account: TestAccount): Promise<string> {
  const spec = ctx.profile.verifyEmail!;
  const outbox = new URL(render(spec.outbox, valuesOf(account)), ctx.site);
  const pattern = new RegExp(spec.link, 'i');
  const deadline = Date.now() + ctx.timeoutMs;
  for (;;) {
    const response = await fetch(outbox);
    if (!response.ok) throw new Error(`The outbox ${outbox.href} answered ${response.status}`);
    const link = linksIn(await response.text()).find((l) => pattern.test(l));
    if (link) return link;
    if (Date.now() >= deadline) throw new Error(`No link matching /${spec.link}/ reached ${outbox.href}`);
    // Mail may be sent after the page answered; ask again.
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Sign up a new account (with the sign-up form, else on a passkey-only site by registering a
 * passkey) and, when the profile says how, verify its email address.
 */
export async function createAccount(ctx: CheckContext): Promise<TestAccount> {
  const account = newAccount(ctx.profile);
  const { signUp } = ctx.profile;
  const passkeySignUp = ctx.profile.passkey?.signUp;
  if (signUp) {
    await ctx.step(`Sign up as ${account.username}`, async () => {
      mustSucceed(await submitForm(ctx, signUp, valuesOf(account)), 'Signing up');
    });
  } else if (passkeySignUp) {
    await ctx.step(`Sign up as ${account.username} with a passkey held by the phone`, async () => {
      mustSucceed(await submitForm(ctx, passkeySignUp, valuesOf(account)), 'Signing up with a passkey');
    });
    account.holdsPasskey = true;
  } else {
    // The profile loader refuses such a profile; a profile built in code may still lack both.
    throw new Error('profile has no signUp or passkey.signUp');
  }
  const verify = ctx.profile.verifyEmail;
  if (verify) {
    await ctx.step('Open the verification link from the outbox', async () => {
      const link = await verificationLink(ctx, account);
      ctx.note(`link: ${link.replace(/(token=)[^&]+/, '$1…')}`);
      await ctx.page.goto(link);
      mustSucceed(await awaitMarkers(ctx, [verify.success], valuesOf(account)), 'Verifying the email address');
    });
  }
  return account;
}
