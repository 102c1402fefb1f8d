// Test-only WebAuthn client: turns the RP's options JSON into the response JSON a browser
// would send, using the project's software authenticator (shared/authenticator) as the passkey.
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { createHash } from 'node:crypto';
import {
  Authenticator,
  generateNobleP256Key,
  MemoryCredentialStore,
  type AuthenticatorOptions,
  type Requirement,
} from '../../shared/authenticator/index.ts';
import { fromB64url, toB64url } from '../../shared/bytes.ts';
import { buildClientDataJSON } from '../../shared/webauthn/client-data.ts';

const sha256 = (bytes: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(bytes).digest());

export function softwareAuthenticator(options: Partial<AuthenticatorOptions> = {}): Authenticator {
  return new Authenticator({
    store: new MemoryCredentialStore(),
    newKey: async () => generateNobleP256Key().key,
    ...options,
  });
}

export async function createCredential(
  authenticator: Authenticator,
  options: PublicKeyCredentialCreationOptionsJSON,
  origin: string,
): Promise<RegistrationResponseJSON> {
  const clientDataJSON = buildClientDataJSON({
    type: 'webauthn.create',
    challenge: fromB64url(options.challenge),
    origin,
    crossOrigin: false,
  });
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
    { userPresent: true, userVerified: true },
  );
  const id = toB64url(result.credentialId);
  return {
    id,
    rawId: id,
    type: 'public-key',
    clientExtensionResults: {},
    authenticatorAttachment: 'cross-platform',
    response: {
      clientDataJSON: toB64url(clientDataJSON),
      attestationObject: toB64url(result.attestationObject),
      authenticatorData: toB64url(result.authenticatorData),
      publicKey: toB64url(result.publicKeySpki),
      publicKeyAlgorithm: result.publicKeyAlgorithm,
      transports: result.transports,
    },
  };
}

export async function getAssertion(
  authenticator: Authenticator,
  options: PublicKeyCredentialRequestOptionsJSON,
  origin: string,
): Promise<AuthenticationResponseJSON> {
  const clientDataJSON = buildClientDataJSON({
    type: 'webauthn.get',
    challenge: fromB64url(options.challenge),
    origin,
    crossOrigin: false,
  });
  const result = await authenticator.getAssertion(
    {
      rpId: options.rpId ?? new URL(origin).hostname,
      clientDataHash: sha256(clientDataJSON),
      allowCredentials: (options.allowCredentials ?? []).map(({ id }) => ({ type: 'public-key' as const, id: fromB64url(id) })),
      userVerification: (options.userVerification ?? 'preferred') as Requirement,
    },
    { userPresent: true, userVerified: true },
  );
  const id = toB64url(result.credentialId);
  return {
    id,
    rawId: id,
    type: 'public-key',
    clientExtensionResults: {},
    authenticatorAttachment: 'cross-platform',
    response: {
      clientDataJSON: toB64url(clientDataJSON),
      authenticatorData: toB64url(result.authenticatorData),
      signature: toB64url(result.signature),
      ...(result.userHandle ? { userHandle: toB64url(result.userHandle) } : {}),
    },
  };
}
