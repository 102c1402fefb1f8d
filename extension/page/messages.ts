// The page↔bridge wire, shared by the MAIN-world script and the isolated bridge.
// The page is untrusted: the bridge validates everything it receives (see bridge/page-schema.ts),
// and the background never takes the origin from these messages.

/** Binary values cross the page→bridge hop as `{ $b64: base64url }` so nothing is guessed. */
export interface TaggedBytes {
  $b64: string;
}

export const PAGE_CHANNEL = 'pairkey/v1' as const;

export const PAGE_REQUEST_KINDS = ['create', 'get', 'cancel'] as const;
export type PageRequestKind = (typeof PAGE_REQUEST_KINDS)[number];

export interface PageRequest {
  channel: typeof PAGE_CHANNEL;
  dir: 'to-bridge';
  id: string;
  kind: PageRequestKind;
  /** `publicKey` member of the caller's options, with BufferSources tagged. Absent for cancel. */
  options?: unknown;
  /** `mediation` member of the caller's options. */
  mediation?: string;
}

export type PageResult =
  | { status: 'ok'; credential: CredentialJSON }
  | { status: 'passthrough' }
  | { status: 'error'; name: string; message: string };

export interface PageReply {
  channel: typeof PAGE_CHANNEL;
  dir: 'to-page';
  id: string;
  result: PageResult;
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
