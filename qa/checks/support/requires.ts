// Which parts of a profile a check needs: a check the profile cannot support is skipped, and the
// reason names the missing field.
import type { Profile } from '../../profile/schema.ts';

function has(profile: Profile, path: string): boolean {
  let value: unknown = profile;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null) return false;
    value = (value as Record<string, unknown>)[key];
  }
  return value !== undefined;
}

/** The password sign-in the checks use after a password: a passkey-only site has none. */
export const PASSWORD_SIGN_IN = ['signIn.password', 'signIn.secondFactor'] as const;

/** "profile has no X" for the first path the profile lacks, else null. */
export function missing(profile: Profile, ...paths: string[]): string | null {
  const absent = paths.find((p) => !has(profile, p));
  return absent === undefined ? null : `profile has no ${absent}`;
}
