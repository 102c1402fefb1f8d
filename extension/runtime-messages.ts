// Messages to the background over runtime.sendMessage, from the bridge (content script) and the
// popup. An `as const` allowlist of types with a TypeBox schema each: the background checks every
// message against these before acting, and checks *who* sent it (see background/router.ts).
import { Type, type Static } from '@sinclair/typebox';

const RequestId = Type.String({ minLength: 1, maxLength: 64 });

export const BridgeMessage = Type.Union([
  Type.Object({ type: Type.Literal('webauthn/create'), requestId: RequestId, options: Type.Unknown(), mediation: Type.Optional(Type.String({ maxLength: 32 })) }),
  Type.Object({ type: Type.Literal('webauthn/get'), requestId: RequestId, options: Type.Unknown(), mediation: Type.Optional(Type.String({ maxLength: 32 })) }),
  Type.Object({ type: Type.Literal('webauthn/cancel'), requestId: RequestId }),
]);
export type BridgeMessage = Static<typeof BridgeMessage>;

export const PopupMessage = Type.Union([
  Type.Object({ type: Type.Literal('popup/state') }),
  Type.Object({ type: Type.Literal('popup/start-pairing') }),
  Type.Object({ type: Type.Literal('popup/keepalive') }),
  Type.Object({ type: Type.Literal('popup/unpair') }),
  Type.Object({ type: Type.Literal('popup/confirm-pairing') }),
  Type.Object({ type: Type.Literal('popup/set-relay'), relayUrl: Type.String({ minLength: 1, maxLength: 2048 }) }),
  Type.Object({ type: Type.Literal('popup/set-phone-url'), phoneUrl: Type.String({ minLength: 1, maxLength: 2048 }) }),
]);
export type PopupMessage = Static<typeof PopupMessage>;

/** What the popup renders; the background is the only writer of pairing state. */
export type PopupState =
  | { kind: 'unpaired'; relayUrl: string; phoneUrl: string; pairing: { link: string; expiresAt: number } | null; error: string | null }
  | { kind: 'confirming' | 'paired'; relayUrl: string; phoneUrl: string; phoneName: string; confirmationCode: string; pairedAt: number };
