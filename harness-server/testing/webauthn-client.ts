// Test-only WebAuthn client: turns the RP's options JSON into the response JSON a browser
// would send, using the project's software authenticator (shared/authenticator) as the passkey,
// and forges responses no honest authenticator would send, for the RP's refusal tests.
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { createHash, randomBytes } from 'node:crypto';
import {
  Authenticator,
  coseKeyFromP256,
  encodeAuthenticatorData,
  FLAG_BS,
  generateNobleP256Key,
  MemoryCredentialStore,
  noneAttestationObject,
  rpIdHash,
  type Es256Key,
  type SigningKey,
  type Approval,
  type AuthenticatorOptions,
  type Requirement,
} from '../../shared/authenticator/index.ts';
import { concatBytes, fromB64url, toB64url } from '../../shared/bytes.ts';
import { buildClientDataJSON } from '../../shared/webauthn/client-data.ts';

const sha256 = (bytes: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(bytes).digest());

export function softwareAuthenticator(options: Partial<AuthenticatorOptions> = {}): Authenticator {
  return new Authenticator({
    store: new MemoryCredentialStore(),
    newKey: async () => generateNobleP256Key().key,
    ...options,
  });
}

/** What the person did at the authenticator; by default they were present and verified. */
const APPROVED: Approval = { userPresent: true, userVerified: true };

/** What the browser would have built, for `challenge` (base64url) on `origin`. */
function clientData(type: 'webauthn.create' | 'webauthn.get', challenge: string, origin: string, crossOrigin = false): Uint8Array {
  return buildClientDataJSON({ type, challenge: fromB64url(challenge), origin, crossOrigin });
}

/** The JSON a page posts for a credential: its id twice, no extension results. */
function credentialJSON<R>(credentialId: Uint8Array, response: R, attachment?: 'cross-platform') {
  const id = toB64url(credentialId);
  return { id, rawId: id, type: 'public-key' as const, clientExtensionResults: {}, ...(attachment ? { authenticatorAttachment: attachment } : {}), response };
}

export async function createCredential(
  authenticator: Authenticator,
  options: PublicKeyCredentialCreationOptionsJSON,
  origin: string,
  approval: Approval = APPROVED,
): Promise<RegistrationResponseJSON> {
  const clientDataJSON = clientData('webauthn.create', options.challenge, origin);
  const result = await authenticator.makeCredential(
    {
      clientDataHash: sha256(clientDataJSON),
      rp: { id: options.rp.id ?? new URL(origin).hostname, name: options.rp.name },
      user: { id: fromB64url(options.user.id), name: options.user.name, displayName: options.user.displayName },
      pubKeyCredParams: options.pubKeyCredParams.map(({ alg }) => ({ type: 'public-key' as const, alg })),
      excludeCredentials: (options.excludeCredentials ?? []).map(({ id }) => ({ type: 'public-key' as const, id: fromB64url(id) })),
      residentKey: (options.authenticatorSelection?.residentKey ?? 'discouraged') as Requirement,
      userVerification: (options.authenticatorSelection?.userVerification ?? 'preferred') as Requirement,
      attestation: 'none',
    },
    approval,
  );
  return credentialJSON(
    result.credentialId,
    {
      clientDataJSON: toB64url(clientDataJSON),
      attestationObject: toB64url(result.attestationObject),
      authenticatorData: toB64url(result.authenticatorData),
      publicKey: toB64url(result.publicKeySpki),
      publicKeyAlgorithm: result.publicKeyAlgorithm,
      transports: result.transports,
    },
    'cross-platform',
  );
}

