// What a check is, and what it gets to work with. A check drives the site like a person through the
// profile's selectors, with a paired (virtual) phone as the authenticator; it never looks inside.
import type { Driver, DriverPage } from '../browser/driver.ts';
import type { QaPhone } from '../phone.ts';
import type { Profile } from '../profile/schema.ts';

export interface CheckContext {
  readonly profile: Profile;
  /** The site's base URL (--site, else the profile's). */
  readonly site: URL;
  readonly driver: Driver;
  /** The check's own tab; every step's screenshot is taken of it. */
  readonly page: DriverPage;
  readonly phone: QaPhone;
  /** How long one step waits for the site to show an outcome. */
  readonly timeoutMs: number;
  /** Run one step of the check: it is timed, reported and followed by a screenshot. */
  step<T>(title: string, action: () => Promise<T>): Promise<T>;
  /** Add a line to the current step's notes in the report. */
  note(text: string): void;
  /** Another tab, closed when the check ends. */
  newPage(): Promise<DriverPage>;
  /**
   * The URL of a page on another origin within the site's RP ID: the profile's
   * webauthn.siblingOrigin, or for a site on localhost one the CLI serves on another port.
   */
  siblingOrigin(): Promise<string>;
}

export interface Check {
  /** Stable, kebab-case: used by --only / --skip and as the JUnit test case name. */
  readonly id: string;
  readonly title: string;
  /** The standard and section this check tests. */
  readonly requirement: string;
  /** Why this profile (for this site) cannot support the check, or null when it can. */
  unsupported(profile: Profile, site: URL): string | null;
  run(ctx: CheckContext): Promise<void>;
}

/** The site accepted what the requirement says it must refuse (or the reverse): a real finding. */
export class Finding extends Error {
  override name = 'Finding';
}
