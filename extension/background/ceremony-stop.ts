// Why a ceremony stopped before its natural end, and the switch that stops it. One union names
// every reason, so the outcome of each is decided in one place (ceremony-outcomes.ts).
import type { Choice } from '../runtime-messages.ts';

export type StopReason =
  /** The page aborted its call, or went away (port closed, Chrome cancelled the proxied call). */
  | 'page'
  /** A modal call from the same frame replaced this conditional request. */
  | 'superseded'
  /** The ceremony's timeout ran out. */
  | 'timeout'
  /** The person moved the request to the browser, or cancelled it (popup, prompt window). */
  | Exclude<Choice, 'phone'>;

/** Stops a ceremony once; the first reason given is the one that counts. */
export class CeremonyStop {
  readonly #controller = new AbortController();
  #reason: StopReason | null = null;

  /** Aborts whatever the ceremony is waiting on (the phone links, the phones' answers). */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Null while the ceremony has not been stopped. */
  get reason(): StopReason | null {
    return this.#reason;
  }

  stop(reason: StopReason): void {
    if (this.#reason !== null) return;
    this.#reason = reason;
    this.#controller.abort(reason);
  }
}
