// WebAuthn Level 3 JSON forms (§5.1.8 / §5.1.9 and PublicKeyCredential.toJSON(), §5.1): every
// binary member is an unpadded base64url string. Parsing is schema-checked with TypeBox
// (Value.Check/Value.Errors only: no code generation, so it runs under an MV3 CSP), then the
// decoded native shape goes through validateCreationOptions/validateRequestOptions, so JSON and
// native inputs get exactly the same defaults and rules.
import { Type, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { fromB64url, toB64url } from '../bytes.ts';
import { WebAuthnError } from '../errors.ts';
import {
  validateCreationOptions,
  validateRequestOptions,
  type AttestationConveyancePreference,
  type AuthenticatorAttachment,
  type CreationOptions,
  type CredentialDescriptor,
  type RequestOptions,
  type ResidentKeyRequirement,
  type UserVerificationRequirement,
} from './options.ts';

export type Base64URLString = string;

export interface PublicKeyCredentialDescriptorJSON {
  type: 'public-key';
  id: Base64URLString;
  transports?: string[];
}

export interface PublicKeyCredentialCreationOptionsJSON {
  rp: { id?: string; name: string };
  user: { id: Base64URLString; name: string; displayName: string };
  challenge: Base64URLString;
  pubKeyCredParams: { type: 'public-key'; alg: number }[];
  timeout?: number;
  excludeCredentials?: PublicKeyCredentialDescriptorJSON[];
  authenticatorSelection?: {
    authenticatorAttachment?: AuthenticatorAttachment;
    residentKey?: ResidentKeyRequirement;
    requireResidentKey?: boolean;
    userVerification?: UserVerificationRequirement;
  };
  hints?: string[];
  attestation?: AttestationConveyancePreference;
  attestationFormats?: string[];
  extensions?: Record<string, unknown>;
}

export interface PublicKeyCredentialRequestOptionsJSON {
  challenge: Base64URLString;
  timeout?: number;
  rpId?: string;
  allowCredentials?: PublicKeyCredentialDescriptorJSON[];
  userVerification?: UserVerificationRequirement;
  hints?: string[];
  extensions?: Record<string, unknown>;
}

/** AuthenticatorAttestationResponseJSON (§5.2.1): members the L3 IDL marks required are required. */
export interface AuthenticatorAttestationResponseJSON {
  clientDataJSON: Base64URLString;
  authenticatorData: Base64URLString;
  transports: string[];
  publicKey?: Base64URLString;
  publicKeyAlgorithm: number;
  attestationObject: Base64URLString;
}

export interface AuthenticatorAssertionResponseJSON {
  clientDataJSON: Base64URLString;
  authenticatorData: Base64URLString;
  signature: Base64URLString;
  userHandle?: Base64URLString;
}

export interface RegistrationResponseJSON {
  id: Base64URLString;
  rawId: Base64URLString;
  response: AuthenticatorAttestationResponseJSON;
  authenticatorAttachment?: AuthenticatorAttachment;
  clientExtensionResults: Record<string, unknown>;
  type: 'public-key';
}

export interface AuthenticationResponseJSON {
  id: Base64URLString;
  rawId: Base64URLString;
  response: AuthenticatorAssertionResponseJSON;
  authenticatorAttachment?: AuthenticatorAttachment;
  clientExtensionResults: Record<string, unknown>;
  type: 'public-key';
}

// ---- schemas --------------------------------------------------------------------------------
// Lenient where the spec is (enum-like strings are plain strings here; unknown values are
// ignored later by the options validator), strict on structure and on base64url alphabet.

const B64 = Type.String({ pattern: '^[A-Za-z0-9_-]*$', maxLength: 200_000 });
const Str = Type.String();
const Descriptor = Type.Object({ type: Str, id: B64, transports: Type.Optional(Type.Array(Str)) });
const Extensions = Type.Record(Type.String(), Type.Unknown());

const CreationOptionsSchema = Type.Object({
  rp: Type.Object({ id: Type.Optional(Str), name: Str }),
  user: Type.Object({ id: B64, name: Str, displayName: Str }),
  challenge: B64,
  pubKeyCredParams: Type.Array(Type.Object({ type: Str, alg: Type.Union([Type.Number(), Type.String()]) })),
  timeout: Type.Optional(Type.Number()),
  excludeCredentials: Type.Optional(Type.Array(Descriptor)),
  authenticatorSelection: Type.Optional(
    Type.Object({
      authenticatorAttachment: Type.Optional(Str),
      residentKey: Type.Optional(Str),
      requireResidentKey: Type.Optional(Type.Boolean()),
      userVerification: Type.Optional(Str),
    }),
  ),
  hints: Type.Optional(Type.Array(Str)),
  attestation: Type.Optional(Str),
  attestationFormats: Type.Optional(Type.Array(Str)),
  extensions: Type.Optional(Extensions),
});

const RequestOptionsSchema = Type.Object({
  challenge: B64,
  timeout: Type.Optional(Type.Number()),
  rpId: Type.Optional(Str),
  allowCredentials: Type.Optional(Type.Array(Descriptor)),
  userVerification: Type.Optional(Str),
  hints: Type.Optional(Type.Array(Str)),
  extensions: Type.Optional(Extensions),
});

const Attachment = Type.Union([Type.Literal('platform'), Type.Literal('cross-platform')]);

const RegistrationResponseSchema = Type.Object({
  id: B64,
  rawId: B64,
  response: Type.Object({
    clientDataJSON: B64,
    authenticatorData: B64,
    transports: Type.Array(Str),
    publicKey: Type.Optional(B64),
    publicKeyAlgorithm: Type.Integer(),
    attestationObject: B64,
  }),
  authenticatorAttachment: Type.Optional(Attachment),
  clientExtensionResults: Extensions,
  type: Type.Literal('public-key'),
});

const AuthenticationResponseSchema = Type.Object({
  id: B64,
  rawId: B64,
  response: Type.Object({
    clientDataJSON: B64,
    authenticatorData: B64,
    signature: B64,
    userHandle: Type.Optional(B64),
  }),
  authenticatorAttachment: Type.Optional(Attachment),
  clientExtensionResults: Extensions,
  type: Type.Literal('public-key'),
});

// ---- options: JSON → native -----------------------------------------------------------------

export function creationOptionsFromJSON(json: unknown): CreationOptions {
  check(CreationOptionsSchema, json, 'PublicKeyCredentialCreationOptionsJSON');
  const o = json as PublicKeyCredentialCreationOptionsJSON;
  return validateCreationOptions({
    ...o,
    user: { ...o.user, id: b64(o.user.id, 'user.id') },
    challenge: b64(o.challenge, 'challenge'),
    excludeCredentials: descriptorsFromJSON(o.excludeCredentials, 'excludeCredentials'),
    extensions: o.extensions === undefined ? undefined : extensionInputsFromJSON(o.extensions),
  });
}

export function requestOptionsFromJSON(json: unknown): RequestOptions {
  check(RequestOptionsSchema, json, 'PublicKeyCredentialRequestOptionsJSON');
  const o = json as PublicKeyCredentialRequestOptionsJSON;
  return validateRequestOptions({
    ...o,
    challenge: b64(o.challenge, 'challenge'),
    allowCredentials: descriptorsFromJSON(o.allowCredentials, 'allowCredentials'),
    extensions: o.extensions === undefined ? undefined : extensionInputsFromJSON(o.extensions),
  });
}

// ---- options: native → JSON -----------------------------------------------------------------

export function creationOptionsToJSON(o: CreationOptions): PublicKeyCredentialCreationOptionsJSON {
  const sel = o.authenticatorSelection;
  const out: PublicKeyCredentialCreationOptionsJSON = {
    rp: o.rp.id === undefined ? { name: o.rp.name } : { id: o.rp.id, name: o.rp.name },
    user: { id: toB64url(o.user.id), name: o.user.name, displayName: o.user.displayName },
    challenge: toB64url(o.challenge),
    pubKeyCredParams: o.pubKeyCredParams.map((p) => ({ type: p.type, alg: p.alg })),
    excludeCredentials: o.excludeCredentials.map(descriptorToJSON),
    authenticatorSelection: {
      ...(sel.authenticatorAttachment ? { authenticatorAttachment: sel.authenticatorAttachment } : {}),
      residentKey: sel.residentKey,
      requireResidentKey: sel.requireResidentKey,
      userVerification: sel.userVerification,
    },
    hints: [...o.hints],
    attestation: o.attestation,
    extensions: bytesToB64Deep(o.extensions) as Record<string, unknown>,
  };
  if (o.timeout !== undefined) out.timeout = o.timeout;
  return out;
}

export function requestOptionsToJSON(o: RequestOptions): PublicKeyCredentialRequestOptionsJSON {
  const out: PublicKeyCredentialRequestOptionsJSON = {
    challenge: toB64url(o.challenge),
    allowCredentials: o.allowCredentials.map(descriptorToJSON),
    userVerification: o.userVerification,
    hints: [...o.hints],
    extensions: bytesToB64Deep(o.extensions) as Record<string, unknown>,
  };
  if (o.timeout !== undefined) out.timeout = o.timeout;
  if (o.rpId !== undefined) out.rpId = o.rpId;
  return out;
}

// ---- credential responses (schema only: no signature or client data checks) ----------------

export function registrationResponseFromJSON(json: unknown): RegistrationResponseJSON {
  check(RegistrationResponseSchema, json, 'RegistrationResponseJSON');
  const r = json as RegistrationResponseJSON;
  for (const [path, value] of [
    ['id', r.id],
    ['rawId', r.rawId],
    ['response.clientDataJSON', r.response.clientDataJSON],
    ['response.authenticatorData', r.response.authenticatorData],
    ['response.attestationObject', r.response.attestationObject],
    ['response.publicKey', r.response.publicKey],
  ] as const) {
    if (value !== undefined) b64(value, path);
  }
  return r;
}

export function authenticationResponseFromJSON(json: unknown): AuthenticationResponseJSON {
  check(AuthenticationResponseSchema, json, 'AuthenticationResponseJSON');
  const r = json as AuthenticationResponseJSON;
  for (const [path, value] of [
    ['id', r.id],
    ['rawId', r.rawId],
    ['response.clientDataJSON', r.response.clientDataJSON],
    ['response.authenticatorData', r.response.authenticatorData],
    ['response.signature', r.response.signature],
    ['response.userHandle', r.response.userHandle],
  ] as const) {
    if (value !== undefined) b64(value, path);
  }
  return r;
}

// ---- helpers --------------------------------------------------------------------------------

function check(schema: TSchema, value: unknown, what: string): void {
  if (Value.Check(schema, value)) return;
  const first = Value.Errors(schema, value).First();
  const path = first?.path ? first.path.replace(/^\//, '').replace(/\//g, '.') : '';
  throw new WebAuthnError('TypeError', `Invalid ${what}${path ? ` at ${path}` : ''}: ${first?.message ?? 'malformed'}`);
}

/** Decode unpadded base64url; the schema already limited the alphabet, this catches bad lengths. */
function b64(value: string, path: string): Uint8Array {
  try {
    return fromB64url(value);
  } catch {
    throw new WebAuthnError('TypeError', `${path} is not valid base64url`);
  }
}

function descriptorsFromJSON(list: PublicKeyCredentialDescriptorJSON[] | undefined, name: string): unknown[] | undefined {
  return list?.map((d, i) => ({ ...d, id: b64(d.id, `${name}[${i}].id`) }));
}

function descriptorToJSON(d: CredentialDescriptor): PublicKeyCredentialDescriptorJSON {
  return d.transports ? { type: d.type, id: toB64url(d.id), transports: [...d.transports] } : { type: d.type, id: toB64url(d.id) };
}

/**
 * Extension inputs whose members are BufferSources in the IDL and base64url in JSON (§5.1.8
 * AuthenticationExtensionsClientInputsJSON): prf eval/evalByCredential and largeBlob.write.
 * Everything else passes through unchanged.
 */
function extensionInputsFromJSON(ext: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...ext };
  const prf = ext.prf;
  if (isRecord(prf)) {
    const p: Record<string, unknown> = { ...prf };
    if (prf.eval !== undefined) p.eval = prfValuesFromJSON(prf.eval, 'extensions.prf.eval');
    if (prf.evalByCredential !== undefined) {
      if (!isRecord(prf.evalByCredential)) throw new WebAuthnError('TypeError', 'extensions.prf.evalByCredential must be an object');
      p.evalByCredential = Object.fromEntries(
        Object.entries(prf.evalByCredential).map(([k, v]) => [k, prfValuesFromJSON(v, `extensions.prf.evalByCredential.${k}`)]),
      );
    }
    out.prf = p;
  }
  const largeBlob = ext.largeBlob;
  if (isRecord(largeBlob) && largeBlob.write !== undefined) {
    if (typeof largeBlob.write !== 'string') throw new WebAuthnError('TypeError', 'extensions.largeBlob.write must be base64url');
    out.largeBlob = { ...largeBlob, write: b64(largeBlob.write, 'extensions.largeBlob.write') };
  }
  return out;
}

function prfValuesFromJSON(value: unknown, path: string): Record<string, unknown> {
  if (!isRecord(value) || typeof value.first !== 'string') throw new WebAuthnError('TypeError', `${path}.first must be base64url`);
  const out: Record<string, unknown> = { first: b64(value.first, `${path}.first`) };
  if (value.second !== undefined) {
    if (typeof value.second !== 'string') throw new WebAuthnError('TypeError', `${path}.second must be base64url`);
    out.second = b64(value.second, `${path}.second`);
  }
  return out;
}

/** Native → JSON for extension inputs: any byte value becomes base64url (bounded depth). */
function bytesToB64Deep(value: unknown, depth = 0): unknown {
  if (depth > 16) throw new WebAuthnError('TypeError', 'extensions are nested too deeply');
  if (value instanceof Uint8Array) return toB64url(value);
  if (value instanceof ArrayBuffer) return toB64url(new Uint8Array(value));
  if (Array.isArray(value)) return value.map((v) => bytesToB64Deep(v, depth + 1));
  if (isRecord(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, bytesToB64Deep(v, depth + 1)]));
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}
