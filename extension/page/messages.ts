// The page↔bridge wire, shared by the MAIN-world script and the isolated bridge.
//
// Every request gets its own MessageChannel: the MAIN-world script posts `open` to its own window
// with one port attached, the bridge answers `ack` on that port, and everything else about the
// request (options, cancel, result) travels on the port only. Nothing that matters is broadcast on
// the window, so other requests' messages cannot be read or answered from outside their port.
// The page is untrusted all the same: the bridge validates what it receives (bridge/page-schema.ts)
// and the background never takes the origin from these messages.

export const PAGE_CHANNEL = 'pairkey/v2' as const;

/** Window message, page → bridge, with the request's port in `ports[0]`. */
export interface OpenMessage {
  channel: typeof PAGE_CHANNEL;
  kind: 'open';
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

export type CeremonyKind = 'create' | 'get';

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
  | { type: 'result'; result: PageResult }
  /** Conditional mediation: also run the browser's own conditional call, the person picks one. */
  | { type: 'start-native' }
  | { type: 'capabilities'; capabilities: PairkeyCapabilities };

export type PageResult =
  | { status: 'ok'; credential: CredentialJSON }
  /** Hand the call to the browser's own implementation, unchanged. */
  | { status: 'passthrough' }
  | { status: 'error'; name: string; message: string };

/** What Pairkey adds to the browser's own answers to the PublicKeyCredential statics. */
export interface PairkeyCapabilities {
  /** At least one confirmed phone: Pairkey handles calls (else everything is the browser's). */
  active: boolean;
  /** Client extensions Pairkey implements for the phones (e.g. credProps, prf). */
  extensions: string[];
}

/** The WebAuthn L3 JSON form of a credential, plus what the response getters need. */
export interface CredentialJSON {
  id: string;
  rawId: string;
  type: 'public-key';
  authenticatorAttachment: 'cross-platform' | 'platform' | null;
  clientExtensionResults: Record<string, unknown>;
  response: {
    clientDataJSON: string;
    authenticatorData: string;
    // registration
    attestationObject?: string;
    publicKey?: string;
    publicKeyAlgorithm?: number;
    transports?: string[];
    // authentication
    signature?: string;
    userHandle?: string | null;
  };
}

// The ceremony timeout, as Chromium applies it: the page's value clamped to [10 s, 10 min],
// 5 min when absent. The background enforces it; the page script keeps its own timer a little
// longer, so a page never waits past it even if the extension stops answering.
export const DEFAULT_TIMEOUT_MS = 300_000;
export const MIN_TIMEOUT_MS = 10_000;
export const MAX_TIMEOUT_MS = 600_000;

export function effectiveTimeout(requested: unknown): number {
  const n = typeof requested === 'number' ? requested : typeof requested === 'string' && requested.trim() !== '' ? Number(requested) : NaN;
  if (!Number.isFinite(n)) return DEFAULT_TIMEOUT_MS;
  return Math.min(MAX_TIMEOUT_MS, Math.max(MIN_TIMEOUT_MS, n));
}
