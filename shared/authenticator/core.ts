// The authenticator: CTAP 2.1 authenticatorMakeCredential (§6.1) / authenticatorGetAssertion
// (§6.2) semantics, with errors already mapped to what WebAuthn L3 §6.3 says the client reports.
// It runs on the phone; user presence/verification are established by the phone's UI and handed
// in as an Approval, so this module never prompts and never trusts anything else for UP/UV.
//
// Credential IDs are 32 random bytes and the private key lives in the CredentialStore. We do not
// wrap the key into the ID (as roaming security keys do) because: the phone web app's keys are
// non-extractable WebCrypto keys that cannot be exported to wrap; a wrapping key would be one
// long-lived secret whose leak exposes every credential ever issued; and with random IDs,
// deleting a credential on the phone really revokes it, and the ID reveals nothing.
import { randomBytes } from '@noble/hashes/utils.js';
import { copyBytes, equalBytes } from '../bytes.ts';
import { WebAuthnError } from '../errors.ts';
import { buildAttestationObject, type AttestationConveyance } from './attestation.ts';
import { encodeAuthenticatorData, PAIRKEY_AAGUID, rpIdHash } from './auth-data.ts';
import { coseKeyOf, spkiOf } from './cose.ts';
import { COSE_ALG_ES256, type CoseAlgorithm } from './algorithms.ts';
import type { SigningKey } from './keys.ts';
import type { CredentialStore, StoredCredential } from './store.ts';

export type Requirement = 'discouraged' | 'preferred' | 'required';

export interface AuthenticatorOptions {
  store: CredentialStore;
  /** A new key for `alg`, one of `algorithms`. */
  newKey: (alg: CoseAlgorithm) => Promise<SigningKey>;
  /**
   * The algorithms this authenticator creates keys for. Default ES256 only; a phone that can make
   * EdDSA and RS256 keys lists them (the first in the RP's pubKeyCredParams order is used).
   */
  algorithms?: readonly CoseAlgorithm[];
  aaguid?: Uint8Array;
  /** Default false: phone keys never leave the phone, so they are not backup eligible. */
  backupEligible?: boolean;
  now?: () => number;
  /** 'per-credential' (default): 0 at creation, then 1, 2, … per assertion. 'zero': always 0. */
  counter?: 'per-credential' | 'zero';
  /**
   * Whether credentials can hold a large blob (WebAuthn L3 §10.1.5), up to LARGE_BLOB_MAX_BYTES
   * each. Default false: the store must keep StoredCredential.largeBlob for this to be true.
   */
  largeBlobs?: boolean;
}

/** Per credential; WebAuthn asks an authenticator for at least 1024 bytes in all. */
export const LARGE_BLOB_MAX_BYTES = 4096;

/** getAssertion's largeBlob input: read the blob, or replace it (the client checked the rest). */
export type LargeBlobOperation = { read: true } | { write: Uint8Array };
export type LargeBlobOutcome = { blob: Uint8Array | null } | { written: boolean };

/** What the phone's UI established for this one operation. */
export interface Approval {
  userPresent: boolean;
  userVerified: boolean;
  /**
   * getAssertion only: the account the user picked when candidates() offered several. Absent →
   * the first candidate (most recently used). Must be one of the candidates.
   */
  credentialId?: Uint8Array;
}

export interface CredentialParameter {
  type: 'public-key';
  alg: number;
}

export interface CredentialRef {
  type: 'public-key';
  id: Uint8Array;
}

export interface MakeCredentialInput {
  clientDataHash: Uint8Array;
  rp: { id: string; name: string };
  user: { id: Uint8Array; name: string; displayName: string };
  pubKeyCredParams: CredentialParameter[];
  excludeCredentials: CredentialRef[];
  residentKey: Requirement;
  userVerification: Requirement;
  attestation: AttestationConveyance;
  extensions?: { credProps?: boolean; largeBlob?: boolean };
}

export interface MakeCredentialResult {
  credentialId: Uint8Array;
  attestationObject: Uint8Array;
  authenticatorData: Uint8Array;
  /** DER SubjectPublicKeyInfo (AuthenticatorAttestationResponse.getPublicKey()). */
  publicKeySpki: Uint8Array;
  publicKeyAlgorithm: CoseAlgorithm;
  /** Whether the credential is discoverable (credProps.rk). */
  residentKey: boolean;
  transports: string[];
  /** Present when extensions.largeBlob asked: whether this credential can hold a blob. */
  largeBlobSupported?: boolean;
}

