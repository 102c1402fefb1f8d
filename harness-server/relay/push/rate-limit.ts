// Push deliveries per relay channel: a token bucket (a burst, then a steady rate). A channel is one
// pairing, so one browser cannot make the relay post to its phone's push service faster than this,
// however many sockets it opens (only the pairing's two ends can join its channel).
export class ChannelPushLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one delivery for the channel; false when its bucket is empty. */
  take(channelId: string): boolean {
    const now = this.now();
    const bucket = this.#buckets.get(channelId) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) * this.perMinute) / 60_000);
    bucket.at = now;
    if (bucket.tokens < 1) {
      this.#buckets.set(channelId, bucket);
      return false;
    }
    bucket.tokens -= 1;
    this.#buckets.set(channelId, bucket);
    if (this.#buckets.size > 10_000) this.sweep(now);
    return true;
  }

  /** Buckets that have refilled are the same as no bucket: drop them. */
  private sweep(now: number): void {
    for (const [channelId, bucket] of this.#buckets) {
      if (bucket.tokens + ((now - bucket.at) * this.perMinute) / 60_000 >= this.burst) this.#buckets.delete(channelId);
    }
  }
}
