// The WebAuthn client (WebAuthn L3 §5.1.3 create, §5.1.4 get): the page only supplies options.
// Origin comes from the message sender, the rpId is checked against it with the public suffix
// list, and clientDataJSON is built here, so a page can never make the phone sign for another site.
import { fromB64url, toB64url } from '../../shared/bytes.ts';
import { WebAuthnError } from '../../shared/errors.ts';
import { buildClientDataJSON } from '../../shared/webauthn/client-data.ts';
import { validateCreationOptions, validateRequestOptions, type CredentialDescriptor } from '../../shared/webauthn/options.ts';
import { resolveRpId } from '../../shared/webauthn/rp-id.ts';
import type { CredentialJSON } from '../page/messages.ts';
import { askPhone } from './phone-link.ts';

/** Where a request came from, as the browser (not the page) reports it. */
export interface CallerContext {
  origin: string;
  /** Origin of the top-level page, when the call comes from a frame. */
  topOrigin: string;
  isTopFrame: boolean;
}

// WebAuthn L3 §15.1 recommended timeout bounds (ms).
const DEFAULT_TIMEOUT = 300_000;
const MIN_TIMEOUT = 30_000;
const MAX_TIMEOUT = 600_000;

function effectiveTimeout(requested: number | undefined): number {
  if (requested === undefined || !Number.isFinite(requested)) return DEFAULT_TIMEOUT;
  return Math.min(MAX_TIMEOUT, Math.max(MIN_TIMEOUT, requested));
}

/** Untag `{ $b64 }` values from the page into bytes; anything else malformed is a TypeError. */
export function untagBytes(value: unknown, depth = 0): unknown {
  if (depth > 16) throw new WebAuthnError('TypeError', 'Options are nested too deeply');
  if (Array.isArray(value)) return value.map((v) => untagBytes(v, depth + 1));
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0]![0] === '$b64') {
      const encoded = entries[0]![1];
      try {
        if (typeof encoded === 'string') return fromB64url(encoded);
      } catch {
        // fall through to the TypeError below
      }
      throw new WebAuthnError('TypeError', 'A binary option could not be read');
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, untagBytes(v, depth + 1)]));
  }
  return value;
}

function checkFrame(caller: CallerContext): boolean {
  const crossOrigin = !caller.isTopFrame && caller.origin !== caller.topOrigin;
  // Cross-origin frames need the publickey-credentials-* permissions policy, which the extension
  // issue adds; until then they are refused as the spec refuses a frame without the permission.
  if (crossOrigin) throw new WebAuthnError('NotAllowedError', 'WebAuthn is not allowed in this cross-origin frame');
  return crossOrigin;
}

const descriptors = (list: CredentialDescriptor[]) =>
  list.map((d) => ({ type: 'public-key' as const, id: toB64url(d.id), ...(d.transports ? { transports: d.transports } : {}) }));

function requestId(): string {
  return crypto.randomUUID();
}

export async function createCredential(caller: CallerContext, rawOptions: unknown): Promise<CredentialJSON> {
  const options = validateCreationOptions(untagBytes(rawOptions));
  const crossOrigin = checkFrame(caller);
  const rpId = resolveRpId(caller.origin, options.rp.id);
  const timeout = effectiveTimeout(options.timeout);
  const deadline = Date.now() + timeout;
  const clientDataJSON = buildClientDataJSON({ type: 'webauthn.create', challenge: options.challenge, origin: caller.origin, crossOrigin });

  const reply = await askPhone(
    {
      type: 'make-credential',
      id: requestId(),
      timeout,
      clientDataJSON: toB64url(clientDataJSON),
      rp: { id: rpId, name: options.rp.name },
      user: { id: toB64url(options.user.id), name: options.user.name, displayName: options.user.displayName },
      pubKeyCredParams: options.pubKeyCredParams,
      excludeCredentials: descriptors(options.excludeCredentials),
      residentKey: options.authenticatorSelection.residentKey,
      userVerification: options.authenticatorSelection.userVerification,
      attestation: options.attestation,
      extensions: options.extensions.credProps === true ? { credProps: true } : {},
    },
    deadline,
  );
  if (reply.type === 'error') throw new WebAuthnError(reply.name, reply.message);
  if (reply.type !== 'credential-created') throw new WebAuthnError('UnknownError', 'The phone answered a registration with an assertion');

  const clientExtensionResults: Record<string, unknown> = {};
  if (options.extensions.credProps === true) clientExtensionResults.credProps = { rk: reply.residentKey };
  return {
    id: reply.credentialId,
    rawId: reply.credentialId,
    type: 'public-key',
    authenticatorAttachment: 'cross-platform',
    clientExtensionResults,
    response: {
      clientDataJSON: toB64url(clientDataJSON),
      attestationObject: reply.attestationObject,
      authenticatorData: reply.authenticatorData,
      publicKey: reply.publicKey,
      publicKeyAlgorithm: reply.publicKeyAlgorithm,
      transports: reply.transports,
    },
  };
}

export async function getCredential(caller: CallerContext, rawOptions: unknown): Promise<CredentialJSON> {
  const options = validateRequestOptions(untagBytes(rawOptions));
  const crossOrigin = checkFrame(caller);
  const rpId = resolveRpId(caller.origin, options.rpId);
  const timeout = effectiveTimeout(options.timeout);
  const deadline = Date.now() + timeout;
  const clientDataJSON = buildClientDataJSON({ type: 'webauthn.get', challenge: options.challenge, origin: caller.origin, crossOrigin });

  const reply = await askPhone(
    {
      type: 'get-assertion',
      id: requestId(),
      timeout,
      clientDataJSON: toB64url(clientDataJSON),
      rpId,
      allowCredentials: descriptors(options.allowCredentials),
      userVerification: options.userVerification,
    },
    deadline,
  );
  if (reply.type === 'error') throw new WebAuthnError(reply.name, reply.message);
  if (reply.type !== 'assertion') throw new WebAuthnError('UnknownError', 'The phone answered a sign-in with a registration');
  // The phone must answer with one of the credentials the site allowed.
  if (options.allowCredentials.length > 0 && !options.allowCredentials.some((d) => toB64url(d.id) === reply.credentialId)) {
    throw new WebAuthnError('NotAllowedError', 'The phone answered with a credential the site did not allow');
  }
  return {
    id: reply.credentialId,
    rawId: reply.credentialId,
    type: 'public-key',
    authenticatorAttachment: 'cross-platform',
    clientExtensionResults: {},
    response: {
      clientDataJSON: toB64url(clientDataJSON),
      authenticatorData: reply.authenticatorData,
      signature: reply.signature,
      ...(reply.userHandle ? { userHandle: reply.userHandle } : {}),
    },
  };
}

