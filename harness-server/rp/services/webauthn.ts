// The WebAuthn Level 3 §7 relying-party checks, on top of @simplewebauthn/server: options for
// each ceremony, and verification with the policies (and QA switches) this RP applies —
// origin, rpIdHash, UP always, UV when policy requires it, BE/BS consistency, the signature
// counter, credential ids unique across users, and the user handle.
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { FastifyRequest } from 'fastify';
import { equalBytes, fromB64url, utf8Decode } from '../../../shared/bytes.ts';
import type { PendingChallenge } from '../db/challenges.ts';
import type { CredentialKind, NewCredential, StoredCredential } from '../db/credentials.ts';
import type { Store } from '../db/store.ts';
import type { User } from '../db/users.ts';
import type { RpSettings } from '../settings.ts';
import type { Auditor } from './auditor.ts';
import { AssertionPool } from './assertion-pool.ts';
import { badRequest, HttpError, messageOf } from './http-error.ts';

export type RegisteredCredential = Omit<NewCredential, 'userId' | 'name' | 'createdAt'>;

export interface AssertionCheck {
  response: AuthenticationResponseJSON;
  challenge: string;
  /** The credentials the options allowed; null for discoverable sign-in (any of the account's). */
  allowed: StoredCredential[] | null;
  /** UV the policy demands for this ceremony (before the QA switch is applied). */
  requireUserVerification: boolean;
  request: FastifyRequest;
}

export interface VerifiedAssertion {
  credential: StoredCredential;
  user: User;
  userVerified: boolean;
  /** What recordUse stores: the counter to keep and the backup state the authenticator reported. */
  signCount: number;
  backupState: boolean;
}

interface ClientData {
  challenge?: unknown;
  origin?: unknown;
  crossOrigin?: unknown;
}

export class WebAuthnPolicy {
  /** Signature checks off the request thread (settings.verifyWorkers). */
  readonly #assertions: AssertionPool;

  constructor(
    private readonly settings: RpSettings,
    private readonly store: Store,
    private readonly auditor: Auditor,
  ) {
    this.#assertions = new AssertionPool(settings.verifyWorkers);
  }

  /** Stops the verification workers (the server is closing). */
  close(): Promise<void> {
    return this.#assertions.close();
  }

  /** Passkeys must be discoverable and verify the user: they replace password + second factor. */
  registrationOptions(user: User, kind: CredentialKind): Promise<PublicKeyCredentialCreationOptionsJSON> {
    return generateRegistrationOptions({
      rpName: this.settings.rpName,
      rpID: this.settings.rpId,
      userName: user.username,
      userDisplayName: user.username,
      userID: new Uint8Array(user.userHandle),
      attestationType: 'none',
      // The same authenticator cannot be registered twice to this account.
      excludeCredentials: this.store.credentials.listForUser(user.id).map(descriptor),
      authenticatorSelection:
        kind === 'passkey'
          ? { residentKey: 'required', userVerification: 'required' }
          : { residentKey: 'discouraged', userVerification: 'preferred' },
    });
  }

  authenticationOptions(
    allowed: StoredCredential[],
    userVerification: 'required' | 'preferred',
  ): Promise<PublicKeyCredentialRequestOptionsJSON> {
    return generateAuthenticationOptions({
      rpID: this.settings.rpId,
      allowCredentials: allowed.map(descriptor),
      userVerification,
    });
  }

