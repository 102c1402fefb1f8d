// The messages carried inside the encrypted channel, as TypeBox schemas. Decryption proves who
// sent a message, not that it is well-formed: a buggy or compromised peer can still send
// anything, so every decoded message is validated here before any other code sees it.
// Validation uses Value.Check / Value.Errors (an interpreter); the TypeCompiler would need
// eval, which extension pages forbid.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { LARGE_BLOB_MAX_BYTES } from '../authenticator/core.ts';
import { utf8Decode, utf8Encode } from '../bytes.ts';
import { WEBAUTHN_ERROR_NAMES } from '../errors.ts';
import { ProtocolError } from './errors.ts';
import { PushSubscriptionInfoSchema } from '../push/subscription.ts';

/**
 * Unpadded base64url of at most `maxBytes` bytes. The pattern also refuses lengths that are
 * 1 mod 4, which no byte string encodes to.
 */
function B64(maxBytes: number, minBytes = 0) {
  return Type.String({
    pattern: '^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2,3})?$',
    minLength: Math.ceil((minBytes * 4) / 3),
    maxLength: Math.ceil((maxBytes * 4) / 3),
  });
}

// Limits: WebAuthn's own where it has them (user.id ≤ 64 bytes, credential id ≤ 1023 bytes),
// otherwise generous bounds that still keep one message well inside a frame.
const RequestId = Type.String({ minLength: 1, maxLength: 64 });
/**
 * Milliseconds. WebAuthn's recommended ceiling is 600 000 ms and clients clamp to it before
 * sending; fractions are allowed because pages may pass them and clamping keeps them.
 */
const Timeout = Type.Number({ minimum: 1, maximum: 600_000 });
const ClientDataJSON = B64(8192, 1);
const Text = (maxLength: number) => Type.String({ maxLength });
const Transports = Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { maxItems: 8 });
const CredentialId = B64(1023, 1);
const CredentialDescriptor = Type.Object(
  { type: Type.Literal('public-key'), id: CredentialId, transports: Type.Optional(Transports) },
  { additionalProperties: false },
);
const CredentialList = Type.Array(CredentialDescriptor, { maxItems: 64 });
const Requirement = Type.Union([Type.Literal('discouraged'), Type.Literal('preferred'), Type.Literal('required')]);
/** COSE algorithm identifiers are signed integers (RFC 9053). */
const CoseAlgorithm = Type.Integer({ minimum: -2_147_483_648, maximum: 2_147_483_647 });

const strict = { additionalProperties: false } as const;

/**
 * PRF (WebAuthn L3 §10.1.4): salts travel already hashed by the client
 * (SHA-256("WebAuthn PRF" ‖ 0x00 ‖ input)), results are the authenticator's HMAC outputs; both
 * are exactly 32 bytes.
 */
const Prf32 = B64(32, 32);
const PrfValues = Type.Object({ first: Prf32, second: Type.Optional(Prf32) }, strict);
/** A credential's large blob (WebAuthn L3 §10.1.5), as much as a phone keeps per credential. */
const LargeBlob = B64(LARGE_BLOB_MAX_BYTES);
const PrfEvalInputs = Type.Object(
  {
    eval: Type.Optional(PrfValues),
    /** Keys are credential ids (base64url) from allowCredentials. */
    evalByCredential: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9_-]{2,1366}$' }), PrfValues, { maxProperties: 64, additionalProperties: false })),
  },
  strict,
);

// extension → phone

/**
 * Present when the client accepted an RP ID of another site because that site's
 * `/.well-known/webauthn` lists the caller's origin (L3 §5.11): the phone cannot repeat that check
 * (it would need the list), so it checks only that both are well-formed and shows both.
 */
const RpIdVia = Type.Optional(Type.Literal('related-origins'));

export const MakeCredentialSchema = Type.Object(
  {
    type: Type.Literal('make-credential'),
    id: RequestId,
    rpIdVia: RpIdVia,
    timeout: Timeout,
    clientDataJSON: ClientDataJSON,
    rp: Type.Object({ id: Type.String({ minLength: 1, maxLength: 253 }), name: Text(1024) }, strict),
    // An empty user.id is allowed: Chromium registers with one (issue 12, docs/extension.md "Conformance").
    user: Type.Object({ id: B64(64), name: Text(1024), displayName: Text(1024) }, strict),
    pubKeyCredParams: Type.Array(Type.Object({ type: Type.Literal('public-key'), alg: CoseAlgorithm }, strict), {
      maxItems: 32,
    }),
    excludeCredentials: CredentialList,
    residentKey: Requirement,
    userVerification: Requirement,
    attestation: Type.Union([Type.Literal('none'), Type.Literal('indirect'), Type.Literal('direct'), Type.Literal('enterprise')]),
    extensions: Type.Object(
      {
        credProps: Type.Optional(Type.Boolean()),
        /** Present when the site asked for PRF; only sent to a phone that announced it (hello). */
        prf: Type.Optional(Type.Object({ eval: Type.Optional(PrfValues) }, strict)),
        /** Present when the site asked for largeBlob; only sent to a phone that announced it. */
        largeBlob: Type.Optional(Type.Object({ support: Type.Union([Type.Literal('required'), Type.Literal('preferred')]) }, strict)),
      },
      strict,
    ),
  },
  strict,
);