export interface GetAssertionInput {
  rpId: string;
  clientDataHash: Uint8Array;
  allowCredentials: CredentialRef[];
  userVerification: Requirement;
  extensions?: { largeBlob?: LargeBlobOperation };
}

export interface GetAssertionResult {
  credentialId: Uint8Array;
  authenticatorData: Uint8Array;
  signature: Uint8Array;
  /** The user handle for discoverable credentials, null otherwise (CTAP returns no user then). */
  userHandle: Uint8Array | null;
  /** For the phone UI / logs; a client must not send these to the RP. */
  user: { name: string; displayName: string };
  /** Present when extensions.largeBlob asked. */
  largeBlob?: LargeBlobOutcome;
}

/** Pairkey is reached over the hybrid (caBLE-like) path from the browser's point of view. */
const TRANSPORTS = ['hybrid'];
const CREDENTIAL_ID_LENGTH = 32;

export class Authenticator {
  private readonly store: CredentialStore;
  private readonly newKey: (alg: CoseAlgorithm) => Promise<SigningKey>;
  private readonly algorithms: readonly CoseAlgorithm[];
  private readonly aaguid: Uint8Array;
  private readonly backupEligible: boolean;
  private readonly now: () => number;
  private readonly counter: 'per-credential' | 'zero';
  private readonly largeBlobs: boolean;
  /** Serialises operations so two concurrent assertions never reuse a signature counter. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: AuthenticatorOptions) {
    this.store = opts.store;
    this.newKey = opts.newKey;
    this.algorithms = opts.algorithms ?? [COSE_ALG_ES256];
    if (this.algorithms.length === 0) throw new Error('an authenticator needs at least one algorithm');
    this.aaguid = opts.aaguid ?? PAIRKEY_AAGUID;
    if (this.aaguid.length !== 16) throw new Error('aaguid must be 16 bytes');
    this.backupEligible = opts.backupEligible ?? false;
    this.now = opts.now ?? Date.now;
    this.counter = opts.counter ?? 'per-credential';
    this.largeBlobs = opts.largeBlobs ?? false;
  }

  /** True when excludeCredentials names a credential this phone holds for the RP. */
  async findExcluded(input: MakeCredentialInput): Promise<boolean> {
    checkMakeCredentialInput(input);
    for (const d of input.excludeCredentials) {
      if (d.type === 'public-key' && (await this.store.findById(input.rp.id, d.id))) return true;
    }
    return false;
  }

  /** The credentials getAssertion may use, in the order offered to the user. */
  async candidates(input: GetAssertionInput): Promise<StoredCredential[]> {
    checkGetAssertionInput(input);
    if (input.allowCredentials.length > 0) {
      const out: StoredCredential[] = [];
      for (const d of input.allowCredentials) {
        if (d.type !== 'public-key') continue;
        const c = await this.store.findById(input.rpId, d.id);
        if (c && !out.some((o) => equalBytes(o.id, c.id))) out.push(c);
      }
      return out;
    }
    // Empty allow list: only discoverable credentials may be used (§6.3.3 step 7).
    const all = await this.store.listByRp(input.rpId);
    return all.filter((c) => c.discoverable).sort((a, b) => recency(b) - recency(a));
  }

  makeCredential(input: MakeCredentialInput, approval: Approval): Promise<MakeCredentialResult> {
    return this.serialised(() => this.doMakeCredential(input, approval));
  }

  getAssertion(input: GetAssertionInput, approval: Approval): Promise<GetAssertionResult> {
    return this.serialised(() => this.doGetAssertion(input, approval));
  }

