// When a relay client (the extension's link to a phone, every phone's session with a browser)
// tries again after its socket closed: doubling delays up to a ceiling, starting over once the
// relay took it back. One rule for both ends, so they behave alike under a contested seat.
import { SEAT_TAKEN_CLOSE } from './protocol/relay-contract.ts';

export interface RetryPolicy {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { initialMs: 250, maxMs: 15_000 };

export class RelayBackoff {
  #nextMs: number;
  #contested = false;

  constructor(private readonly policy: RetryPolicy = DEFAULT_RETRY) {
    this.#nextMs = policy.initialMs;
  }

  /** The wait before the next attempt; the one after it is twice as long, up to the ceiling. */
  next(): number {
    const delay = this.#nextMs;
    this.#nextMs = Math.min(delay * 2, this.policy.maxMs);
    return delay;
  }

  /** Start over at once: someone is waiting now, or the network came back. */
  reset(): void {
    this.#nextMs = this.policy.initialMs;
  }

  /**
   * The relay accepted the socket. This starts over, unless the last socket lost its seat to
   * another holder of the same seat (`4001`): two holders of one seat (the same phone store served
   * twice, a replayed join) would otherwise take it from each other several times a second for
   * ever, each time ending the other's session. They keep backing off until a session is up.
   */
  connected(): void {
    if (!this.#contested) this.reset();
  }

  /** The socket closed with `code`. */
  closed(code: number): void {
    if (code === SEAT_TAKEN_CLOSE) this.#contested = true;
  }

  /** An end-to-end session with the peer is up: the seat is ours. */
  established(): void {
    this.#contested = false;
    this.reset();
  }
}
