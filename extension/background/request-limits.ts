// How many requests a page may have in flight and send to the phones, so a hostile or broken page
// cannot flood the person with prompts (docs/security.md, "a flood of requests"; docs/extension.md,
// "Limits").
//
// - One pending request per frame, as Chromium has it: a second call while one waits is refused
//   with Chromium's own answer ("OperationError: A request is already pending.") and the first
//   goes on. A *conditional* request (passkey autofill) still waiting for the person to pick
//   Pairkey is the exception: a modal call replaces it (it ends with AbortError), because sites
//   start the modal call right after aborting the conditional one and the abort may arrive second.
// - Token buckets for requests that would reach the phones (or the "phone or browser?" prompt):
//   one per site, one per tab and one for the whole browser. A request needs a token from each
//   and takes one from each; over any limit it fails with NotAllowedError at once, and nothing is
//   sent. The site is the registrable domain (Public Suffix List, private entries included), not
//   the origin: every subdomain and port of a site is the same site, so a page that frames its own
//   subdomains does not multiply its budget (issue 11, item 4). The tab's budget catches frames of
//   many sites in one page, the browser's many tabs of many sites.
// - A request the person approved gives its tokens back: what wears a person down is prompts
//   they did not want (ignored, refused, timed out), and a site that signs in many times in a
//   row, each time approved, is using Pairkey as meant.
import { getDomain } from 'tldts';

/** A token bucket's size and pace: `burst` requests at once, then one every `refillMs`. */
export interface Budget {
  burst: number;
  refillMs: number;
}

export interface Budgets {
  site: Budget;
  tab: Budget;
  browser: Budget;
}

export const BUDGETS: Budgets = {
  site: { burst: 5, refillMs: 12_000 },
  tab: { burst: 5, refillMs: 12_000 },
  // Above one site's burst, so one flooding site cannot lock every other one out.
  browser: { burst: 10, refillMs: 6_000 },
};

/** Who pays for a request: its site, and its tab (null on the proxy path, where no tab is named). */
export interface Charge {
  site: string;
  tab: number | null;
}

/**
 * The site an origin belongs to, for budgets: its registrable domain, whatever the scheme, port or
 * subdomain. Hosts without one stand for themselves (IP addresses), and every localhost name is
 * one site, the local machine (as in shared/webauthn/rp-id.ts).
 */
export function siteOf(origin: string): string {
  let host: string;
  try {
    host = new URL(origin).hostname;
  } catch {
    return origin;
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return 'localhost';
  return getDomain(host, { allowPrivateDomains: true }) ?? host;
}

export function chargeOf(caller: { origin: string; tabId: number }): Charge {
  return { site: siteOf(caller.origin), tab: caller.tabId >= 0 ? caller.tabId : null };
}

const MAX_BUCKETS = 256;

/** Token buckets of one budget, by key. A full bucket is the same as none, so those are dropped. */
class Buckets {
  private readonly levels = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly budget: Budget) {}

  /** Tokens in `key`'s bucket at `now`. */
  level(key: string, now: number): number {
    const bucket = this.levels.get(key);
    if (!bucket) return this.budget.burst;
    return Math.min(this.budget.burst, bucket.tokens + (now - bucket.at) / this.budget.refillMs);
  }

  spend(key: string, now: number): void {
    this.levels.set(key, { tokens: this.level(key, now) - 1, at: now });
    if (this.levels.size > MAX_BUCKETS) this.forgetFull(now);
  }

  refund(key: string): void {
    const bucket = this.levels.get(key);
    if (bucket) bucket.tokens = Math.min(this.budget.burst, bucket.tokens + 1);
  }

  get size(): number {
    return this.levels.size;
  }

  private forgetFull(now: number): void {
    for (const key of [...this.levels.keys()]) {
      if (this.level(key, now) >= this.budget.burst) this.levels.delete(key);
    }
  }
}

export interface Slot {
  /** The conditional request was picked by the person: from now on it is a modal one. */
  picked: () => void;
  /** Free the frame's slot (idempotent). */
  release: () => void;
}

interface Holder {
  conditional: boolean;
  /** Ends the holder's ceremony (only called for a conditional holder that a modal call replaces). */
  supersede: () => void;
}

export class RequestLimits {
  private readonly slots = new Map<string, Holder>();
  private readonly sites: Buckets;
  private readonly tabs: Buckets;
  private readonly browser: Buckets;

  constructor(
    budgets: Budgets = BUDGETS,
    private readonly now: () => number = Date.now,
  ) {
    this.sites = new Buckets(budgets.site);
    this.tabs = new Buckets(budgets.tab);
    this.browser = new Buckets(budgets.browser);
  }

  /**
   * Claim `key`'s (a frame's) one slot. Null when a modal request already holds it; a conditional
   * holder is superseded by a modal claim and refused to another conditional one.
   */
  claim(key: string, conditional: boolean, supersede: () => void): Slot | null {
    const holder = this.slots.get(key);
    if (holder) {
      if (!holder.conditional || conditional) return null;
      this.slots.delete(key);
      holder.supersede();
    }
    const mine: Holder = { conditional, supersede };
    this.slots.set(key, mine);
    return {
      picked: () => {
        mine.conditional = false;
      },
      release: () => {
        if (this.slots.get(key) === mine) this.slots.delete(key);
      },
    };
  }

  /**
   * Take a token from the site's, the tab's and the browser's bucket; false (and nothing taken)
   * when any of them is empty, so a refused request costs no other budget.
   */
  take(charge: Charge): boolean {
    const now = this.now();
    const buckets = this.bucketsOf(charge);
    if (buckets.some(([b, key]) => b.level(key, now) < 1)) return false;
    for (const [b, key] of buckets) b.spend(key, now);
    return true;
  }

  /** The person approved the request: it does not count against its site, tab or the browser. */
  refund(charge: Charge): void {
    for (const [b, key] of this.bucketsOf(charge)) b.refund(key);
  }

  /** How many buckets are kept (for tests: refilled ones are dropped). */
  get bucketCount(): number {
    return this.sites.size + this.tabs.size + this.browser.size;
  }

  private bucketsOf(charge: Charge): [Buckets, string][] {
    const out: [Buckets, string][] = [
      [this.sites, charge.site],
      [this.browser, ''],
    ];
    if (charge.tab !== null) out.push([this.tabs, String(charge.tab)]);
    return out;
  }
}