  private async doMakeCredential(input: MakeCredentialInput, approval: Approval): Promise<MakeCredentialResult> {
    checkMakeCredentialInput(input);
    // §6.3.2 step 2 / CTAP §6.1.2 step 3: the first parameter, in the RP's order of preference,
    // that this authenticator can create.
    const alg = input.pubKeyCredParams.find((p) => p.type === 'public-key' && (this.algorithms as readonly number[]).includes(p.alg))?.alg as CoseAlgorithm | undefined;
    if (alg === undefined) {
      throw new WebAuthnError('NotSupportedError', `the authenticator supports only COSE algorithms ${this.algorithms.join(', ')}`);
    }
    // §6.3.2 step 3: an excluded credential is reported only after the user consented, so a page
    // cannot probe for credentials without the user noticing; without consent it is
    // indistinguishable from a refusal.
    if (await this.findExcluded(input)) {
      if (!approval.userPresent) throw new WebAuthnError('NotAllowedError', 'the user did not approve the request');
      throw new WebAuthnError('InvalidStateError', 'this phone already holds a credential named in excludeCredentials');
    }
    checkApproval(input.userVerification, approval);

    const key = await this.newKey(alg);
    if (key.alg !== alg) throw new WebAuthnError('UnknownError', `newKey(${alg}) returned a key for ${key.alg}`);
    const credentialPublicKey = coseKeyOf(key);
    const credentialId = randomBytes(CREDENTIAL_ID_LENGTH);
    // The phone has storage, so 'preferred' is honoured as well as 'required' (CTAP 2.1 rk).
    const discoverable = input.residentKey !== 'discouraged';
    const createdAt = this.now();
    const backupEligible = this.backupEligible;
    const backupState = backupEligible; // a BE credential on Pairkey is considered backed up; BS never without BE
    // CTAP 2.1 §12.3: only a discoverable credential made with largeBlobKey asked gets that key.
    const largeBlobKey = this.largeBlobs && discoverable && input.extensions?.largeBlob === true;

    const authenticatorData = encodeAuthenticatorData({
      rpIdHash: rpIdHash(input.rp.id),
      userPresent: true,
      userVerified: approval.userVerified,
      backupEligible,
      backupState,
      signCount: 0,
      attestedCredentialData: { aaguid: this.aaguid, credentialId, credentialPublicKey },
    });
    const attestationObject = await buildAttestationObject(
      input.attestation,
      authenticatorData,
      input.clientDataHash,
      key,
    );
    // Store last, once everything that can fail has succeeded, so no orphan credential remains.
    await this.store.put({
      id: credentialId,
      rpId: input.rp.id,
      userHandle: copyBytes(input.user.id),
      userName: input.user.name,
      userDisplayName: input.user.displayName,
      discoverable,
      signCount: 0,
      createdAt,
      lastUsedAt: null,
      backupEligible,
      backupState,
      key,
      ...(largeBlobKey ? { largeBlobKey } : {}),
    });
    return {
      credentialId,
      attestationObject,
      authenticatorData,
      publicKeySpki: spkiOf(key),
      publicKeyAlgorithm: alg,
      residentKey: discoverable,
      transports: [...TRANSPORTS],
      ...(input.extensions?.largeBlob ? { largeBlobSupported: largeBlobKey } : {}),
    };
  }

  private async doGetAssertion(input: GetAssertionInput, approval: Approval): Promise<GetAssertionResult> {
    const candidates = await this.candidates(input);
    if (candidates.length === 0) {
      throw new WebAuthnError('NotAllowedError', 'no credential on this phone matches the request');
    }
    checkApproval(input.userVerification, approval);
    let credential = candidates[0]!;
    if (approval.credentialId !== undefined) {
      const picked = candidates.find((c) => equalBytes(c.id, approval.credentialId!));
      if (!picked) throw new WebAuthnError('NotAllowedError', 'the selected credential is not one of the candidates');
      credential = picked;
    }

    const signCount = this.counter === 'zero' ? 0 : credential.signCount + 1;
    if (signCount > 0xffffffff) throw new WebAuthnError('UnknownError', 'signature counter exhausted');
    const authenticatorData = encodeAuthenticatorData({
      rpIdHash: rpIdHash(input.rpId),
      userPresent: true,
      userVerified: approval.userVerified,
      backupEligible: credential.backupEligible,
      backupState: credential.backupEligible && credential.backupState,
      signCount,
    });
    // Persist the counter before signing: if persisting fails no signature exists with that
    // count, and if signing fails a skipped count is harmless (counters only have to increase).
    const usedAt = this.now();
    await this.store.updateUsage(credential.id, signCount, usedAt);
    const signature = await credential.key.sign(concatClientData(authenticatorData, input.clientDataHash));
    const largeBlob = await this.largeBlob(input.extensions?.largeBlob, { ...credential, signCount, lastUsedAt: usedAt });
    return {
      ...(largeBlob ? { largeBlob } : {}),
      credentialId: credential.id,
      authenticatorData,
      signature,
      userHandle: credential.discoverable ? credential.userHandle : null,
      user: { name: credential.userName, displayName: credential.userDisplayName },
    };
  }

