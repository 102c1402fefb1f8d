// The page↔bridge wire, shared by the MAIN-world script and the isolated bridge. What a ceremony
// returns is the background's too: shared/webauthn/ceremony-contract.ts.
//
// Every request gets its own MessageChannel: the MAIN-world script posts `open` to its own window
// with one port attached, the bridge answers `ack` on that port, and everything else about the
// request (options, cancel, result) travels on the port only. Nothing that matters is broadcast on
// the window, so other requests' messages cannot be read or answered from outside their port.
// The page is untrusted all the same: the bridge validates what it receives (bridge/page-schema.ts)
// and the background never takes the origin from these messages.

import type { ConnectStatus } from '../shared/connect-declaration.ts';
import type { CeremonyResult, PairkeyCapabilities } from '../shared/webauthn/ceremony-contract.ts';

export const PAGE_CHANNEL = 'pairkey/v2' as const;

/** Window message, page → bridge, with the request's port in `ports[0]`. */
export interface OpenMessage {
  channel: typeof PAGE_CHANNEL;
  kind: 'open';
}

/**
 * Window message, page → bridge, with a reply port in `ports[0]`: "connect Pairkey to this
 * server" (top frame, after a click). Carries nothing: the bridge reads the declaration from the
 * page's own origin (shared/connect-declaration.ts) and the person confirms in the extension.
 */
export interface ConnectMessage {
  channel: typeof PAGE_CHANNEL;
  kind: 'connect';
}

/** On a connect message's port, bridge → page: whether the extension asked the person. */
export interface ConnectReply {
  type: 'connect';
  status: ConnectStatus;
}

/** Window message, bridge → page: the bridge is listening (it may load after the MAIN script). */
export interface ReadyMessage {
  channel: typeof PAGE_CHANNEL;
  kind: 'ready';
}

/** Binary values cross the page→bridge hop as `{ $b64: base64url }` so nothing is guessed. */
export interface TaggedBytes {
  $b64: string;
}

/** On the port, page → bridge. */
export type PortRequest =
  | { type: 'create' | 'get'; options: unknown; mediation?: string }
  /** The page's AbortSignal fired, or the page-side safety timer ran out. */
  | { type: 'cancel' }
  /** After a `passthrough`: the browser's own call has settled. */
  | { type: 'native-done' }
  | { type: 'capabilities' };

/** On the port, bridge → page. */
export type PortReply =
  | { type: 'ack' }
  | { type: 'result'; result: CeremonyResult }
  /** Conditional mediation: also run the browser's own conditional call, the person picks one. */
  | { type: 'start-native' }
  | { type: 'capabilities'; capabilities: PairkeyCapabilities };
