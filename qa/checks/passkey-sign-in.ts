import { createAccount } from './support/account.ts';
import { signOut, trySignIn } from './support/auth.ts';
import { addPasskey } from './support/factors.ts';
import { accepted, judgedStep } from './support/expect.ts';
import { webauthnRoute } from './support/webauthn-route.ts';
import type { Check } from './types.ts';

export const passkeySignIn: Check = {
  id: 'passkey-sign-in',
  title: 'Passkey registration and sign-in',
  requirement: 'WebAuthn L3 §7.1 (registering a new credential) and §7.2 (verifying an authentication assertion)',
  unsupported: (profile) => {
    const route = webauthnRoute(profile, 'passkey');
    return typeof route === 'string' ? route : null;
  },
  // A passkey-only site's passkey is registered by signing up: no existing account to give.
  account: (profile) => (profile.passkey?.add ? { from: ['password-only'], leaves: 'passkey-registered', changes: 'adds a passkey held by the phone' } : null),
  run: async (ctx) => {
    const account = await createAccount(ctx);
    await addPasskey(ctx, account);
    const held = (await ctx.phone.credentials()).find((c) => c.userName === account.username);
    if (!held) throw new Error(`The phone holds no credential for ${account.username}`);
    ctx.note(`the phone holds a ${held.discoverable ? 'discoverable' : 'non-discoverable'} credential for ${account.username}`);
    await signOut(ctx, account);
    await judgedStep(
      ctx,
      'Sign in with the passkey alone (no username, no password)',
      () => trySignIn(ctx, ctx.profile.passkey!.signIn!, account),
      accepted('The registered passkey did not sign in'),
    );
  },
};
