// TypeBox schemas for every RP JSON route: Fastify validates request bodies against them
// (failures become `400 { error }`) and serialises 200 responses through them, so a response
// can never carry a field (a password hash, a secret) that its schema does not name.
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { Type } from '@sinclair/typebox';

export const Username = Type.String({
  minLength: 3,
  maxLength: 32,
  pattern: '^[a-z0-9_.-]+$',
  description: '3 to 32 characters: lower-case letters, digits, "_", "." or "-"',
});

export const Email = Type.String({
  maxLength: 254,
  // Deliberately loose (RFC 5322 is not worth enforcing): the verification email is the real check.
  pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$',
  description: 'an email address',
});

/** The policy (length, common passwords) is checked in code so its message can explain itself. */
export const Password = Type.String({ minLength: 1, maxLength: 1024 });
const Code = Type.String({ minLength: 1, maxLength: 64 });
const Token = Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' });
export const KeyName = Type.String({ minLength: 1, maxLength: 64, pattern: '\\S' });
const B64url = (maxLength: number) => Type.String({ pattern: '^[A-Za-z0-9_-]*$', maxLength });
const Iso = Type.String({ description: 'ISO 8601' });
const NullableIso = Type.Union([Iso, Type.Null()]);
export const Ok = Type.Object({ ok: Type.Literal(true) });

// ---- WebAuthn responses (as produced by @simplewebauthn/browser) ----

// Extra members are allowed (browsers add fields over time); the WebAuthn library ignores them.
const ClientExtensionResults = Type.Record(Type.String(), Type.Unknown());
const AuthenticatorAttachment = Type.Union([Type.Literal('platform'), Type.Literal('cross-platform')]);

/** RegistrationResponseJSON (WebAuthn L3 §5.1.3.2). */
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

/** AuthenticationResponseJSON (WebAuthn L3 §5.1.4.2). */
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

// Options come from @simplewebauthn/server and are passed through untouched.
export const CreationOptions = Type.Unsafe<PublicKeyCredentialCreationOptionsJSON>({ type: 'object', additionalProperties: true });
export const RequestOptions = Type.Unsafe<PublicKeyCredentialRequestOptionsJSON>({ type: 'object', additionalProperties: true });

// ---- accounts and sign-in ----

export const SignupBody = Type.Object({ username: Username, email: Email, password: Password });
export const PasswordSigninBody = Type.Object({ username: Type.String({ maxLength: 64 }), password: Password });
export const CodeBody = Type.Object({ code: Code });
export const TokenBody = Type.Object({ token: Token });

const Recovery = Type.Union([Type.Null(), Type.Object({ availableAt: Iso, ready: Type.Boolean() })]);

export const SigninResult = Type.Union([
  Type.Object({ status: Type.Literal('signed-in'), username: Type.String(), mustSetUp2fa: Type.Boolean() }),
  Type.Object({
    status: Type.Literal('second-factor'),
    methods: Type.Object({
      securityKey: Type.Boolean(),
      otp: Type.Union([Type.Literal('totp'), Type.Literal('hotp'), Type.Null()]),
      backupCode: Type.Boolean(),
    }),
    recovery: Recovery,
  }),
]);
export const SignedIn = Type.Object({ status: Type.Literal('signed-in'), username: Type.String(), mustSetUp2fa: Type.Boolean() });

export const Me = Type.Object({ username: Type.String() });

export const Account = Type.Object({
  username: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  emailVerified: Type.Boolean(),
  twoFactor: Type.Object({
    enabled: Type.Boolean(),
    securityKeys: Type.Integer(),
    otp: Type.Union([
      Type.Null(),
      Type.Object({
        kind: Type.String(),
        algorithm: Type.String(),
        digits: Type.Integer(),
        period: Type.Integer(),
        enabledAt: NullableIso,
        lastUsedAt: NullableIso,
      }),
    ]),
    backupCodes: Type.Object({ remaining: Type.Integer(), low: Type.Boolean() }),
  }),
  recovery: Type.Union([Type.Null(), Type.Object({ availableAt: Iso })]),
  /** Organisations that require 2FA the account does not have yet. */
  mustSetUp2faFor: Type.Array(Type.String()),
});

// ---- second factors ----

export const Proof = Type.Union([
  Type.Object({ type: Type.Literal('otp'), code: Code }),
  Type.Object({ type: Type.Literal('backup-code'), code: Code }),
  Type.Object({ type: Type.Literal('security-key'), credential: AuthenticationResponseBody }),
]);
/** Re-authentication for changes that weaken 2FA. */
export const ReauthBody = Type.Object({ password: Type.Optional(Password), proof: Type.Optional(Proof) });
export const PasswordBody = Type.Object({ password: Password });
/** Changing the password: re-authentication (the current password, a proof when 2FA is on) and the new one. */
export const PasswordChangeBody = Type.Object({ password: Type.Optional(Password), proof: Type.Optional(Proof), newPassword: Password });
/** A username or an email address: the answer is the same whether or not it matches an account. */
export const ResetRequestBody = Type.Object({ account: Type.String({ minLength: 1, maxLength: 254 }) });
export const ResetCompleteBody = Type.Object({ token: Token, newPassword: Password });

