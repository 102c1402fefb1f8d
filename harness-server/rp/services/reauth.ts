// Re-authentication of a signed-in person before sensitive changes: the password, and for
// anything that weakens 2FA also a second factor (a current code, a backup code or a key).
// Each check reserves a guess first (services/throttle.ts), like sign-in: parallel requests
// cannot slip past the lockout. Only a complete success resets the count, so knowing the
// password does not buy unlimited code guesses.
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CeremonyCookie } from '../plugins/session.ts';
import { verifyPassword } from '../crypto/passwords.ts';
import type { User } from '../db/users.ts';
import type { RpSettings } from '../settings.ts';
import { HttpError, messageOf, refusals } from './http-error.ts';
import type { AccountThrottle } from './throttle.ts';
import type { TwoFactor } from './two-factor.ts';
import type { WebAuthnPolicy } from './webauthn.ts';

export type Proof =
  | { type: 'otp'; code: string }
  | { type: 'backup-code'; code: string }
  | { type: 'security-key'; credential: AuthenticationResponseJSON };

export interface Reauthentication {
  password?: string | undefined;
  proof?: Proof | undefined;
}

export class Reauth {
  constructor(
    private readonly settings: RpSettings,
    private readonly throttle: AccountThrottle,
    private readonly twoFactor: TwoFactor,
    private readonly webauthn: WebAuthnPolicy,
    private readonly ceremonies: CeremonyCookie,
  ) {}

  /** The password alone (adding a factor, regenerating backup codes). */
  async password(user: User, password: string | undefined, request: FastifyRequest): Promise<void> {
    if (password === undefined || password === '') {
      this.throttle.assertOpen(user, request);
      throw new HttpError(401, 'Enter your password to confirm', { code: 'reauth-required' });
    }
    const attempt = this.throttle.reserve(user.username, user, request);
    if (user.passwordHash === null || !(await verifyPassword(password, user.passwordHash))) {
      throw attempt.failed('password', 'reauth.failed') ?? refusals.password();
    }
    attempt.passed();
  }

  /**
   * Password plus a second factor, for disabling 2FA or removing a factor. `needsProof` false:
   * the password is enough (removing one of several keys). The QA switch waives it all.
   */
  async forDisabling(user: User, auth: Reauthentication, request: FastifyRequest, reply: FastifyReply, needsProof = true): Promise<void> {
    if (!this.settings.protections.reauthBeforeDisable) return;
    await this.password(user, auth.password, request);
    if (needsProof) await this.#proof(user, auth.proof, request, reply);
    this.throttle.succeeded(user, request);
  }

  async #proof(user: User, proof: Proof | undefined, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (!proof) {
      throw new HttpError(401, 'Confirm with a code from your authenticator app, a backup code or a security key', {
        code: 'reauth-required',
      });
    }
    switch (proof.type) {
      case 'otp': {
        const attempt = this.throttle.reserve(user.username, user, request);
        const result = this.twoFactor.useCode(user, proof.code);
        if (result === 'accepted') return;
        if (result === 'not-enrolled') {
          attempt.passed();
          throw new HttpError(409, 'This account has no authenticator app');
        }
        throw attempt.failed('otp', 'reauth.failed') ?? refusals.code(result);
      }
      case 'backup-code': {
        const attempt = this.throttle.reserve(user.username, user, request);
        if (this.twoFactor.useBackupCode(user, proof.code, request) === 'accepted') return;
        throw attempt.failed('backup-code', 'reauth.failed') ?? refusals.backupCode();
      }
      case 'security-key': {
        const challenge = this.ceremonies.take(request, reply, 'reauth', (reason) =>
          this.webauthn.refused(proof.credential.id, 'reauth', reason, request),
        );
        const attempt = this.throttle.reserve(user.username, user, request);
        try {
          await this.webauthn.verifyKeyOf(user, challenge, proof.credential, request);
        } catch (error) {
          throw attempt.failed('security-key', 'reauth.failed') ?? new HttpError(401, messageOf(error), { code: 'wrong-code' });
        }
        return;
      }
    }
  }
}
