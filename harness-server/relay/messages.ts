// The relay's own control messages (TEXT frames, server → client) and close codes. Clients send
// one TEXT frame, their join message (shared/protocol/relay-seat.ts), then BINARY frames only.
import { SEAT_TAKEN_CLOSE } from '../../shared/protocol/relay-seat.ts';

export type { RelayControl as RelayControlMessage } from '../../shared/protocol/relay-seat.ts';

/** WebSocket close codes the relay uses (RFC 6455 §7.4.1, 4000+ are application-defined). */
export const CloseCode = {
  goingAway: 1001,
  unsupportedData: 1003,
  policyViolation: 1008,
  messageTooBig: 1009,
  internalError: 1011,
  idle: 4000,
  /** A newer socket proved the same seat; the newest holder wins (a peer that redials, a squatter evicted). */
  seatTaken: SEAT_TAKEN_CLOSE,
} as const;

/** base64url, 16..86 characters. Clients use 43 (a SHA-256, relay-seat.ts); anything else cannot be joined. */
export const CHANNEL_ID_PATTERN = /^[A-Za-z0-9_-]{16,86}$/;