export const KeyKind = Type.Union([Type.Literal('passkey'), Type.Literal('security-key')]);
export const KeyOptionsBody = Type.Object({ password: Password, kind: KeyKind });
export const KeyVerifyBody = Type.Object({ name: KeyName, credential: RegistrationResponseBody });
export const RenameBody = Type.Object({ name: KeyName });
export const KeyIdParams = Type.Object({ id: B64url(1366) });

export const Key = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: KeyKind,
  transports: Type.Array(Type.String()),
  signCount: Type.Integer(),
  backupEligible: Type.Boolean(),
  backupState: Type.Boolean(),
  createdAt: Iso,
  lastUsedAt: NullableIso,
  cloneWarningAt: NullableIso,
});
export const KeyList = Type.Object({ keys: Type.Array(Key) });
export const BackupCodesOnce = Type.Union([Type.Array(Type.String()), Type.Null()]);
export const KeyAdded = Type.Object({ key: Key, backupCodes: BackupCodesOnce });

export const OtpSetupBody = Type.Object({
  password: Password,
  kind: Type.Optional(Type.Union([Type.Literal('totp'), Type.Literal('hotp')])),
});
export const OtpSetup = Type.Object({
  kind: Type.String(),
  secret: Type.String({ description: 'base32, for manual entry' }),
  uri: Type.String({ description: 'otpauth:// URI' }),
  qr: Type.String({ description: 'PNG data URL of the URI' }),
  issuer: Type.String(),
  label: Type.String(),
  algorithm: Type.String(),
  digits: Type.Integer(),
  period: Type.Integer(),
});
export const OtpConfirmed = Type.Object({ ok: Type.Literal(true), backupCodes: BackupCodesOnce });
export const BackupCodes = Type.Object({ codes: Type.Array(Type.String()) });
export const Removed = Type.Object({ ok: Type.Literal(true), twoFactorEnabled: Type.Boolean() });

// ---- recovery ----

export const RecoveryStarted = Type.Object({ ok: Type.Literal(true), sentTo: Type.String() });
export const RecoveryConfirmed = Type.Object({ ok: Type.Literal(true), availableAt: Iso });

// ---- audit ----

export const AuditList = Type.Object({
  entries: Type.Array(
    Type.Object({
      at: Iso,
      event: Type.String(),
      detail: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()])),
      ip: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});

// ---- organisations ----

export const OrgName = Type.String({ minLength: 2, maxLength: 64, pattern: '^[\\p{L}\\p{N}][\\p{L}\\p{N} ._-]*$' });
export const OrgBody = Type.Object({ name: OrgName });
export const OrgParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
export const MemberParams = Type.Object({ id: Type.Integer({ minimum: 1 }), username: Username });
export const MemberBody = Type.Object({ username: Username });
export const EnforceBody = Type.Object({ enforce: Type.Boolean() });

const Member = Type.Object({
  username: Type.String(),
  role: Type.String(),
  joinedAt: Iso,
  twoFactor: Type.Object({ enabled: Type.Boolean(), securityKeys: Type.Integer(), otp: Type.Boolean() }),
});
/** A pending invitation as its admin sees it: the name they typed, nothing about the account. */
const SentInvitation = Type.Object({ username: Type.String(), invitedAt: Iso, expiresAt: Iso });
/** A pending invitation as the invitee sees it, with the rule they would accept. */
const ReceivedInvitation = Type.Object({
  orgId: Type.Integer(),
  org: Type.String(),
  invitedBy: Type.Union([Type.String(), Type.Null()]),
  enforce2fa: Type.Boolean(),
  expiresAt: Iso,
});
export const OrgList = Type.Object({
  orgs: Type.Array(
    Type.Object({
      id: Type.Integer(),
      name: Type.String(),
      role: Type.String(),
      enforce2fa: Type.Boolean(),
      /** Only an admin sees the (accepted) members and their 2FA status. */
      members: Type.Union([Type.Array(Member), Type.Null()]),
      /** Only an admin sees the pending invitations. */
      invited: Type.Union([Type.Array(SentInvitation), Type.Null()]),
    }),
  ),
  invitations: Type.Array(ReceivedInvitation),
});
export const InvitationParams = Type.Object({ orgId: Type.Integer({ minimum: 1 }) });

// ---- misc ----

export const CsrfToken = Type.Object({ token: Type.String() });
export const ServerInfo = Type.Object({
  rpName: Type.String(),
  /** Environment variable names of the protections that are off (QA mode). */
  insecure: Type.Array(Type.String()),
  devOutbox: Type.Boolean(),
  recoveryWait: Type.String(),
});
