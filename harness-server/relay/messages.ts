// The relay's own control messages (TEXT frames, server → client) and close codes.
// Clients only ever send BINARY frames; everything the relay says is one of these.

export type RelayControlMessage = { type: 'peers'; count: number } | { type: 'dropped' };

/** WebSocket close codes the relay uses (RFC 6455 §7.4.1, 4000 is application-defined). */
export const CloseCode = {
  goingAway: 1001,
  unsupportedData: 1003,
  policyViolation: 1008,
  messageTooBig: 1009,
  internalError: 1011,
  idle: 4000,
} as const;

/** base64url, 16..86 characters: 12..64 random bytes chosen by the pairing peers. */
export const CHANNEL_ID_PATTERN = /^[A-Za-z0-9_-]{16,86}$/;
