// The WebAuthn client steps (WebAuthn L3 §5.1.3 create, §5.1.4 get) that do not depend on which
// authenticator answers: validate the options, check the rpId against the caller's origin with the
// public suffix list, build clientDataJSON, then turn the phone's reply into a credential. The page
// only supplies options, so it can never make the phone sign for another site.
import { fromB64url, toB64url } from '../../shared/bytes.ts';
import { WebAuthnError } from '../../shared/errors.ts';
import { effectiveTimeout, type CredentialJSON } from '../../shared/webauthn/ceremony-contract.ts';
import { buildClientDataJSON } from '../../shared/webauthn/client-data.ts';
import {
  validateCreationOptions,
  validateRequestOptions,
  type CreationOptions,
  type CredentialDescriptor,
  type RequestOptions,
} from '../../shared/webauthn/options.ts';
import { resolveRpId, type RpIdResolution } from '../../shared/webauthn/rp-id.ts';
import type { Caller } from './caller.ts';
import type { PhoneReply, PhoneRequest } from '../../shared/protocol/index.ts';
import { checkAppId } from './appid.ts';
import { checkCredProtect } from './cred-protect.ts';
import { assertLargeBlobSatisfiable, largeBlobCreateInputs, largeBlobCreateResult, largeBlobGetInputs, largeBlobGetResult, largeBlobForPhone } from './large-blob.ts';
import { prfCreateInputs, prfGetInputs } from './prf.ts';
import { resolveRpIdOrRelated } from './related-origins.ts';

/**
 * The client extensions Pairkey processes for every phone; phones announce more (PRF, largeBlob)
 * in their hello. Anything else is ignored, as browsers ignore extensions they do not know.
 */
export const BASE_EXTENSIONS = ['credProps'];

