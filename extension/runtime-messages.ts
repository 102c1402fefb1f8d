// Messages between extension contexts, each with a TypeBox schema: the background checks every
// message against these (Value.Check, no eval) before acting, and checks *who* sent it
// (background/senders.ts). Content scripts may only run ceremonies and ask for capabilities;
// only extension pages may change pairing, rules or settings.
import { Type, type Static } from '@sinclair/typebox';
import type { CeremonyResult } from '../shared/webauthn/ceremony-contract.ts';

const strict = { additionalProperties: false } as const;
const Id = Type.String({ minLength: 1, maxLength: 64 });
const Url = Type.String({ minLength: 1, maxLength: 2048 });

// ---- bridge ↔ background: one runtime port per frame, ceremonies on it by id ---------------------

/**
 * Names one ceremony on a frame's port. The bridge numbers its ceremonies 1, 2, …; the background
 * keeps them apart per port, so one frame can never reach another frame's ceremony.
 */
const CeremonyId = Type.Integer({ minimum: 1, maximum: 2 ** 31 });

/** What the bridge (isolated world, not the page) observed about the calling frame. */
export const FrameInfoSchema = Type.Object(
  {
    top: Type.Boolean(),
    /** location.ancestorOrigins, nearest first; null where the browser lacks it. */
    ancestorOrigins: Type.Union([Type.Array(Type.String({ maxLength: 2048 }), { maxItems: 64 }), Type.Null()]),
    /** The frame's permissions policy for this ceremony's feature; null where the browser cannot say. */
    permitted: Type.Union([Type.Boolean(), Type.Null()]),
    /** navigator.userActivation.isActive when the request reached the bridge. */
    userActivation: Type.Boolean(),
  },
  strict,
);
export type FrameInfo = Static<typeof FrameInfoSchema>;

export const CeremonyMessageSchema = Type.Union([
  Type.Object(
    {
      type: Type.Literal('start'),
      id: CeremonyId,
      kind: Type.Union([Type.Literal('create'), Type.Literal('get')]),
      options: Type.Unknown(),
      mediation: Type.Optional(Type.String({ maxLength: 32 })),
      frame: FrameInfoSchema,
    },
    strict,
  ),
  Type.Object({ type: Type.Literal('cancel'), id: CeremonyId }, strict),
  Type.Object({ type: Type.Literal('native-done'), id: CeremonyId }, strict),
  /** While any ceremony of the frame waits (MV3 suspends a worker idle for 30 s). */
  Type.Object({ type: Type.Literal('keepalive') }, strict),
]);
export type CeremonyMessage = Static<typeof CeremonyMessageSchema>;
export type CeremonyStart = Extract<CeremonyMessage, { type: 'start' }>;

export type CeremonyReply = { type: 'result'; id: number; result: CeremonyResult } | { type: 'start-native'; id: number };

// ---- one-shot messages from content scripts ------------------------------------------------------

export const ContentMessageSchema = Type.Union([
  Type.Object({ type: Type.Literal('page/capabilities') }, strict),
  /** The top frame's server declared these (bridge/connect.ts); the person has not agreed to anything yet. */
  Type.Object({ type: Type.Literal('page/connect'), relayUrl: Url, phoneUrl: Url }, strict),
]);
export type ContentMessage = Static<typeof ContentMessageSchema>;

/** Background → every frame of a tab (Firefox): does one of your iframes permit this feature? */
export const FramePolicyQuerySchema = Type.Object(
  {
    type: Type.Literal('frame/policy'),
    frameId: Type.Integer({ minimum: 1 }),
    /** The calling frame's origin, as the browser reported it to the background. */
    origin: Url,
    feature: Type.Union([Type.Literal('publickey-credentials-create'), Type.Literal('publickey-credentials-get')]),
  },
  strict,
);
export type FramePolicyQuery = Static<typeof FramePolicyQuerySchema>;

// ---- extension pages ↔ background: a runtime port per open page -----------------------------------

export const SiteRuleSchema = Type.Union([Type.Literal('phone'), Type.Literal('browser'), Type.Literal('ask')]);
export type SiteRule = Static<typeof SiteRuleSchema>;

/** The person's answer for a pending request: run it on the phone, in the browser, or not at all. */
export const ChoiceSchema = Type.Union([Type.Literal('phone'), Type.Literal('browser'), Type.Literal('cancel')]);
export type Choice = Static<typeof ChoiceSchema>;

