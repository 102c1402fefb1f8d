// A phone's Web Push subscription as it crosses the end-to-end channel (phone → extension,
// `push-subscription` in shared/protocol/messages.ts) and the wake-up the extension sends through
// it (encrypted, RFC 8291). Declared once: the phone's service worker parses what the extension
// encrypted with these very schemas.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const strict = { additionalProperties: false } as const;

/** A DNS name (lowercase ASCII labels, xn-- for IDN, `_` as Chrome allows), an IPv4 or a bracketed IPv6 address. */
const WAKE_SITE_PATTERN = '^(?:(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\\.?|\\[[0-9a-f:.]{2,45}\\])$';

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
    /**
     * The requesting page's host name as `new URL(origin).hostname` gives it: IDN labels already
     * punycode, an IPv6 address in brackets. Host characters only, so a wake-up cannot put a
     * sentence of its own on the phone's screen.
     */
    site: Type.String({ minLength: 1, maxLength: 253, pattern: WAKE_SITE_PATTERN }),
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
