// Second factors of an account: whether 2FA is on, authenticator-app codes, backup codes,
// and what happens when factors come and go (backup codes at the first one, everything
// cleared with the last one, an email for every change).
import type { FastifyRequest } from 'fastify';
import { backupCodeMatches, generateBackupCodes, hashBackupCode, BACKUP_CODES_LOW } from '../crypto/backup-codes.ts';
import { checkHotp, checkTotp, type OtpCheck } from '../crypto/otp.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { StoredCredential } from '../db/credentials.ts';
import type { OtpFactor } from '../db/otp-factors.ts';
import type { Store } from '../db/store.ts';
import type { User } from '../db/users.ts';
import type { RpSettings } from '../settings.ts';
import type { Auditor } from './auditor.ts';
import { emails } from './emails.ts';
import type { Mailer } from './mailer.ts';

export interface TwoFactorStatus {
  enabled: boolean;
  keys: StoredCredential[];
  otp: OtpFactor | undefined;
  backupCodesRemaining: number;
  backupCodesLow: boolean;
}

export type CodeResult = 'accepted' | 'wrong' | 'reused' | 'not-enrolled';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

export class TwoFactor {
  constructor(
    private readonly store: Store,
    private readonly settings: RpSettings,
    private readonly secrets: SecretBox,
    private readonly auditor: Auditor,
    private readonly mailer: Mailer,
  ) {}

  status(userId: number): TwoFactorStatus {
    const keys = this.store.credentials.listForUser(userId);
    const otp = this.store.otp.find(userId, 'active');
    const remaining = this.store.backupCodes.remaining(userId);
    const enabled = keys.length > 0 || otp !== undefined;
    return { enabled, keys, otp, backupCodesRemaining: remaining, backupCodesLow: enabled && remaining <= BACKUP_CODES_LOW };
  }

  isEnabled(userId: number): boolean {
    return this.store.credentials.countForUser(userId) > 0 || this.store.otp.find(userId, 'active') !== undefined;
  }

  // The AAD names the owner: a sealed secret copied to another account does not open.
  sealOtpSecret(userId: number, secret: string): Uint8Array {
    return this.secrets.seal(encoder.encode(secret), `otp-secret:${userId}`);
  }

  openOtpSecret(factor: OtpFactor): string {
    return decoder.decode(this.secrets.open(factor.sealedSecret, `otp-secret:${factor.userId}`));
  }

  /** Checks a code against a factor without recording anything (enrolment uses it on the pending one). */
  checkCode(factor: OtpFactor, code: string): OtpCheck {
    const secret = this.openOtpSecret(factor);
    if (factor.params.kind === 'hotp') {
      return checkHotp({ secret, code, params: factor.params, counter: factor.counter, lookAhead: this.settings.otp.hotpLookAhead });
    }
    return checkTotp({
      secret,
      code,
      params: factor.params,
      nowMs: this.settings.now(),
      driftSteps: this.settings.otp.driftSteps,
      lastStep: factor.lastTimeStep,
      replayProtection: this.settings.protections.totpReplayProtection,
    });
  }

  /** Verifies a code against the active factor and spends it (time step or counter). */
  useCode(user: User, code: string): CodeResult {
    const factor = this.store.otp.find(user.id, 'active');
    if (!factor) return 'not-enrolled';
    const check = this.checkCode(factor, code);
    if (!check.valid) return check.reason;
    const now = this.settings.now();
    // The conditional update loses to a concurrent request that spent the same step first.
    const recorded =
      factor.params.kind === 'hotp'
        ? this.store.otp.recordCounter(user.id, check.step, now)
        : this.store.otp.recordTimeStep(user.id, check.step, now, this.settings.protections.totpReplayProtection);
    return recorded ? 'accepted' : 'reused';
  }

  /** Spends a backup code (unless the QA switch makes them reusable). */
  useBackupCode(user: User, input: string, request: FastifyRequest): 'accepted' | 'wrong' {
    const singleUse = this.settings.protections.singleUseBackupCodes;
    // Every stored code is compared, so the time taken does not reveal which one matched.
    let match: number | undefined;
    for (const code of this.store.backupCodes.list(user.id)) {
      if (backupCodeMatches(input, code) && (code.usedAt === null || !singleUse)) match ??= code.id;
    }
    if (match === undefined) return 'wrong';
    if (singleUse && !this.store.backupCodes.markUsed(user.id, match, this.settings.now())) return 'wrong';
    const remaining = this.store.backupCodes.remaining(user.id);
    this.auditor.record(user.id, 'backup-code.used', { remaining }, request);
    this.notify(user, `A backup code was used (${remaining} left)`);
    return 'accepted';
  }

  /** A fresh set of backup codes; every earlier one stops working. Returns them in clear, once. */
  replaceBackupCodes(userId: number): string[] {
    const codes = generateBackupCodes();
    this.store.backupCodes.replace(userId, codes.map(hashBackupCode), this.settings.now());
    return codes;
  }

  /**
   * Adds a factor inside one transaction; when it is the account's first, 2FA turns on and
   * the first set of backup codes is issued (returned for showing once).
   */
  addFactor(userId: number, insert: () => void): { backupCodes: string[] | null } {
    return this.store.transaction(() => {
      const first = !this.isEnabled(userId);
      insert();
      return { backupCodes: first ? this.replaceBackupCodes(userId) : null };
    });
  }

  /** Removes every factor, the backup codes and any pending recovery: 2FA is off. */
  clearAll(userId: number): void {
    this.store.transaction(() => {
      this.store.credentials.removeAll(userId);
      this.store.otp.removeAll(userId);
      this.store.backupCodes.removeAll(userId);
      this.store.recoveries.remove(userId);
    });
  }

  /** After removing one factor: if none is left, 2FA is off and the backup codes go too. */
  afterFactorRemoved(user: User, request: FastifyRequest): boolean {
    if (this.isEnabled(user.id)) return false;
    this.clearAll(user.id);
    this.auditor.record(user.id, 'two-factor.disabled', { reason: 'last factor removed' }, request);
    this.notify(user, 'Two-factor authentication was turned off');
    return true;
  }

  /** The security-alert email every factor change sends. */
  notify(user: User, change: string): void {
    if (!user.email) return;
    this.mailer.send(user.id, user.email, emails.factorChanged(this.settings.rpName, user.username, change, this.settings.now()));
  }
}