export async function getAssertion(
  authenticator: Authenticator,
  options: PublicKeyCredentialRequestOptionsJSON,
  origin: string,
  approval: Approval = APPROVED,
): Promise<AuthenticationResponseJSON> {
  const clientDataJSON = clientData('webauthn.get', options.challenge, origin);
  const result = await authenticator.getAssertion(
    {
      rpId: options.rpId ?? new URL(origin).hostname,
      clientDataHash: sha256(clientDataJSON),
      allowCredentials: (options.allowCredentials ?? []).map(({ id }) => ({ type: 'public-key' as const, id: fromB64url(id) })),
      userVerification: (options.userVerification ?? 'preferred') as Requirement,
    },
    approval,
  );
  return credentialJSON(
    result.credentialId,
    {
      clientDataJSON: toB64url(clientDataJSON),
      authenticatorData: toB64url(result.authenticatorData),
      signature: toB64url(result.signature),
      ...(result.userHandle ? { userHandle: toB64url(result.userHandle) } : {}),
    },
    'cross-platform',
  );
}

/**
 * A hand-made credential for attacks the software authenticator refuses to produce: chosen
 * credential ids, flags (UP/UV/BE/BS, even BS without BE), counters, origins, RP ids.
 */
export interface ForgedCredential {
  id: Uint8Array;
  key: Es256Key;
}

export function forgedCredential(id: Uint8Array = randomBytes(32)): ForgedCredential {
  return { id, key: generateNobleP256Key().key };
}

export interface Forgery {
  origin?: string;
  rpId?: string;
  crossOrigin?: boolean;
  up?: boolean;
  uv?: boolean;
  be?: boolean;
  bs?: boolean;
  signCount?: number;
  /** base64url user handle to report; omitted when undefined. */
  userHandle?: string;
}

function forgedAuthData(rpId: string, forgery: Forgery, attested?: ForgedCredential): Uint8Array {
  const data = encodeAuthenticatorData({
    rpIdHash: rpIdHash(rpId),
    userPresent: forgery.up ?? true,
    userVerified: forgery.uv ?? true,
    backupEligible: forgery.be ?? false,
    backupState: (forgery.be ?? false) && (forgery.bs ?? false),
    signCount: forgery.signCount ?? 0,
    ...(attested
      ? { attestedCredentialData: { aaguid: new Uint8Array(16), credentialId: attested.id, credentialPublicKey: coseKeyFromP256(attested.key.publicKey) } }
      : {}),
  });
  // BS without BE is invalid, so the encoder refuses it: set the bit by hand.
  if (forgery.bs && !forgery.be) data[32] = data[32]! | FLAG_BS;
  return data;
}

export async function forgeRegistration(
  credential: ForgedCredential,
  options: PublicKeyCredentialCreationOptionsJSON,
  forgery: Forgery = {},
): Promise<RegistrationResponseJSON> {
  const clientDataJSON = clientData('webauthn.create', options.challenge, forgery.origin ?? 'http://localhost:8787', forgery.crossOrigin);
  const authenticatorData = forgedAuthData(forgery.rpId ?? options.rp.id ?? 'localhost', forgery, credential);
  return credentialJSON(credential.id, {
    clientDataJSON: toB64url(clientDataJSON),
    attestationObject: toB64url(noneAttestationObject(authenticatorData)),
    transports: ['usb' as const],
  });
}

export async function forgeAssertion(
  credential: ForgedCredential,
  options: PublicKeyCredentialRequestOptionsJSON,
  forgery: Forgery = {},
): Promise<AuthenticationResponseJSON> {
  const clientDataJSON = clientData('webauthn.get', options.challenge, forgery.origin ?? 'http://localhost:8787', forgery.crossOrigin);
  const authenticatorData = forgedAuthData(forgery.rpId ?? options.rpId ?? 'localhost', forgery);
  const signature = await credential.key.sign(concatBytes(authenticatorData, sha256(clientDataJSON)));
  return credentialJSON(credential.id, {
    clientDataJSON: toB64url(clientDataJSON),
    authenticatorData: toB64url(authenticatorData),
    signature: toB64url(signature),
    ...(forgery.userHandle !== undefined ? { userHandle: forgery.userHandle } : {}),
  });
}
