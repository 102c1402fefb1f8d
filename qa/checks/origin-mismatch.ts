// A phishing page on another origin that shares the RP ID (a subdomain, another port) relays the
// site's challenge, gets the phone to answer it, and hands the answer to the site. The browser
// (and the extension) lets the phishing page use the RP ID, so only the site's check of
// clientDataJSON.origin stops it.
import { judgedStep, refused } from './support/expect.ts';
import { siblingUnavailable } from './support/sibling.ts';
import { answerWith, clientDataOrigin, getFrom, heldOptions } from './support/webauthn-hold.ts';
import { accountWithCredential, credentialAccountUse, heldSignInOutcome, requireRoute, startHeldSignIn, webauthnRoute } from './support/webauthn-route.ts';
import type { Check } from './types.ts';

export const originMismatch: Check = {
  id: 'origin-mismatch',
  title: 'An assertion made on another origin (a phishing relay) is refused',
  requirement: 'WebAuthn L3 §7.2 step 12 (origin); SP 800-63B §5.2.5 (verifier impersonation resistance)',
  unsupported: (profile, site) => {
    const route = webauthnRoute(profile, 'any');
    return typeof route === 'string' ? route : siblingUnavailable(profile, site);
  },
  account: (profile) => credentialAccountUse(profile, 'any'),
  run: async (ctx) => {
    const route = requireRoute(ctx.profile, 'any');
    const account = await accountWithCredential(ctx, route);
    await startHeldSignIn(ctx, route, account);
    const sibling = await ctx.siblingOrigin();
    const credential = await ctx.step(`Relay the challenge to ${new URL(sibling).origin} and sign in there with the phone`, async () => {
      const options = await heldOptions(ctx.page);
      const phishing = await ctx.newPage();
      await phishing.goto(sibling);
      const made = await getFrom(phishing, options, ctx.site.hostname);
      const origin = clientDataOrigin(made);
      ctx.note(`the phone answered; clientDataJSON.origin is ${origin}`);
      if (origin === ctx.site.origin) throw new Error(`The relay page is on the site's own origin ${origin}`);
      return made;
    });
    await judgedStep(
      ctx,
      'Hand that assertion to the site',
      async () => {
        await answerWith(ctx.page, credential);
        return heldSignInOutcome(ctx, route, account);
      },
      refused(`an assertion made on ${clientDataOrigin(credential)}`),
    );
  },
};
