// The ceremony contract between the page script, the bridge and the background: how a ceremony
// ends, the credential's JSON form, what Pairkey adds to the statics, and the timeout clamp.
// Here in shared/ (the project's one home for a type that crosses a boundary), owned by none of
// the three extension contexts that import it.

/** How a ceremony ends, as the background reports it and the page script acts on it. */
export type CeremonyResult =
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

// The ceremony timeout, as Chromium applies it (AuthenticatorCommon's AdjustTimeout): the page's
// value clamped to [10 s, 10 min], 10 min when absent. The background enforces it; the page script keeps its own timer a little
// longer, so a page never waits past it even if the extension stops answering.
export const DEFAULT_TIMEOUT_MS = 600_000;
export const MIN_TIMEOUT_MS = 10_000;
export const MAX_TIMEOUT_MS = 600_000;

export function effectiveTimeout(requested: unknown): number {
  const n = typeof requested === 'number' ? requested : typeof requested === 'string' && requested.trim() !== '' ? Number(requested) : NaN;
  if (!Number.isFinite(n)) return DEFAULT_TIMEOUT_MS;
  return Math.min(MAX_TIMEOUT_MS, Math.max(MIN_TIMEOUT_MS, n));
}