export const UiCommandSchema = Type.Union([
  /** An open page keeps the background awake (MV3 suspends a worker idle for 30 s). */
  Type.Object({ type: Type.Literal('keepalive') }, strict),
  Type.Object({ type: Type.Literal('start-pairing') }, strict),
  Type.Object({ type: Type.Literal('confirm-pairing'), phoneId: Id }, strict),
  Type.Object({ type: Type.Literal('reject-pairing'), phoneId: Id }, strict),
  Type.Object({ type: Type.Literal('unpair'), phoneId: Id }, strict),
  Type.Object({ type: Type.Literal('rename-phone'), phoneId: Id, name: Type.String({ minLength: 1, maxLength: 64 }) }, strict),
  Type.Object({ type: Type.Literal('set-relay'), relayUrl: Url }, strict),
  Type.Object({ type: Type.Literal('set-phone-url'), phoneUrl: Url }, strict),
  /** The Connection form: both URLs, stored only if both are valid; answered with `saved`. */
  Type.Object({ type: Type.Literal('save-connection'), relayUrl: Type.String({ maxLength: 2048 }), phoneUrl: Type.String({ maxLength: 2048 }) }, strict),
  /** The person's answer in the connect window to a server's "Connect Pairkey" offer. */
  Type.Object({ type: Type.Literal('accept-connect'), offerId: Id }, strict),
  Type.Object({ type: Type.Literal('decline-connect'), offerId: Id }, strict),
  Type.Object({ type: Type.Literal('set-default-rule'), rule: SiteRuleSchema }, strict),
  Type.Object({ type: Type.Literal('set-site-rule'), site: Type.String({ minLength: 1, maxLength: 512 }), rule: Type.Union([SiteRuleSchema, Type.Null()]) }, strict),
  Type.Object({ type: Type.Literal('set-proxy'), enabled: Type.Boolean() }, strict),
  Type.Object({ type: Type.Literal('choose'), requestId: Id, choice: ChoiceSchema, remember: Type.Optional(Type.Boolean()) }, strict),
]);
export type UiCommand = Static<typeof UiCommandSchema>;

export type PhoneStatus = 'unconfirmed' | 'offline' | 'waiting' | 'online';

export interface PhoneView {
  id: string;
  name: string;
  status: PhoneStatus;
  confirmationCode: string;
  pairedAt: number;
}

export type RequestStage = 'choosing' | 'conditional' | 'reaching-phone' | 'on-phone';

/**
 * While reaching the phone (background/wake.ts): `waking`, a Web Push wake-up is on its way to an
 * absent phone; `open-phone`, none could be sent, so the person must open Pairkey on the phone.
 */
export type WakeState = 'waking' | 'open-phone';

export interface RequestView {
  id: string;
  origin: string;
  kind: 'create' | 'get';
  /** For `create`: a passkey (discoverable credential) or a security key (server-side credential). */
  credential?: 'passkey' | 'security-key';
  stage: RequestStage;
  /** Set only in the `reaching-phone` stage, once a paired phone was found absent. */
  wake?: WakeState;
  startedAt: number;
}

/**
 * A request Pairkey handed to the browser's own authenticators, and why (`no-phone-online`: no
 * paired phone came online in time), for the popup's notice; the reason is also its data-reason.
 */
export interface HandoffView {
  origin: string;
  kind: 'create' | 'get';
  credential?: 'passkey' | 'security-key';
  reason: 'no-phone-online';
  at: number;
}

/** A server's "Connect Pairkey to this server" offer, waiting for the person in the connect window. */
export interface ConnectOfferView {
  id: string;
  /** The page's origin, as the browser reported it (never the page's own claim). */
  origin: string;
  relayUrl: string;
  phoneUrl: string;
  /** The relay is on another host than the page that offered it. */
  relayElsewhere: boolean;
  /** Why a real phone could not open the phone app URL, if it could not. */
  phoneUrlProblem: 'localhost' | 'http' | null;
  /** Pairkey already uses exactly these two URLs. */
  current: boolean;
  /** Phones are paired on another relay: they would need pairing again. */
  pairedPhones: boolean;
  accepted: boolean;
}

/** Everything the extension pages render; the background is its only writer. */
export interface UiState {
  relayUrl: string;
  phoneUrl: string;
  defaultRule: SiteRule;
  siteRules: { site: string; rule: SiteRule }[];
  proxy: { available: boolean; enabled: boolean; attached: boolean };
  phones: PhoneView[];
  pairing: { link: string; expiresAt: number } | null;
  pairingError: string | null;
  requests: RequestView[];
  /** Why a real phone could not open the stored phone app URL, if it could not (popup warning). */
  phoneUrlProblem: 'localhost' | 'http' | null;
  connectOffer: ConnectOfferView | null;
  /** The last request handed to the browser because no phone was online (until one reaches a phone). */
  handoff: HandoffView | null;
}

/** Background → extension page on the UI port. */
export type UiEvent =
  | { type: 'state'; state: UiState }
  /** A sentence for the person; `code` names the case for QA, `field` the form field it is about. */
  | { type: 'error'; message: string; code: string; field?: string }
  /** The command (a form) was stored. */
  | { type: 'saved'; what: 'connection' };
