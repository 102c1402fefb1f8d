// How a check gets a WebAuthn credential onto a test account and signs in with it: a passkey
// (signs in alone) when the profile has one, else a security key after the password.
import type { FormSpec, Profile } from '../../profile/schema.ts';
import type { AccountState, AccountUse, CheckContext } from '../types.ts';
import { createAccount, valuesOf, type TestAccount } from './account.ts';
import { enterPassword, signOut, trySignIn } from './auth.ts';
import { judgedStep, succeeds, type Judge } from './expect.ts';
import { addPasskey, addSecurityKey } from './factors.ts';
import { fillAndSubmit, formOutcome } from './form.ts';
import type { Outcome } from './outcome.ts';
import { missing, PASSWORD_SIGN_IN } from './requires.ts';
import { holdWebAuthn } from './webauthn-hold.ts';

export interface WebAuthnRoute {
  readonly kind: 'passkey' | 'security key';
  add(ctx: CheckContext, account: TestAccount): Promise<void>;
  /** The form that adds one (for checks that judge the registration itself). */
  readonly addForm: FormSpec;
  /** addForm is the passkey-only sign-up: it is used on a new account, not on a signed-in one. */
  readonly registersAtSignUp: boolean;
  /** The form whose submit makes the WebAuthn sign-in call. */
  readonly signInForm: FormSpec;
  /** Everything before that form (the password, for a security key). */
  beforeSignIn(ctx: CheckContext, account: TestAccount): Promise<void>;
}

const passkeyRoute = (profile: Profile): WebAuthnRoute => ({
  kind: 'passkey',
  add: addPasskey,
  // A passkey-only site registers its passkeys when signing up.
  addForm: profile.passkey!.add ?? profile.passkey!.signUp!,
  registersAtSignUp: !profile.passkey!.add,
  signInForm: profile.passkey!.signIn!,
  beforeSignIn: async () => {},
});

const securityKeyRoute = (profile: Profile): WebAuthnRoute => ({
  kind: 'security key',
  add: addSecurityKey,
  addForm: profile.securityKey!.add!,
  registersAtSignUp: false,
  signInForm: profile.securityKey!.signIn!,
  beforeSignIn: enterPassword,
});

/** The state an account is in once `route`'s credential is on it. */
export function registeredState(route: WebAuthnRoute): AccountState {
  return route.kind === 'passkey' ? 'passkey-registered' : 'security-key-registered';
}

/**
 * How a check that signs in with a credential uses a given account: one holding that credential
 * already, else a password-only one it adds the credential to; `spends`: the check leaves the
 * account in a state no later check should meet (a flagged key).
 */
export function credentialAccountUse(profile: Profile, need: 'passkey' | 'any', spends = false): AccountUse | null {
  const route = webauthnRoute(profile, need);
  if (typeof route === 'string') return null;
  const registered = registeredState(route);
  return {
    from: [registered, 'password-only'],
    leaves: spends ? 'spent' : registered,
    changes: `adds a ${route.kind} held by the phone when it has none${spends ? ', and may leave it flagged by the site' : ''}`,
  };
}

/** `passkey`: only a passkey will do (the check is about signing in with one alone). */
export function webauthnRoute(profile: Profile, need: 'passkey' | 'any'): WebAuthnRoute | string {
  const noPasskey = missing(profile, profile.passkey?.signUp ? 'passkey.signUp' : 'passkey.add', 'passkey.signIn');
  if (!noPasskey) return passkeyRoute(profile);
  if (need === 'passkey') return noPasskey;
  const noKey = missing(profile, 'securityKey.add', 'securityKey.signIn', ...PASSWORD_SIGN_IN);
  if (!noKey) return securityKeyRoute(profile);
  return `${noPasskey} and ${noKey.replace('profile has no ', '')}`;
}

/** The route for a check whose `unsupported` already said the profile has one. */
export function requireRoute(profile: Profile, need: 'passkey' | 'any'): WebAuthnRoute {
  const found = webauthnRoute(profile, need);
  if (typeof found === 'string') throw new Error(found);
  return found;
}

/** The sign-in ceremony through `route`, its last part as one judged step. */
export async function signInWith(ctx: CheckContext, route: WebAuthnRoute, account: TestAccount, title: string, judge: Judge): Promise<void> {
  await route.beforeSignIn(ctx, account);
  await judgedStep(ctx, title, () => trySignIn(ctx, route.signInForm, account), judge);
}

/**
 * Everything up to and including pressing the button that starts the WebAuthn call, with that
 * call held (see webauthn-hold.ts) instead of reaching the phone.
 */
export async function startHeldSignIn(ctx: CheckContext, route: WebAuthnRoute, account: TestAccount): Promise<void> {
  await route.beforeSignIn(ctx, account);
  await ctx.step(`Start signing in with the ${route.kind}, holding the page's WebAuthn call`, () =>
    fillAndSubmit(ctx, route.signInForm, valuesOf(account), () => holdWebAuthn(ctx.page)),
  );
}

/** What the site shows once the held sign-in call has been answered. */
export function heldSignInOutcome(ctx: CheckContext, route: WebAuthnRoute, account: TestAccount): Promise<Outcome> {
  return formOutcome(ctx, route.signInForm, valuesOf(account));
}

/**
 * A fresh account with a credential on the phone that has signed in once honestly (so the site
 * has seen a non-zero counter, and a refusal later is not a broken flow), then signed out.
 */
export async function accountWithCredential(ctx: CheckContext, route: WebAuthnRoute): Promise<TestAccount> {
  const account = await createAccount(ctx);
  // A given account may hold one already (registered by an earlier check of this run).
  if (!(route.kind === 'passkey' ? account.holdsPasskey : account.holdsSecurityKey)) await route.add(ctx, account);
  await signOut(ctx, account);
  await signInWith(ctx, route, account, `Sign in with the ${route.kind} (honest phone)`, succeeds(`Signing in with the ${route.kind}`));
  await signOut(ctx, account);
  return account;
}
