// Token buckets (a burst, then a steady rate) for push deliveries, one per key. The relay keeps
// three: per channel (one pairing), per client address and one global bucket. Channels are free to
// make (anyone can invent seat tokens), so the channel bucket alone does not bound what one client,
// or all of them together, can make the relay post: the address and global buckets do.
export class PushRateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether the key's bucket holds a delivery now (takes nothing). */
  available(key: string): boolean {
    return this.refilled(key, this.now()).tokens >= 1;
  }

  /** Takes one delivery for the key; false when its bucket is empty. */
  take(key: string): boolean {
    const now = this.now();
    const bucket = this.refilled(key, now);
    this.#buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    if (this.#buckets.size > 10_000) this.sweep(now);
    return true;
  }

  private refilled(key: string, now: number): { tokens: number; at: number } {
    const bucket = this.#buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) * this.perMinute) / 60_000);
    bucket.at = now;
    return bucket;
  }

  /** Buckets that have refilled are the same as no bucket: drop them. */
  private sweep(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + ((now - bucket.at) * this.perMinute) / 60_000 >= this.burst) this.#buckets.delete(key);
    }
  }
}