  async verifyRegistration(response: RegistrationResponseJSON, challenge: string, kind: CredentialKind): Promise<RegisteredCredential> {
    const clientData = this.#clientData(response.response.clientDataJSON);
    let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
    try {
      verification = await verifyRegistrationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: this.#expectedOrigin(clientData),
        expectedRPID: this.settings.rpId,
        requireUserPresence: true,
        requireUserVerification: this.#uvRequired(kind === 'passkey'),
      });
    } catch (error) {
      throw badRequest(`Security key registration failed: ${messageOf(error)}`);
    }
    if (!verification.verified) throw badRequest('Security key registration could not be verified');
    const { credential, credentialDeviceType, credentialBackedUp } = verification.registrationInfo;
    return {
      id: credential.id,
      kind,
      publicKey: credential.publicKey,
      signCount: credential.counter,
      transports: credential.transports ?? response.response.transports ?? [],
      backupEligible: credentialDeviceType === 'multiDevice',
      backupState: credentialBackedUp,
    };
  }

  /**
   * Verifies an assertion; throws 400 with the reason otherwise. The key's use is not recorded
   * yet (recordUse), so the caller can write it in one transaction with what follows.
   */
  async verifyAssertion(check: AssertionCheck): Promise<VerifiedAssertion> {
    const { response, request } = check;
    const credential = this.store.credentials.findById(response.id);
    const user = credential && this.store.users.findById(credential.userId);
    if (!credential || !user) throw badRequest('This security key is not registered here');
    if (check.allowed && !check.allowed.some((c) => c.id === credential.id)) {
      throw badRequest('This security key belongs to another account');
    }
    // §7.2 step 6: a reported user handle must be the credential owner's; discoverable
    // sign-in has nothing else to identify the account by, so it must be present.
    const { userHandle } = response.response;
    if (userHandle !== undefined ? !sameHandle(userHandle, user.userHandle) : check.allowed === null) {
      throw badRequest('The passkey did not report the user handle of its account');
    }

    const clientData = this.#clientData(response.response.clientDataJSON);
    // Checked here as well as by the library, to name the attack: a signed assertion sent again
    // (replayed) or made for another ceremony, by a key registered here.
    if (clientData.challenge !== check.challenge) {
      throw badRequest('This assertion was not made for the challenge of this ceremony (replayed, or from another sign-in)');
    }
    let verification: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
    try {
      verification = await this.#assertions.verify({
        response,
        expectedChallenge: check.challenge,
        expectedOrigin: this.#expectedOrigin(clientData),
        expectedRPID: this.settings.rpId,
        // The counter policy is applied below, where a regression is flagged with context.
        credential: { id: credential.id, publicKey: credential.publicKey, counter: 0, transports: [] },
        requireUserVerification: this.#uvRequired(check.requireUserVerification),
      });
    } catch (error) {
      throw badRequest(`Security key check failed: ${messageOf(error)}`);
    }
    if (!verification.verified) throw badRequest('The security key signature is not valid');

    const { newCounter, credentialBackedUp, credentialDeviceType, userVerified } = verification.authenticationInfo;
    // §7.2 step 17: BE is fixed for a credential's lifetime (the library reports BE as a
    // multi-device credential); BS may change but only with BE, which the library checks.
    if ((credentialDeviceType === 'multiDevice') !== credential.backupEligible) {
      throw badRequest('The security key changed its backup eligibility (BE flag); refusing it');
    }

    // §7.2 step 21 / §6.1.1: a counter that did not grow, once the authenticator uses
    // counters, suggests a cloned authenticator.
    const regressed = (newCounter > 0 || credential.signCount > 0) && newCounter <= credential.signCount;
    if (regressed && this.settings.protections.signCountCheck) {
      const now = this.settings.now();
      this.store.credentials.flagClone(credential.id, now);
      this.auditor.record(
        user.id,
        'key.sign-count-regression',
        { key: credential.name, stored: credential.signCount, received: newCounter },
        request,
      );
      request.log.warn(
        { credentialId: credential.id, userId: user.id, storedSignCount: credential.signCount, newSignCount: newCounter },
        'sign counter regression: possible cloned authenticator; refused',
      );
      throw badRequest('The security key signature counter went backwards (possible cloned key); refused');
    }

    return { credential, user, userVerified, signCount: Math.max(newCounter, credential.signCount), backupState: credentialBackedUp };
  }

  /** The key's counter, backup state and last use, after a verified assertion. */
  recordUse({ credential, signCount, backupState }: VerifiedAssertion): void {
    this.store.credentials.recordUse(credential.id, signCount, backupState, this.settings.now());
  }

  /**
   * A refused assertion by a key registered here, whatever the reason (its challenge used,
   * expired or never issued, a bad signature, …): logged at warn and audited for the key's
   * owner, who sees it on the Security page. Refused requests are otherwise silent 4xx answers.
   * An unknown key id names nobody; the per-IP rate limit keeps a stranger from filling
   * someone's audit log this way.
   */
  refused(credentialId: string, ceremony: 'authentication' | 'second-factor' | 'reauth', reason: string, request: FastifyRequest): void {
    const credential = this.store.credentials.findById(credentialId);
    const step = ceremony === 'authentication' ? 'passkey' : 'security-key';
    if (!credential) return this.auditor.metrics.unattributedFailure(ceremony === 'reauth' ? 'reauth.failed' : 'signin.failed', step);
    request.log.warn({ credentialId, userId: credential.userId, ceremony, reason }, 'WebAuthn assertion refused');
    this.auditor.record(credential.userId, ceremony === 'reauth' ? 'reauth.failed' : 'signin.failed', { step, reason }, request);
  }

  /**
   * An assertion by one of `user`'s keys for a challenge issued to that user (second factor,
   * re-authentication); the key's use is recorded.
   */
  async verifyKeyOf(user: User, challenge: PendingChallenge, response: AuthenticationResponseJSON, request: FastifyRequest): Promise<VerifiedAssertion> {
    if (challenge.userId !== user.id) throw badRequest('This security key check was started by another account');
    const verified = await this.verifyAssertion({
      response,
      challenge: challenge.challenge,
      allowed: this.store.credentials.listForUser(user.id),
      requireUserVerification: false,
      request,
    });
    this.recordUse(verified);
    return verified;
  }

  #uvRequired(policy: boolean): boolean {
    return policy && this.settings.protections.requireUserVerification;
  }

  /** §7.1 step 9 / §7.2 step 13; with the QA switch off, whatever origin the client reports. */
  #expectedOrigin(clientData: ClientData): string {
    if (this.settings.protections.originCheck) return this.settings.rpOrigin;
    return typeof clientData.origin === 'string' ? clientData.origin : this.settings.rpOrigin;
  }

  /** Decoded to check what the library does not: this RP is never embedded in a frame. */
  #clientData(encoded: string): ClientData {
    let clientData: ClientData;
    try {
      clientData = JSON.parse(utf8Decode(fromB64url(encoded))) as ClientData;
    } catch {
      throw badRequest('clientDataJSON is not valid base64url JSON');
    }
    if (typeof clientData !== 'object' || clientData === null) throw badRequest('clientDataJSON is not an object');
    if (clientData.crossOrigin === true && this.settings.protections.originCheck) {
      throw new HttpError(400, 'Cross-origin (framed) WebAuthn responses are not accepted');
    }
    return clientData;
  }
}

const TRANSPORTS: readonly string[] = ['ble', 'hybrid', 'internal', 'nfc', 'usb'];

/** Stored transports are free text (whatever the browser reported); options take known ones. */
function descriptor({ id, transports }: StoredCredential): { id: string; transports: AuthenticatorTransport[] } {
  return { id, transports: transports.filter((t): t is AuthenticatorTransport => TRANSPORTS.includes(t)) };
}

/** Compares a base64url user handle from the client with the stored one; malformed → false. */
function sameHandle(encoded: string, stored: Uint8Array): boolean {
  try {
    return equalBytes(fromB64url(encoded), stored);
  } catch {
    return false;
  }
}
