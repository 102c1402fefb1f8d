// What the phone does with a request from the extension, shared by the virtual phone and the
// phone web app. The phone does not take the extension's word for the site: it reads the origin
// out of the clientDataJSON it is about to sign over, and re-checks the rpId against it.
import { sha256 } from '@noble/hashes/sha2.js';
import { fromB64url, toB64url } from '../../shared/bytes.ts';
import { WebAuthnError, type WebAuthnErrorName } from '../../shared/errors.ts';
import type { Approval, Authenticator, GetAssertionInput, LargeBlobOperation } from '../../shared/authenticator/index.ts';
import type { GetAssertionMessage, PhoneReply, PhoneRequest } from '../../shared/protocol/index.ts';
import { parseClientDataJSON } from '../../shared/webauthn/client-data.ts';
import { relatedCheckApplies, resolveRpId } from '../../shared/webauthn/rp-id.ts';


/** What the person is shown before approving. */
export interface RequestView {
  id: string;
  kind: 'registration' | 'sign-in';
  origin: string;
  rpId: string;
  rpName: string | null;
  userName: string | null;
  timeout: number;
}

/** Check the request is self-consistent and say what it asks for; throws WebAuthnError. */
export function inspectRequest(request: PhoneRequest): RequestView {
  let clientData;
  try {
    clientData = parseClientDataJSON(fromB64url(request.clientDataJSON));
  } catch {
    throw new WebAuthnError('NotAllowedError', 'The request carries unreadable client data');
  }
  const expectedType = request.type === 'make-credential' ? 'webauthn.create' : 'webauthn.get';
  if (clientData.type !== expectedType) throw new WebAuthnError('NotAllowedError', `Client data is for ${clientData.type}, not ${expectedType}`);
  const rpId = request.type === 'make-credential' ? request.rp.id : request.rpId;
  const valid = request.rpIdVia === 'related-origins' ? relatedCheckApplies(clientData.origin, rpId) : resolveRpId(clientData.origin, rpId) === rpId;
  if (!valid) throw new WebAuthnError('SecurityError', `${rpId} is not valid for ${clientData.origin}`);
  return {
    id: request.id,
    kind: request.type === 'make-credential' ? 'registration' : 'sign-in',
    origin: clientData.origin,
    rpId,
    rpName: request.type === 'make-credential' ? request.rp.name : null,
    userName: request.type === 'make-credential' ? request.user.name : null,
    timeout: request.timeout,
  };
}

export function errorReply(id: string, name: WebAuthnErrorName, message: string): PhoneReply {
  return { type: 'error', id, name, message };
}

/** An account the person may sign in with, as shown on the phone. */
export interface AccountChoice {
  credentialId: Uint8Array;
  userName: string;
  userDisplayName: string;
}

/**
 * The accounts a sign-in request could use, most recently used first; empty when this phone
 * holds no matching passkey. The person sees (and, with several, picks) the account before
 * approving; the pick goes back in `Approval.credentialId`.
 */
export async function signInAccounts(authenticator: Authenticator, request: GetAssertionMessage): Promise<AccountChoice[]> {
  const candidates = await authenticator.candidates(assertionInput(request));
  return candidates.map((c) => ({ credentialId: c.id, userName: c.userName, userDisplayName: c.userDisplayName }));
}

function assertionInput(request: GetAssertionMessage): GetAssertionInput {
  return {
    rpId: request.rpId,
    clientDataHash: sha256(fromB64url(request.clientDataJSON)),
    allowCredentials: request.allowCredentials.map((d) => ({ type: 'public-key' as const, id: fromB64url(d.id) })),
    userVerification: request.userVerification,
    ...(request.extensions?.largeBlob ? { extensions: { largeBlob: largeBlobOperation(request.extensions.largeBlob) } } : {}),
  };
}

function largeBlobOperation(asked: { read: true } | { write: string }): LargeBlobOperation {
  return 'read' in asked ? { read: true } : { write: fromB64url(asked.write) };
}

/** Run the approved request through the authenticator core and build the reply. */
export async function answerRequest(authenticator: Authenticator, request: PhoneRequest, approval: Approval): Promise<PhoneReply> {
  const clientDataHash = sha256(fromB64url(request.clientDataJSON));
  try {
    if (request.type === 'make-credential') {
      const result = await authenticator.makeCredential(
        {
          clientDataHash,
          rp: request.rp,
          user: { ...request.user, id: fromB64url(request.user.id) },
          pubKeyCredParams: request.pubKeyCredParams,
          excludeCredentials: request.excludeCredentials.map((d) => ({ type: 'public-key' as const, id: fromB64url(d.id) })),
          residentKey: request.residentKey,
          userVerification: request.userVerification,
          attestation: request.attestation,
          extensions: { ...(request.extensions.credProps ? { credProps: true } : {}), ...(request.extensions.largeBlob ? { largeBlob: true } : {}) },
        },
        approval,
      );
      return {
        type: 'credential-created',
        id: request.id,
        credentialId: toB64url(result.credentialId),
        attestationObject: toB64url(result.attestationObject),
        authenticatorData: toB64url(result.authenticatorData),
        publicKey: toB64url(result.publicKeySpki),
        publicKeyAlgorithm: result.publicKeyAlgorithm,
        transports: result.transports,
        residentKey: result.residentKey,
        ...(result.largeBlobSupported === undefined ? {} : { largeBlob: { supported: result.largeBlobSupported } }),
      };
    }
    const result = await authenticator.getAssertion(assertionInput(request), approval);
    return {
      type: 'assertion',
      id: request.id,
      credentialId: toB64url(result.credentialId),
      authenticatorData: toB64url(result.authenticatorData),
      signature: toB64url(result.signature),
      userHandle: result.userHandle ? toB64url(result.userHandle) : null,
      ...(result.largeBlob ? { largeBlob: 'written' in result.largeBlob ? result.largeBlob : result.largeBlob.blob ? { blob: toB64url(result.largeBlob.blob) } : {} } : {}),
    };
  } catch (error) {
    if (error instanceof WebAuthnError) return errorReply(request.id, error.errorName, error.message);
    throw error;
  }
}
