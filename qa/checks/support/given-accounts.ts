// The pool of given accounts of a run: each check reserves one in a state it can start from (no
// two checks hold one account at once), and gives it back in the state it left it in, or used up.
// A check that fails leaves the account in a state nobody knows: it is used up too.
import { randomBytes } from 'node:crypto';
import { parse } from '@otplib/uri';
import type { ResolvedAccount } from '../../profile/accounts.ts';
import type { AccountState, AccountUse, GivenLease } from '../types.ts';
import type { TestAccount } from './account.ts';

interface Entry {
  readonly account: TestAccount;
  state: AccountState;
  /** The check holding it now. */
  heldBy: string | null;
  /** The check that used it up. */
  spentBy: string | null;
  /** Every check that had it, in order, with the state it left. */
  readonly history: string[];
}

const describeStates = (states: readonly AccountState[]) =>
  states.length === 1 ? states[0]! : `${states.slice(0, -1).join(', ')} or ${states.at(-1)!}`;

/**
 * The time step of an otpauth:// URI (resolveAccounts has checked it parses). Never the parser's
 * error, which quotes the whole URI and so the secret.
 */
function periodOf(otpauth: string): number {
  try {
    return parse(otpauth).params.period ?? 30;
  } catch {
    return 30;
  }
}

export class AccountPool {
  readonly #entries: Entry[];
  /**
   * The account whose passkey the phone used last. A passkey sign-in names no user, and the
   * phone (as a person would) answers with its most recently used passkey for the site: only
   * this account's passkey is the one it will pick.
   */
  #latestPasskey: Entry | null = null;

  constructor(accounts: readonly ResolvedAccount[]) {
    this.#entries = accounts.map((a) => ({
      account: {
        username: a.username,
        email: a.email,
        password: a.password,
        keyName: `QA key ${randomBytes(5).toString('hex')}`,
        otpauth: a.otpauth,
        // Whoever set the account up may have used this time step's code: start after it.
        lastTotpStep: a.otpauth ? Math.floor(Date.now() / 1000 / periodOf(a.otpauth)) : -1,
        backupCodes: [],
        holdsPasskey: false,
        holdsSecurityKey: false,
      },
      state: a.state,
      heldBy: null,
      spentBy: null,
      history: [],
    }));
  }

  /** An account for `checkId` in one of `use.from` (the first state that has a free account), or null. */
  reserve(checkId: string, use: AccountUse): GivenLease | null {
    for (const state of use.from) {
      const entry = this.#entries.find((e) => e.state === state && e.heldBy === null && e.spentBy === null && (state !== 'passkey-registered' || e === this.#latestPasskey));
      if (!entry) continue;
      entry.heldBy = checkId;
      return { account: entry.account, state, use };
    }
    return null;
  }

  /** Why nothing could be reserved: the states needed and what the pool offers now. */
  refusal(use: AccountUse, source: string): string {
    const offered = this.#entries.map((e) => {
      if (e.spentBy !== null) return `${e.account.username} (used up by ${e.spentBy})`;
      if (e.heldBy !== null) return `${e.account.username} (${e.state}, in use by ${e.heldBy})`;
      if (e.state === 'passkey-registered' && e !== this.#latestPasskey) return `${e.account.username} (passkey-registered, not the phone's latest passkey)`;
      return `${e.account.username} (${e.state})`;
    });
    return `needs a given account that is ${describeStates(use.from)}; ${source} offers ${offered.join(', ')}`;
  }

  /** Gives the account back: in `use.leaves` when the check passed, else used up. */
  release(lease: GivenLease, checkId: string, passed: boolean): void {
    const entry = this.#entries.find((e) => e.account === lease.account);
    if (!entry) return;
    entry.heldBy = null;
    const leaves = passed ? lease.use.leaves : 'spent';
    if (leaves === 'spent') entry.spentBy = checkId;
    else entry.state = leaves;
    entry.history.push(`${checkId} → ${leaves === 'spent' ? 'used up' : leaves}`);
    // What the check registered on the phone follows the state it declared.
    if (leaves === 'passkey-registered') entry.account.holdsPasskey = true;
    if (leaves === 'security-key-registered') entry.account.holdsSecurityKey = true;
    if (leaves === 'password-only') entry.account.otpauth = null;
    if (entry.account.holdsPasskey) this.#latestPasskey = entry;
  }

  /** One line per account: what each check left it as (for the end of a run). */
  summary(): string[] {
    return this.#entries.map((e) => `${e.account.username}: ${e.history.length === 0 ? `not used (${e.state})` : e.history.join(', ')}`);
  }
}
