// Whether the origin check can run: it needs a page on another origin that shares the site's RP
// ID. A site on localhost shares "localhost" with every other port there.
import type { Profile } from '../../profile/schema.ts';

export function siblingUnavailable(profile: Profile, site: URL): string | null {
  if (profile.webauthn?.siblingOrigin || site.hostname === 'localhost') return null;
  return 'profile has no webauthn.siblingOrigin (another origin within the site\'s RP ID; only sites on localhost get one without it)';
}