  /** Reads or writes the credential's blob, once the assertion is made (the user approved). */
  private async largeBlob(operation: LargeBlobOperation | undefined, credential: StoredCredential): Promise<LargeBlobOutcome | undefined> {
    if (!operation) return undefined;
    // A credential made without the extension has no largeBlobKey: Chromium then reports
    // written: false for a write (and no blob for a read), as a CTAP 2.1 authenticator makes it.
    const usable = this.largeBlobs && credential.discoverable && (credential.largeBlobKey === true || credential.largeBlob !== undefined);
    if ('read' in operation) return { blob: usable && credential.largeBlob ? copyBytes(credential.largeBlob) : null };
    if (!usable || operation.write.length > LARGE_BLOB_MAX_BYTES) return { written: false };
    await this.store.put({ ...credential, largeBlob: copyBytes(operation.write) });
    return { written: true };
  }

  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function concatClientData(authData: Uint8Array, clientDataHash: Uint8Array): Uint8Array {
  const out = new Uint8Array(authData.length + clientDataHash.length);
  out.set(authData, 0);
  out.set(clientDataHash, authData.length);
  return out;
}

function recency(c: StoredCredential): number {
  return Math.max(c.createdAt, c.lastUsedAt ?? 0);
}

/** UP is mandatory for both operations; UV only when the RP required it (§6.3.2 steps 4-7). */
function checkApproval(userVerification: Requirement, approval: Approval): void {
  if (!approval || approval.userPresent !== true) {
    throw new WebAuthnError('NotAllowedError', 'the user did not approve the request');
  }
  if (userVerification === 'required' && approval.userVerified !== true) {
    throw new WebAuthnError('NotAllowedError', 'user verification was required but not performed');
  }
}

// The inputs arrive from the extension over the relay, so their shape is checked here too;
// these are programming or transport errors, reported as TypeError.

const REQUIREMENTS: readonly string[] = ['discouraged', 'preferred', 'required'];
const CONVEYANCES: readonly string[] = ['none', 'indirect', 'direct', 'enterprise'];

function checkMakeCredentialInput(input: MakeCredentialInput): void {
  checkClientDataHash(input?.clientDataHash);
  if (typeof input.rp?.id !== 'string' || input.rp.id === '') fail('rp.id must be a non-empty string');
  if (typeof input.rp.name !== 'string') fail('rp.name must be a string');
  const user = input.user;
  // Up to 64 bytes, and empty is allowed: Chromium registers with an empty user.id (issue 12).
  if (!(user?.id instanceof Uint8Array) || user.id.length > 64) {
    fail('user.id must be at most 64 bytes');
  }
  if (typeof user.name !== 'string' || typeof user.displayName !== 'string') {
    fail('user.name and user.displayName must be strings');
  }
  if (!Array.isArray(input.pubKeyCredParams)) fail('pubKeyCredParams must be an array');
  checkRefs(input.excludeCredentials, 'excludeCredentials');
  if (!REQUIREMENTS.includes(input.residentKey)) fail('residentKey is not a known requirement');
  if (!REQUIREMENTS.includes(input.userVerification)) fail('userVerification is not a known requirement');
  if (!CONVEYANCES.includes(input.attestation)) fail('attestation is not a known conveyance preference');
}

function checkGetAssertionInput(input: GetAssertionInput): void {
  checkClientDataHash(input?.clientDataHash);
  if (typeof input.rpId !== 'string' || input.rpId === '') fail('rpId must be a non-empty string');
  checkRefs(input.allowCredentials, 'allowCredentials');
  if (!REQUIREMENTS.includes(input.userVerification)) fail('userVerification is not a known requirement');
  const largeBlob = input.extensions?.largeBlob;
  if (largeBlob !== undefined) {
    const read = 'read' in largeBlob && largeBlob.read === true;
    const write = 'write' in largeBlob && largeBlob.write instanceof Uint8Array;
    if (read === write) fail('extensions.largeBlob must be { read: true } or { write: bytes }');
    // WebAuthn §10.1.5: a write names exactly one credential, so no other blob can be replaced.
    if (write && input.allowCredentials.length !== 1) fail('a largeBlob write needs exactly one allowCredentials entry');
  }
}

function checkClientDataHash(hash: unknown): void {
  if (!(hash instanceof Uint8Array) || hash.length !== 32) fail('clientDataHash must be 32 bytes');
}

function checkRefs(refs: unknown, name: string): void {
  if (!Array.isArray(refs)) fail(`${name} must be an array`);
  for (const [i, r] of (refs as unknown[]).entries()) {
    const ref = r as Partial<CredentialRef> | null;
    if (!ref || typeof ref.type !== 'string' || !(ref.id instanceof Uint8Array)) {
      fail(`${name}[${i}] must be { type: string, id: Uint8Array }`);
    }
  }
}

function fail(message: string): never {
  throw new WebAuthnError('TypeError', message);
}
