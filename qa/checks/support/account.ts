// The fresh test account each check creates, so checks never depend on one another.
import { randomBytes } from 'node:crypto';
import type { Profile } from '../../profile/schema.ts';
import { render, type TemplateValues } from '../../profile/template.ts';
import { linkShape } from '../../mailbox/link-shape.ts';
import { openMailbox, type Mailbox } from '../../mailbox/mailbox.ts';
import { watchMailbox, type Picker } from '../../mailbox/wait.ts';
import type { CheckContext, GivenLease } from '../types.ts';
import { mustSucceed } from './expect.ts';
import { awaitMarkers, submitForm } from './form.ts';
import { freshTotpCode } from './totp-codes.ts';

export interface TestAccount {
  readonly username: string;
  readonly email: string;
  /** Changed by a check that resets it. */
  password: string;
  readonly keyName: string;
  /** The authenticator app's otpauth:// URI, once enrolled. */
  otpauth: string | null;
  /** The last TOTP time step a code was used for (the site refuses it and older ones). */
  lastTotpStep: number;
  /** Backup codes not used yet, as the site last showed them. */
  backupCodes: string[];
  /** The phone holds a passkey for it (added, or registered at a passkey-only site's sign-up). */
  holdsPasskey: boolean;
  /** The phone holds a security key (second factor) for it. */
  holdsSecurityKey: boolean;
}

export function newAccount(profile: Profile): TestAccount {
  const random = randomBytes(5).toString('hex');
  const base = { random };
  const username = render(profile.account?.username ?? 'qa{random}', base);
  const email = render(profile.account?.email ?? '{username}@example.com', { ...base, username });
  // Long, random and free of the username: passes any sensible password policy.
  const password = render(profile.account?.password ?? 'Pk-{secret}-qa', { ...base, username, secret: randomBytes(12).toString('base64url') });
  return { username, email, password, keyName: `QA key ${random}`, otpauth: null, lastTotpStep: -1, backupCodes: [], holdsPasskey: false, holdsSecurityKey: false };
}

/** The template values of an account; `extra` adds or overrides (a code, a wrong password). */
export function valuesOf(account: TestAccount, extra: TemplateValues = {}): TemplateValues {
  return { username: account.username, email: account.email, password: account.password, keyName: account.keyName, ...extra };
}

/** Every http(s) link in an outbox body (JSON or HTML). */
export function linksIn(body: string): string[] {
  return [...body.matchAll(/https?:\/\/[^\s"'<>\\]+/g)].map((m) => m[0].replace(/&amp;/g, '&'));
}

/** The link a test mailbox listing (verifyEmail.outbox) shows; every link in it is considered. */
async function outboxLink(ctx: CheckContext, account: TestAccount, outboxTemplate: string, pattern: RegExp): Promise<string> {
  const outbox = new URL(render(outboxTemplate, valuesOf(account)), ctx.site);
  const deadline = Date.now() + ctx.timeoutMs;
  for (;;) {
    const response = await fetch(outbox);
    if (!response.ok) throw new Error(`The outbox ${outbox.href} answered ${response.status}`);
    const link = linksIn(await response.text()).find((l) => pattern.test(l));
    if (link) return link;
    if (Date.now() >= deadline) throw new Error(`No link matching /${pattern.source}/ reached ${outbox.href}`);
    // Mail may be sent after the page answered; ask again.
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The profile's mailbox API (a profile without one was refused for the flows that need it). */
export function mailboxOf(ctx: CheckContext): Mailbox {
  if (!ctx.profile.mailbox) throw new Error('profile has no mailbox');
  return openMailbox(ctx.profile.mailbox, ctx.site);
}

/** A link in an email that matches `pattern` (a pattern on the link, as verifyEmail.link). */
export const linkMatching = (pattern: RegExp): Picker => ({
  describe: `with a link matching /${pattern.source}/`,
  pick: (body) => linksIn(body).find((l) => pattern.test(l)) ?? null,
});

/** Sign in to a given account as it is (its state says which factors), ending signed in. */
async function signInGiven(ctx: CheckContext, lease: GivenLease): Promise<TestAccount> {
  const { account, state, use } = lease;
  const fate = use.leaves === 'spent' ? 'used up: no later check gets it' : `${use.leaves}`;
  const values = valuesOf(account);
  const password = ctx.profile.signIn?.password;
  const needPassword = () => {
    if (!password) throw new Error('Given accounts sign in with signIn.password, which the profile lacks');
    return password;
  };
  await ctx.step(`Sign in as the given account ${account.username} (${state})`, async () => {
    ctx.note(`this check ${use.changes}; afterwards the account is ${fate}`);
    if (state === 'passkey-registered') {
      mustSucceed(await submitForm(ctx, ctx.profile.passkey!.signIn!, values), 'Signing in with the passkey');
      return;
    }
    const secondFactor = ctx.profile.signIn?.secondFactor;
    const outcome = await submitForm(ctx, needPassword(), values, { alsoSuccess: secondFactor ? [secondFactor] : [] });
    mustSucceed(outcome, 'The password step');
    const askedForMore = outcome.kind === 'success' && outcome.marker === 1;
    if (state === 'password-only' && askedForMore) throw new Error(`After the password the site asked for a second factor: ${account.username} is not password-only`);
    if (state !== 'password-only' && !askedForMore) throw new Error(`After the password the site signed in: ${account.username} has no second factor, so it is not ${state}`);
  });
  if (state === 'totp-enrolled') {
    await ctx.step('Enter a code from the authenticator app', async () => {
      const code = await freshTotpCode(ctx, account);
      mustSucceed(await submitForm(ctx, ctx.profile.totp!.signIn!, valuesOf(account, { totp: code })), 'Signing in with an app code');
    });
  } else if (state === 'security-key-registered') {
    await ctx.step('Use the security key held by the phone', async () => {
      mustSucceed(await submitForm(ctx, ctx.profile.securityKey!.signIn!, values), 'Signing in with the security key');
    });
  }
  return account;
}

/**
 * The account a check starts with: the given account reserved for it, signed in; else a new
 * account signed up (with the sign-up form, else on a passkey-only site by registering a
 * passkey), its email address verified when the profile says how.
 */
export async function createAccount(ctx: CheckContext): Promise<TestAccount> {
  if (ctx.given) return signInGiven(ctx, ctx.given);
  const account = newAccount(ctx.profile);
  const { signUp } = ctx.profile;
  const passkeySignUp = ctx.profile.passkey?.signUp;
  const verify = ctx.profile.verifyEmail;
  // Only mail sent after the sign-up is read.
  const watch = verify && !verify.outbox ? await watchMailbox(mailboxOf(ctx), account.email) : null;
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
    // The profile loader refuses such a profile unless accounts are given; then checks get one.
    throw new Error('profile has no signUp or passkey.signUp');
  }
  if (verify) {
    await ctx.step(`Open the verification link from the ${watch ? 'mailbox' : 'outbox'}`, async () => {
      const pattern = new RegExp(verify.link, 'i');
      const link = watch ? (await watch.next(linkMatching(pattern), ctx.timeoutMs)).value : await outboxLink(ctx, account, verify.outbox!, pattern);
      ctx.note(`link: ${linkShape(link)}`);
      await ctx.page.goto(link);
      mustSucceed(await awaitMarkers(ctx, [verify.success], valuesOf(account)), 'Verifying the email address');
    });
  }
  return account;
}