export const GetAssertionSchema = Type.Object(
  {
    type: Type.Literal('get-assertion'),
    id: RequestId,
    rpIdVia: RpIdVia,
    timeout: Timeout,
    clientDataJSON: ClientDataJSON,
    rpId: Type.String({ minLength: 1, maxLength: 253 }),
    allowCredentials: CredentialList,
    userVerification: Requirement,
    extensions: Type.Optional(
      Type.Object(
        {
          prf: Type.Optional(PrfEvalInputs),
          /** Read the credential's large blob, or replace it (WebAuthn L3 §10.1.5). */
          largeBlob: Type.Optional(Type.Union([Type.Object({ read: Type.Literal(true) }, strict), Type.Object({ write: LargeBlob }, strict)])),
        },
        strict,
      ),
    ),
  },
  strict,
);

export const CancelSchema = Type.Object({ type: Type.Literal('cancel'), id: RequestId }, strict);

// either direction

/**
 * The sender forgets this pairing: the receiver deletes its side too and never accepts the old
 * keys again. Sent by the extension when the person unpairs (or rejects the confirmation code),
 * and by a phone that removes the browser.
 */
export const UnpairSchema = Type.Object({ type: Type.Literal('unpair') }, strict);

// phone → extension

export const CredentialCreatedSchema = Type.Object(
  {
    type: Type.Literal('credential-created'),
    id: RequestId,
    credentialId: CredentialId,
    attestationObject: B64(16_384, 1),
    authenticatorData: B64(8192, 37),
    publicKey: B64(2048, 1),
    publicKeyAlgorithm: CoseAlgorithm,
    transports: Transports,
    residentKey: Type.Boolean(),
    /** Answer to `extensions.largeBlob`: whether the new credential can hold a blob. */
    largeBlob: Type.Optional(Type.Object({ supported: Type.Boolean() }, strict)),
    /** Answer to `extensions.prf`: whether the credential has PRF, and results if `eval` was given. */
    prf: Type.Optional(Type.Object({ enabled: Type.Boolean(), results: Type.Optional(PrfValues) }, strict)),
  },
  strict,
);

export const AssertionSchema = Type.Object(
  {
    type: Type.Literal('assertion'),
    id: RequestId,
    credentialId: CredentialId,
    authenticatorData: B64(8192, 37),
    signature: B64(1024, 1),
    userHandle: Type.Union([B64(64, 1), Type.Null()]),
    prf: Type.Optional(Type.Object({ results: PrfValues }, strict)),
    /** Answer to `extensions.largeBlob`: the blob read (absent when none is stored), or whether it was written. */
    largeBlob: Type.Optional(Type.Union([Type.Object({ blob: Type.Optional(LargeBlob) }, strict), Type.Object({ written: Type.Boolean() }, strict)])),
  },
  strict,
);

/**
 * Phone → extension, right after each session handshake: the client extensions this phone can
 * serve beyond the basics (today: "prf"). A phone that sends nothing is asked for none of them.
 */
export const HelloSchema = Type.Object(
  { type: Type.Literal('hello'), extensions: Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { maxItems: 16 }) },
  strict,
);

/**
 * Phone → extension, after each handshake when the phone has a Web Push subscription, and again
 * whenever it changes: where the extension may wake it (shared/push/). `null`: the phone has none
 * any more (permission withdrawn, unsubscribed); the extension forgets the one it kept.
 */
export const PushSubscriptionMessageSchema = Type.Object(
  { type: Type.Literal('push-subscription'), subscription: Type.Union([PushSubscriptionInfoSchema, Type.Null()]) },
  strict,
);

export const ErrorSchema = Type.Object(
  {
    type: Type.Literal('error'),
    id: RequestId,
    name: Type.Union(WEBAUTHN_ERROR_NAMES.map((name) => Type.Literal(name))),
    message: Text(1024),
  },
  strict,
);

