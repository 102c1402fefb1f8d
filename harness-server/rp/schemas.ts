// TypeBox schemas for every RP JSON route: Fastify validates request bodies against them
// (failures become `400 { error }`) and serialises responses through them.
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { Type, type Static } from '@sinclair/typebox';

export const Username = Type.String({
  minLength: 3,
  maxLength: 32,
  pattern: '^[a-z0-9_.-]+$',
  description: '3 to 32 characters: lower-case letters, digits, "_", "." or "-"',
});

const B64url = (maxLength: number) => Type.String({ pattern: '^[A-Za-z0-9_-]*$', maxLength });

export const ErrorBody = Type.Object({ error: Type.String() });

export const SignupOptionsBody = Type.Object({ username: Username });
export type SignupOptionsBody = Static<typeof SignupOptionsBody>;

export const SigninOptionsBody = Type.Object({ username: Type.Optional(Username) });
export type SigninOptionsBody = Static<typeof SigninOptionsBody>;

// Extra members are allowed (browsers add fields over time); the WebAuthn library ignores them.
const ClientExtensionResults = Type.Record(Type.String(), Type.Unknown());
const AuthenticatorAttachment = Type.Union([Type.Literal('platform'), Type.Literal('cross-platform')]);

/** RegistrationResponseJSON (WebAuthn L3 §5.1.3.2, as produced by startRegistration). */
export const RegistrationResponseBody = Type.Object({
  id: B64url(1366),
  rawId: B64url(1366),
  type: Type.Literal('public-key'),
  authenticatorAttachment: Type.Optional(AuthenticatorAttachment),
  clientExtensionResults: ClientExtensionResults,
  response: Type.Object({
    clientDataJSON: B64url(8192),
    attestationObject: B64url(32768),
    authenticatorData: Type.Optional(B64url(32768)),
    transports: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 16 })),
    publicKeyAlgorithm: Type.Optional(Type.Integer()),
    publicKey: Type.Optional(B64url(8192)),
  }),
});
export type RegistrationResponseBody = Static<typeof RegistrationResponseBody>;

/** AuthenticationResponseJSON (WebAuthn L3 §5.1.4.2, as produced by startAuthentication). */
export const AuthenticationResponseBody = Type.Object({
  id: B64url(1366),
  rawId: B64url(1366),
  type: Type.Literal('public-key'),
  authenticatorAttachment: Type.Optional(AuthenticatorAttachment),
  clientExtensionResults: ClientExtensionResults,
  response: Type.Object({
    clientDataJSON: B64url(8192),
    authenticatorData: B64url(32768),
    signature: B64url(1024),
    userHandle: Type.Optional(B64url(128)),
  }),
});
export type AuthenticationResponseBody = Static<typeof AuthenticationResponseBody>;

// Options come from @simplewebauthn/server and are passed through untouched.
export const CreationOptions = Type.Unsafe<PublicKeyCredentialCreationOptionsJSON>({
  type: 'object',
  additionalProperties: true,
});
export const RequestOptions = Type.Unsafe<PublicKeyCredentialRequestOptionsJSON>({
  type: 'object',
  additionalProperties: true,
});

export const SignedIn = Type.Object({ ok: Type.Literal(true), username: Type.String() });
export const Ok = Type.Object({ ok: Type.Literal(true) });
export const Me = Type.Object({ username: Type.String() });

export const CredentialSummary = Type.Object({
  id: Type.String(),
  name: Type.String(),
  transports: Type.Array(Type.String()),
  signCount: Type.Integer(),
  backupEligible: Type.Boolean(),
  backupState: Type.Boolean(),
  createdAt: Type.String({ description: 'ISO 8601' }),
  lastUsedAt: Type.Union([Type.String(), Type.Null()]),
});
export const CredentialList = Type.Object({ credentials: Type.Array(CredentialSummary) });