export interface Ceremony {
  kind: 'create' | 'get';
  rpId: string;
  /** Milliseconds the ceremony may take, clamped as browsers do. */
  timeout: number;
  clientDataJSON: Uint8Array;
  /** The request for one phone: its message id, and the extensions it announced. */
  request: (messageId: string, phoneExtensions: ReadonlySet<string>) => PhoneRequest;
  /**
   * The site asked for a platform authenticator: a phone is a roaming one, so the browser's own
   * authenticators handle the call (Chromium never offers a roaming authenticator then).
   */
  browserOnly?: boolean;
  /** Turn a phone's successful reply into the credential the page receives. */
  finish: (reply: Exclude<PhoneReply, { type: 'error' }>) => CredentialJSON;
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

/** Validate the page's (tagged) options the way the browser's WebIDL bindings would. */
export function parsePageOptions(kind: 'create' | 'get', tagged: unknown): CreationOptions | RequestOptions {
  if (tagged === null || typeof tagged !== 'object') throw new WebAuthnError('TypeError', 'publicKey must be an object');
  const options = untagBytes(tagged);
  return kind === 'create' ? validateCreationOptions(options) : validateRequestOptions(options);
}

const descriptors = (list: CredentialDescriptor[]) =>
  list.map((d) => ({ type: 'public-key' as const, id: toB64url(d.id), ...(d.transports ? { transports: d.transports } : {}) }));

function clientData(type: 'webauthn.create' | 'webauthn.get', challenge: Uint8Array, caller: Caller): Uint8Array {
  return buildClientDataJSON({
    type,
    challenge,
    origin: caller.origin,
    crossOrigin: caller.crossOrigin,
    ...(caller.crossOrigin && caller.topOrigin ? { topOrigin: caller.topOrigin } : {}),
  });
}

const notSupported = (message: string): never => {
  throw new WebAuthnError('NotSupportedError', message);
};
const largeBlobOf = (extensions: Record<string, unknown>) =>
  extensions.largeBlob && typeof extensions.largeBlob === 'object' ? (extensions.largeBlob as Record<string, unknown>) : undefined;

/** Extensions that only make sense for get(): NotSupportedError on create(), as in Chromium. */
function checkCreateExtensions(extensions: Record<string, unknown>): void {
  if (extensions.appid !== undefined) notSupported("The 'appid' extension is only valid when requesting an assertion.");
  const largeBlob = largeBlobOf(extensions);
  if (largeBlob && (largeBlob.read !== undefined || largeBlob.write !== undefined)) {
    notSupported("The 'largeBlob' extension's 'read' and 'write' are only valid when requesting an assertion.");
  }
}

/** Extensions that only make sense for create(): NotSupportedError on get(), as in Chromium. */
function checkGetExtensions(extensions: Record<string, unknown>): void {
  if (extensions.credProps !== undefined) notSupported("The 'credProps' extension is only valid when creating a credential.");
  if (extensions.appidExclude !== undefined) notSupported("The 'appidExclude' extension is only valid when creating a credential.");
  if (largeBlobOf(extensions)?.support !== undefined) notSupported("The 'largeBlob' extension's 'support' is only valid when creating a credential.");
}

/** `resolved`: the RP ID already checked (related origins are checked asynchronously, see prepare()). */
export function prepareCreate(caller: Caller, options: CreationOptions, resolved = byOrigin(caller.origin, options.rp.id)): Ceremony {
  const { rpId } = resolved;
  checkCreateExtensions(options.extensions);
  checkCredProtect(options);
  if (options.extensions.appidExclude !== undefined) checkAppId(caller.origin, options.extensions.appidExclude);
  const timeout = effectiveTimeout(options.timeout);
  const clientDataJSON = clientData('webauthn.create', options.challenge, caller);
  const credProps = options.extensions.credProps === true;
  const prf = prfCreateInputs(options.extensions.prf);
  const largeBlob = largeBlobCreateInputs(options.extensions.largeBlob);
  assertLargeBlobSatisfiable(largeBlob, options.authenticatorSelection.residentKey);
  return {
    kind: 'create',
    rpId,
    timeout,
    clientDataJSON,
    ...(options.authenticatorSelection.authenticatorAttachment === 'platform' ? { browserOnly: true } : {}),
    request: (id, phoneExtensions) => ({
      type: 'make-credential',
      id,
      ...relatedFlag(resolved),
      timeout,
      clientDataJSON: toB64url(clientDataJSON),
      rp: { id: rpId, name: options.rp.name },
      user: { id: toB64url(options.user.id), name: options.user.name, displayName: options.user.displayName },
      pubKeyCredParams: options.pubKeyCredParams,
      excludeCredentials: descriptors(options.excludeCredentials),
      residentKey: options.authenticatorSelection.residentKey,
      userVerification: options.authenticatorSelection.userVerification,
      attestation: options.attestation,
      extensions: {
        ...(credProps ? { credProps: true } : {}),
        ...(prf && phoneExtensions.has('prf') ? { prf } : {}),
        ...(largeBlob && phoneExtensions.has('largeBlob') ? { largeBlob } : {}),
      },
    }),
    finish: (reply) => {
      if (reply.type !== 'credential-created') throw new WebAuthnError('UnknownError', 'The phone answered a registration with an assertion');
      return {
        id: reply.credentialId,
        rawId: reply.credentialId,
        type: 'public-key',
        authenticatorAttachment: 'cross-platform',
        clientExtensionResults: {
          ...(credProps ? { credProps: { rk: reply.residentKey } } : {}),
          ...(prf ? { prf: reply.prf ?? { enabled: false } } : {}),
          ...(largeBlob ? { largeBlob: largeBlobCreateResult(reply) } : {}),
        },
        response: {
          clientDataJSON: toB64url(clientDataJSON),
          attestationObject: reply.attestationObject,
          authenticatorData: reply.authenticatorData,
          publicKey: reply.publicKey,
          publicKeyAlgorithm: reply.publicKeyAlgorithm,
          transports: reply.transports,
        },
      };
    },
  };
}

export function prepareGet(caller: Caller, options: RequestOptions, resolved = byOrigin(caller.origin, options.rpId)): Ceremony {
  const { rpId } = resolved;
  checkGetExtensions(options.extensions);
  const appid = options.extensions.appid !== undefined;
  if (appid) checkAppId(caller.origin, options.extensions.appid);
  const timeout = effectiveTimeout(options.timeout);
  const clientDataJSON = clientData('webauthn.get', options.challenge, caller);
  const allowed = new Set(options.allowCredentials.map((d) => toB64url(d.id)));
  const prf = prfGetInputs(options.extensions.prf, [...allowed]);
  const largeBlob = largeBlobGetInputs(options.extensions.largeBlob, options.allowCredentials.length);
  return {
    kind: 'get',
    rpId,
    timeout,
    clientDataJSON,
    request: (id, phoneExtensions) => ({
      type: 'get-assertion',
      id,
      ...relatedFlag(resolved),
      timeout,
      clientDataJSON: toB64url(clientDataJSON),
      rpId,
      allowCredentials: descriptors(options.allowCredentials),
      userVerification: options.userVerification,
      ...extensionsForPhone({
        ...(prf && phoneExtensions.has('prf') ? { prf } : {}),
        ...(largeBlob && phoneExtensions.has('largeBlob') && largeBlobForPhone(largeBlob) ? { largeBlob } : {}),
      }),
    }),
    finish: (reply) => {
      if (reply.type !== 'assertion') throw new WebAuthnError('UnknownError', 'The phone answered a sign-in with a registration');
      // The phone must answer with one of the credentials the site allowed.
      if (allowed.size > 0 && !allowed.has(reply.credentialId)) {
        throw new WebAuthnError('NotAllowedError', 'The phone answered with a credential the site did not allow');
      }
      return {
        id: reply.credentialId,
        rawId: reply.credentialId,
        type: 'public-key',
        authenticatorAttachment: 'cross-platform',
        // The AppID is never used (no U2F credentials on a phone): Chromium reports false then.
        clientExtensionResults: {
          ...(appid ? { appid: false } : {}),
          ...(prf ? { prf: reply.prf ?? {} } : {}),
          ...(largeBlob ? { largeBlob: largeBlobGetResult(largeBlob, reply) } : {}),
        },
        response: {
          clientDataJSON: toB64url(clientDataJSON),
          authenticatorData: reply.authenticatorData,
          signature: reply.signature,
          ...(reply.userHandle ? { userHandle: reply.userHandle } : {}),
        },
      };
    },
  };
}

function byOrigin(origin: string, requested: string | undefined): RpIdResolution {
  return { rpId: resolveRpId(origin, requested), via: 'origin' };
}

/** Tells the phone the RP ID is another site's that listed this origin (it cannot fetch the list itself). */
function relatedFlag({ via }: RpIdResolution): { rpIdVia?: 'related-origins' } {
  return via === 'related-origins' ? { rpIdVia: via } : {};
}

/** get-assertion carries `extensions` only when there is something in it. */
function extensionsForPhone<T extends object>(extensions: T): { extensions?: T } {
  return Object.keys(extensions).length > 0 ? { extensions } : {};
}

/**
 * The ceremony for a call. The RP ID is checked first, as in Chromium; an RP ID of another site is
 * accepted when that site lists the caller's origin in its `/.well-known/webauthn` (related-origins.ts).
 */
export async function prepare(kind: 'create' | 'get', caller: Caller, options: CreationOptions | RequestOptions, fetcher?: typeof fetch): Promise<Ceremony> {
  if (kind === 'create') {
    const create = options as CreationOptions;
    return prepareCreate(caller, create, await resolveRpIdOrRelated(caller.origin, create.rp.id, fetcher));
  }
  const get = options as RequestOptions;
  return prepareGet(caller, get, await resolveRpIdOrRelated(caller.origin, get.rpId, fetcher));
}
