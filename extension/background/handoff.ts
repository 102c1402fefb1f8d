// The last request Pairkey handed to the browser's own authenticators because no paired phone came
// online in time. The person then sees only the browser's own dialog and would wonder why their
// phone was never asked: the popup says so (`handoff` in UiState) until a later request reaches a
// phone. Memory only: it is about what just happened, not a history.
import type { HandoffView, RequestView } from '../runtime-messages.ts';

let last: HandoffView | null = null;

/** `request` went to the browser because no paired phone was online. */
export function noteHandoff(request: RequestView, reason: HandoffView['reason'], at = Date.now()): void {
  last = { origin: request.origin, kind: request.kind, ...(request.credential ? { credential: request.credential } : {}), reason, at };
}

/** A later request reached a phone: the notice is no longer news. */
export function clearHandoff(): void {
  last = null;
}

export function lastHandoff(): HandoffView | null {
  return last;
}
