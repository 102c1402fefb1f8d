// What a check is, and what it gets to work with. A check drives the site like a person through the
// profile's selectors, with a paired (virtual) phone as the authenticator; it never looks inside.
import type { Driver, DriverPage } from '../browser/driver.ts';
import type { QaPhone } from '../phone.ts';
import type { Profile } from '../profile/schema.ts';
import type { TestAccount } from './support/account.ts';

/**
 * What an account is like when a check starts or ends. Given accounts start as `password-only`
 * or `totp-enrolled`; the others are reached during a run (this run's phone holds the key).
 */
export type AccountState = 'password-only' | 'totp-enrolled' | 'passkey-registered' | 'security-key-registered';

/** How a check uses an existing account (given accounts; signed-up accounts are always fresh). */
export interface AccountUse {
  /** The states it can start from, preferred first. */
  readonly from: readonly AccountState[];
  /**
   * The state it leaves the account in when it passes (the account may be given to a later check
   * in that state), or `spent` (locked out, password changed…): no later check gets it.
   */
  readonly leaves: AccountState | 'spent';
  /** What it does to the account, for the report ("adds a passkey", "locks it out"). */
  readonly changes: string;
}

/** A given account reserved for one check. */
export interface GivenLease {
  readonly account: TestAccount;
  /** The state it was in when the check got it. */
  readonly state: AccountState;
  readonly use: AccountUse;
}

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
  /** The given account reserved for this check, or null: the check signs up its own. */
  readonly given: GivenLease | null;
}

export interface Check {
  /** Stable, kebab-case: used by --only / --skip and as the JUnit test case name. */
  readonly id: string;
  readonly title: string;
  /** The standard and section this check tests. */
  readonly requirement: string;
  /** Why this profile (for this site) cannot support the check, or null when it can. */
  unsupported(profile: Profile, site: URL): string | null;
  /**
   * The existing account it needs (with given accounts), or null when it needs none (a
   * registration that is itself the sign-up of a new user).
   */
  account(profile: Profile): AccountUse | null;
  run(ctx: CheckContext): Promise<void>;
}

/** The site accepted what the requirement says it must refuse (or the reverse): a real finding. */
export class Finding extends Error {
  override name = 'Finding';
}