const SCHEMAS_BY_TYPE = {
  'make-credential': MakeCredentialSchema,
  'get-assertion': GetAssertionSchema,
  cancel: CancelSchema,
  'credential-created': CredentialCreatedSchema,
  assertion: AssertionSchema,
  error: ErrorSchema,
  hello: HelloSchema,
  unpair: UnpairSchema,
  'push-subscription': PushSubscriptionMessageSchema,
} as const;

export const ChannelMessageSchema = Type.Union(Object.values(SCHEMAS_BY_TYPE));

export type MakeCredentialMessage = Static<typeof MakeCredentialSchema>;
export type GetAssertionMessage = Static<typeof GetAssertionSchema>;
export type CancelMessage = Static<typeof CancelSchema>;
export type CredentialCreatedMessage = Static<typeof CredentialCreatedSchema>;
export type AssertionMessage = Static<typeof AssertionSchema>;
export type ErrorMessage = Static<typeof ErrorSchema>;
export type UnpairMessage = Static<typeof UnpairSchema>;
export type HelloMessage = Static<typeof HelloSchema>;
export type PushSubscriptionMessage = Static<typeof PushSubscriptionMessageSchema>;
export type ChannelMessage =
  | MakeCredentialMessage
  | GetAssertionMessage
  | CancelMessage
  | CredentialCreatedMessage
  | AssertionMessage
  | ErrorMessage
  | HelloMessage
  | UnpairMessage
  | PushSubscriptionMessage;
export type ChannelMessageType = ChannelMessage['type'];

/**
 * What the extension asks a phone to do, and what the phone answers: the two ends of one request
 * (phone/core answers it, extension/background/phone-link.ts sends it). Declared once here so
 * both sides agree by construction.
 */
export const PhoneRequestSchema = Type.Union([MakeCredentialSchema, GetAssertionSchema]);
export const PhoneReplySchema = Type.Union([CredentialCreatedSchema, AssertionSchema, ErrorSchema]);
export type PhoneRequest = Static<typeof PhoneRequestSchema>;
export type PhoneReply = Static<typeof PhoneReplySchema>;

/** An already validated channel message that asks the phone for a credential or an assertion. */
export function isPhoneRequest(message: ChannelMessage): message is PhoneRequest {
  return message.type === 'make-credential' || message.type === 'get-assertion';
}

/** An already validated channel message that answers a PhoneRequest. */
export function isPhoneReply(message: ChannelMessage): message is PhoneReply {
  return message.type === 'credential-created' || message.type === 'assertion' || message.type === 'error';
}
export const CHANNEL_MESSAGE_TYPES = Object.keys(SCHEMAS_BY_TYPE) as ChannelMessageType[];

/** Validate `value` against `schema`; on failure throw 'schema' naming the first failing path. */
export function checkSchema<T extends TSchema>(schema: T, value: unknown, what: string): Static<T> {
  if (Value.Check(schema, value)) return value;
  const first = Value.Errors(schema, value).First();
  const where = first?.path ? first.path : '/';
  throw new ProtocolError('schema', `Invalid ${what} at ${where}: ${first?.message ?? 'does not match the schema'}.`);
}

/**
 * Check an already-parsed JSON value. The `type` field picks the schema first, so a bad field
 * is reported by its own path rather than as "no union member matched".
 */
export function parseChannelMessage(json: unknown): ChannelMessage {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ProtocolError('schema', 'Invalid channel message at /: expected a JSON object.');
  }
  const type: unknown = (json as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.hasOwn(SCHEMAS_BY_TYPE, type)) {
    throw new ProtocolError('schema', `Invalid channel message at /type: unknown message type ${JSON.stringify(type) ?? 'undefined'}.`);
  }
  const schema = SCHEMAS_BY_TYPE[type as ChannelMessageType];
  return checkSchema(schema, json, `"${type}" message`);
}

/** Validate, then serialise as UTF-8 JSON. Refusing to send a bad message catches bugs at the source. */
export function encodeChannelMessage(message: ChannelMessage): Uint8Array {
  return utf8Encode(JSON.stringify(parseChannelMessage(message)));
}

export function decodeChannelMessage(bytes: Uint8Array): ChannelMessage {
  let json: unknown;
  try {
    json = JSON.parse(utf8Decode(bytes));
  } catch (cause) {
    throw new ProtocolError('malformed', 'A channel message is not valid UTF-8 JSON.', { cause });
  }
  return parseChannelMessage(json);
}
