// A phone's Web Push subscription as it crosses the end-to-end channel (phone → extension,
// `push-subscription` in shared/protocol/messages.ts) and the wake-up the extension sends through
// it (encrypted, RFC 8291). Declared once: the phone's service worker parses what the extension
// encrypted with these very schemas.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const strict = { additionalProperties: false } as const;

/** PushSubscription.toJSON()'s endpoint and keys: p256dh a P-256 point (65 bytes), auth 16 bytes. */
export const PushSubscriptionInfoSchema = Type.Object(
  {
    endpoint: Type.String({ minLength: 9, maxLength: 2048, pattern: '^https://' }),
    p256dh: Type.String({ pattern: '^[A-Za-z0-9_-]{87}$' }),
    auth: Type.String({ pattern: '^[A-Za-z0-9_-]{22}$' }),
  },
  strict,
);
export type PushSubscriptionInfo = Static<typeof PushSubscriptionInfoSchema>;

/**
 * What a wake-up says, end to end encrypted to the phone: which site asks and for what, so the
 * notification can name it, and until when, so a late one shows nothing. Nothing that would let
 * the phone act: the request itself comes over the channel once the app is open.
 */
export const WakePayloadSchema = Type.Object(
  {
    type: Type.Literal('pairkey-wake'),
    kind: Type.Union([Type.Literal('sign-in'), Type.Literal('registration')]),
    /** The requesting page's host name. */
    site: Type.String({ minLength: 1, maxLength: 253 }),
    /** The extension's id of the waiting request (its notification tag). */
    request: Type.String({ minLength: 1, maxLength: 64 }),
    /** Milliseconds since the epoch: the request's own deadline. */
    expiresAt: Type.Integer({ minimum: 0 }),
  },
  strict,
);
export type WakePayload = Static<typeof WakePayloadSchema>;

export function parseWakePayload(text: string): WakePayload | null {
  try {
    const value: unknown = JSON.parse(text);
    return Value.Check(WakePayloadSchema, value) ? value : null;
  } catch {
    return null;
  }
}
