// How many requests a page may have in flight and send to the phones, so a hostile or broken page
// cannot flood the person with prompts (docs/security.md, "a flood of requests").
//
// - One pending request per frame, as Chromium has it: a second call while one waits is refused
//   with Chromium's own answer ("OperationError: A request is already pending.") and the first
//   goes on. A *conditional* request (passkey autofill) still waiting for the person to pick
//   Pairkey is the exception: a modal call replaces it (it ends with AbortError), because sites
//   start the modal call right after aborting the conditional one and the abort may arrive second.
// - A token bucket per origin for requests that would reach the phones (or the "phone or
//   browser?" prompt): BURST at once, then one every REFILL_MS. Over the limit a call fails with
//   NotAllowedError at once, and nothing is sent. A request the person approved gives its token
//   back: what wears a person down is prompts they did not want (ignored, refused, timed out), and
//   a site that signs in many times in a row, each time approved, is using Pairkey as meant.

export const BURST = 5;
export const REFILL_MS = 12_000;
const MAX_BUCKETS = 256;

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
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly burst = BURST,
    private readonly refillMs = REFILL_MS,
    private readonly now: () => number = Date.now,
  ) {}

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

  /** Take one of `origin`'s tokens; false when the bucket is empty. */
  take(origin: string): boolean {
    const now = this.now();
    const bucket = this.buckets.get(origin) ?? { tokens: this.burst, at: now };
    const refilled = Math.min(this.burst, bucket.tokens + (now - bucket.at) / this.refillMs);
    if (refilled < 1) {
      this.buckets.set(origin, { tokens: refilled, at: now });
      return false;
    }
    this.buckets.set(origin, { tokens: refilled - 1, at: now });
    if (this.buckets.size > MAX_BUCKETS) this.forgetFull(now);
    return true;
  }

  /** The person approved `origin`'s request: it does not count against the site. */
  refund(origin: string): void {
    const bucket = this.buckets.get(origin);
    if (bucket) bucket.tokens = Math.min(this.burst, bucket.tokens + 1);
  }

  /** A bucket that has refilled is the same as no bucket: drop those, so the map stays small. */
  private forgetFull(now: number): void {
    for (const [origin, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) / this.refillMs >= this.burst) this.buckets.delete(origin);
    }
  }
}
