// otp_factors table: authenticator-app secrets (encrypted by the caller) and their replay state.
import type { OtpAlgorithm } from '../../config.ts';
import type { OtpKind, OtpParams } from '../crypto/otp.ts';
import type { Db } from './database.ts';

export type OtpStatus = 'pending' | 'active';

export interface OtpFactor {
  userId: number;
  status: OtpStatus;
  params: OtpParams;
  /** Sealed secret (SecretBox). */
  sealedSecret: Uint8Array;
  /** HOTP: next expected counter. */
  counter: number;
  /** TOTP: last accepted time step. */
  lastTimeStep: number | null;
  createdAt: number;
  enabledAt: number | null;
  lastUsedAt: number | null;
}

interface Row {
  user_id: number;
  status: OtpStatus;
  kind: OtpKind;
  secret: Buffer;
  algorithm: OtpAlgorithm;
  digits: number;
  period: number;
  counter: number;
  last_time_step: number | null;
  created_at: number;
  enabled_at: number | null;
  last_used_at: number | null;
}

const toFactor = (row: Row): OtpFactor => ({
  userId: row.user_id,
  status: row.status,
  params: { kind: row.kind, algorithm: row.algorithm, digits: row.digits === 8 ? 8 : 6, period: row.period },
  sealedSecret: new Uint8Array(row.secret),
  counter: row.counter,
  lastTimeStep: row.last_time_step,
  createdAt: row.created_at,
  enabledAt: row.enabled_at,
  lastUsedAt: row.last_used_at,
});

export class OtpFactors {
  readonly #find;
  readonly #upsertPending;
  readonly #deleteStatus;
  readonly #activate;
  readonly #recordStep;
  readonly #recordCounter;
  readonly #deleteAll;

  constructor(db: Db) {
    this.#find = db.prepare<[number, string], Row>('SELECT * FROM otp_factors WHERE user_id = ? AND status = ?');
    this.#upsertPending = db.prepare(
      `INSERT OR REPLACE INTO otp_factors (user_id, status, kind, secret, algorithm, digits, period, counter, created_at)
       VALUES (@userId, 'pending', @kind, @secret, @algorithm, @digits, @period, 0, @createdAt)`,
    );
    this.#deleteStatus = db.prepare<[number, string]>('DELETE FROM otp_factors WHERE user_id = ? AND status = ?');
    this.#activate = db.prepare<[number, number | null, number, number, number]>(
      `UPDATE otp_factors SET status = 'active', enabled_at = ?, last_time_step = ?, counter = ?, last_used_at = ?
       WHERE user_id = ? AND status = 'pending'`,
    );
    // Conditional on the old value: two concurrent requests with the same code cannot both win.
    this.#recordStep = db.prepare<[number, number, number, number, number]>(
      `UPDATE otp_factors SET last_time_step = ?, last_used_at = ?
       WHERE user_id = ? AND status = 'active' AND (last_time_step IS NULL OR last_time_step < ? OR ? = 0)`,
    );
    this.#recordCounter = db.prepare<[number, number, number, number]>(
      `UPDATE otp_factors SET counter = ?, last_used_at = ? WHERE user_id = ? AND status = 'active' AND counter <= ?`,
    );
    this.#deleteAll = db.prepare<[number]>('DELETE FROM otp_factors WHERE user_id = ?');
  }

  find(userId: number, status: OtpStatus): OtpFactor | undefined {
    const row = this.#find.get(userId, status);
    return row && toFactor(row);
  }

  /** Starts (or restarts) an enrolment; the active factor, if any, keeps working meanwhile. */
  savePending(userId: number, params: OtpParams, sealedSecret: Uint8Array, now: number): void {
    this.#upsertPending.run({ userId, ...params, secret: Buffer.from(sealedSecret), createdAt: now });
  }

  /**
   * The pending factor replaces the active one: the old secret stops working at once. The code
   * that confirmed the enrolment is recorded as used, so it cannot sign in afterwards.
   */
  activate(userId: number, confirmed: { timeStep: number | null; nextCounter: number }, now: number): void {
    this.#deleteStatus.run(userId, 'active');
    this.#activate.run(now, confirmed.timeStep, confirmed.nextCounter, now, userId);
  }

  /** False when a concurrent request already recorded this step (or a later one). */
  recordTimeStep(userId: number, step: number, now: number, replayProtection: boolean): boolean {
    return this.#recordStep.run(step, now, userId, step, replayProtection ? 1 : 0).changes === 1;
  }

  recordCounter(userId: number, matched: number, now: number): boolean {
    return this.#recordCounter.run(matched + 1, now, userId, matched).changes === 1;
  }

  removeActive(userId: number): boolean {
    return this.#deleteStatus.run(userId, 'active').changes === 1;
  }

  removeAll(userId: number): void {
    this.#deleteAll.run(userId);
  }
}
