// The relay's wire contract, declared once for both ends (docs/protocol.md §5): the channel-id
// rule, the control messages the relay writes (TEXT, relay → client) and the close codes it uses.
// The relay (harness-server/relay/) checks ids and writes controls with these; clients
// (shared/relay-socket.ts) parse controls with the same schema. The join message a client sends
// first is in relay-seat.ts, next to the seat proof it carries.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/**
 * A relay channel id: 43 unpadded base64url characters, i.e. a SHA-256 (relay-seat.ts
 * `seatChannelName`). Clients never dial anything else, so the relay refuses anything else (1008).
 */
export const RELAY_CHANNEL_ID_PATTERN = '^[A-Za-z0-9_-]{43}$';
export const RelayChannelIdSchema = Type.String({ pattern: RELAY_CHANNEL_ID_PATTERN });

export function isRelayChannelId(value: unknown): value is string {
  return Value.Check(RelayChannelIdSchema, value);
}

/**
 * What the relay itself says. `peers.count`: members of the channel now (1 or 2; 2 means the
 * other seat is held, on this relay node or another). `dropped.count`: binary frames of this
 * socket the relay could not deliver since its previous `dropped` notice (coalesced: at most one
 * is on its way to a client at any time).
 */
export const RelayControlSchema = Type.Union([
  Type.Object({ type: Type.Literal('peers'), count: Type.Integer({ minimum: 0, maximum: 2 }) }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('dropped'), count: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
  // Answers to the push requests below (docs/protocol.md §5, Web Push).
  Type.Object({ type: Type.Literal('push-key'), publicKey: Type.String({ pattern: '^[A-Za-z0-9_-]{87}$' }) }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('push-result'),
      id: Type.String({ minLength: 1, maxLength: 64 }),
      result: Type.Union([
        /** The push service took it (201). */
        Type.Literal('sent'),
        /** 404/410: the subscription is gone for good; forget it. */
        Type.Literal('gone'),
        /** The relay's per-channel limit, or the push service's 429. */
        Type.Literal('throttled'),
        /** The endpoint is not an https URL on a public host: the relay posts nothing there. */
        Type.Literal('refused'),
        /** Anything else: network error, timeout, another status. */
        Type.Literal('failed'),
      ]),
      /** The push service's HTTP status, when it answered. */
      status: Type.Optional(Type.Integer({ minimum: 100, maximum: 599 })),
    },
    { additionalProperties: false },
  ),
]);
export type RelayControl = Static<typeof RelayControlSchema>;

/** A control frame's text → the message, or null for anything that does not match the schema (ignored, never fatal). */
export function parseRelayControl(text: string): RelayControl | null {
  try {
    const value: unknown = JSON.parse(text);
    return Value.Check(RelayControlSchema, value) ? value : null;
  } catch {
    return null;
  }
}

/**
 * What a channel member may ask the relay itself, as a TEXT frame after its join (the relay
 * closes a socket with 1003 for any other TEXT frame):
 * - `push-key`: the relay's VAPID public key (RFC 8292), which a phone subscribes with;
 * - `push`: POST `payload` (already encrypted end to end by the asker, RFC 8291 aes128gcm) to
 *   `endpoint` (a Web Push subscription's, RFC 8030) with the relay's VAPID signature. The relay
 *   learns an endpoint and a time, never what the payload says. Answered by `push-result`.
 */
export const RELAY_PUSH_MAX_PAYLOAD_BYTES = 3993; // RFC 8291 §4: what a push service must accept is 4096 bytes of body
export const RelayRequestSchema = Type.Union([
  Type.Object({ type: Type.Literal('push-key') }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('push'),
      id: Type.String({ minLength: 1, maxLength: 64 }),
      endpoint: Type.String({ minLength: 9, maxLength: 2048, pattern: '^https://' }),
      /** base64url of the aes128gcm body (RFC 8188 header + records). */
      payload: Type.String({ minLength: 1, maxLength: 5462, pattern: '^[A-Za-z0-9_-]+$' }),
      /** Seconds the push service may keep it (RFC 8030 TTL); the relay caps it. */
      ttl: Type.Integer({ minimum: 0, maximum: 600 }),
    },
    { additionalProperties: false },
  ),
]);
export type RelayRequest = Static<typeof RelayRequestSchema>;
export type RelayPushResult = Extract<RelayControl, { type: 'push-result' }>['result'];

/** A request frame's text → the request, or null when it matches no schema. */
export function parseRelayRequest(text: string): RelayRequest | null {
  try {
    const value: unknown = JSON.parse(text);
    return Value.Check(RelayRequestSchema, value) ? value : null;
  } catch {
    return null;
  }
}

/** WebSocket close codes the relay uses (RFC 6455 §7.4.1; 4000+ are application-defined). */
export const RelayCloseCode = {
  /** The relay node is shutting down; redial (any node). */
  goingAway: 1001,
  /** A TEXT frame after the join. */
  unsupportedData: 1003,
  /** Bad channel id, bad or missing join, too many connections from one network. */
  policyViolation: 1008,
  /** A frame larger than RELAY_MAX_FRAME_BYTES. */
  messageTooBig: 1009,
  internalError: 1011,
  /** The relay node cannot reach its bus (RELAY_BUS) now: it takes no channel; redial later or elsewhere. */
  tryAgainLater: 1013,
  /** Nothing forwarded for RELAY_IDLE_TIMEOUT_MS. */
  idle: 4000,
  /** A newer socket proved the same seat (on any node); the newest holder wins. */
  seatTaken: 4001,
} as const;
export type RelayCloseCodeValue = (typeof RelayCloseCode)[keyof typeof RelayCloseCode];

/** Kept under its old name for the clients' backoff rule. */
export const SEAT_TAKEN_CLOSE = RelayCloseCode.seatTaken;
