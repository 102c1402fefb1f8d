// A challenge answered long after it was issued must be refused: otherwise a response captured or
// pre-computed once stays good for as long as the attacker likes.
import { judgedStep, refused } from './support/expect.ts';
import { missing } from './support/requires.ts';
import { heldOptions, proceed } from './support/webauthn-hold.ts';
import { accountWithCredential, credentialAccountUse, heldSignInOutcome, requireRoute, startHeldSignIn, webauthnRoute } from './support/webauthn-route.ts';
import type { Check } from './types.ts';

/** Past the site's stated lifetime, so clocks and rounding do not matter. */
const MARGIN_SECONDS = 2;

export const challengeExpiry: Check = {
  id: 'challenge-expiry',
  title: 'A WebAuthn challenge answered after it expired is refused',
  requirement: 'WebAuthn L3 §13.4.3 (cryptographic challenges); SP 800-63B §5.2.8 (replay resistance)',
  unsupported: (profile) => {
    const route = webauthnRoute(profile, 'any');
    return typeof route === 'string' ? route : missing(profile, 'webauthn.challengeTimeoutSeconds');
  },
  account: (profile) => credentialAccountUse(profile, 'any'),
  run: async (ctx) => {
    const route = requireRoute(ctx.profile, 'any');
    const waitSeconds = ctx.profile.webauthn!.challengeTimeoutSeconds! + MARGIN_SECONDS;
    const account = await accountWithCredential(ctx, route);
    await startHeldSignIn(ctx, route, account);
    await ctx.step(`Keep the challenge ${waitSeconds} s (its lifetime + ${MARGIN_SECONDS} s), then let the phone answer`, async () => {
      await heldOptions(ctx.page);
      // The point of the check is the passing of time: nothing to await but the clock.
      await new Promise((resolve) => setTimeout(resolve, waitSeconds * 1000));
      await proceed(ctx.page);
    });
    await judgedStep(ctx, 'Read what the site answers', () => heldSignInOutcome(ctx, route, account), refused(`an assertion for a challenge issued ${waitSeconds} s earlier`));
  },
};
