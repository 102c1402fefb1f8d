// The app PIN at run time: the stored hash, checking a PIN with the wrong-PIN back-off, setting,
// changing and removing it, and the short-lived unlock of the one-time codes.
import { hashPin, nextAttemptAt, PIN_PATTERN, PinFormatError, verifyPin, type PinFailures, type PinHash } from './pin.ts';
import { deleteMeta, getMeta, putMeta, type PhoneDatabase } from './store/db.ts';

/** Where the PIN hash and the wrong-PIN count live (IndexedDB in the app, memory in tests). */
export interface PinStore {
  getPin(): Promise<PinHash | undefined>;
  putPin(pin: PinHash): Promise<void>;
  deletePin(): Promise<void>;
  getFailures(): Promise<PinFailures | undefined>;
  putFailures(failures: PinFailures): Promise<void>;
  deleteFailures(): Promise<void>;
}

export function idbPinStore(db: PhoneDatabase): PinStore {
  return {
    getPin: async () => {
      const record = await getMeta(db, 'pin');
      return record && { salt: record.salt, hash: record.hash, iterations: record.iterations };
    },
    putPin: (pin) => putMeta(db, { key: 'pin', ...pin }),
    deletePin: () => deleteMeta(db, 'pin'),
    getFailures: async () => {
      const record = await getMeta(db, 'pin-failures');
      return record && { count: record.count, lastAt: record.lastAt };
    },
    putFailures: (failures) => putMeta(db, { key: 'pin-failures', ...failures }),
    deleteFailures: () => deleteMeta(db, 'pin-failures'),
  };
}

/** A wrong, missing or throttled PIN; the message is for the person. */
export class PinError extends Error {
  override name = 'PinError';
}

/** How long the one-time codes stay visible after the PIN was entered. */
export const UNLOCK_MS = 5 * 60_000;

export class PinGuard {
  private unlockedUntil = 0;
  /** PIN checks run one at a time: see `check`. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly store: PinStore,
    private stored: PinHash | null,
    /** Called when the PIN was set or removed, or the codes were locked or unlocked. */
    private readonly changed: () => void,
    private readonly now: () => number,
  ) {}

  static async open(db: PhoneDatabase, changed: () => void): Promise<PinGuard> {
    return PinGuard.withStore(idbPinStore(db), changed);
  }

  static async withStore(store: PinStore, changed: () => void, now: () => number = Date.now): Promise<PinGuard> {
    return new PinGuard(store, (await store.getPin()) ?? null, changed, now);
  }

  get isSet(): boolean {
    return this.stored !== null;
  }

  /**
   * Throws PinError unless `pin` is right (or no PIN is set); wrong PINs make later attempts wait.
   * Checks are serialised and each attempt is counted as a failure *before* the slow PBKDF2 runs
   * (and uncounted when it was right): parallel attempts (several request cards approved at once)
   * would otherwise all read the same count and be counted once.
   */
  check(pin: string): Promise<void> {
    const run = this.queue.then(() => this.checkNow(pin));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async checkNow(pin: string): Promise<void> {
    if (!this.stored) return;
    if (!pin) throw new PinError('Enter your PIN.');
    const failures = (await this.store.getFailures()) ?? { count: 0, lastAt: 0 };
    const wait = nextAttemptAt(failures) - this.now();
    if (wait > 0) throw new PinError(`Too many wrong PINs. Try again in ${Math.ceil(wait / 1000)} s.`);
    await this.store.putFailures({ count: failures.count + 1, lastAt: this.now() });
    if (await verifyPin(pin, this.stored)) {
      await this.store.deleteFailures();
      return;
    }
    throw new PinError('Wrong PIN.');
  }

  /** Set the PIN, or change it (which needs the current one). */
  async set(newPin: string, currentPin = ''): Promise<void> {
    if (!PIN_PATTERN.test(newPin)) throw new PinFormatError();
    await this.check(currentPin);
    this.stored = await hashPin(newPin);
    await this.store.putPin(this.stored);
    this.unlockedUntil = Date.now() + UNLOCK_MS;
    this.changed();
  }

  async remove(currentPin: string): Promise<void> {
    await this.check(currentPin);
    this.stored = null;
    await this.store.deletePin();
    this.changed();
  }

  get isUnlocked(): boolean {
    return this.stored === null || Date.now() < this.unlockedUntil;
  }

  async unlock(pin: string): Promise<void> {
    await this.check(pin);
    this.unlockedUntil = Date.now() + UNLOCK_MS;
    this.changed();
  }

  lock(): void {
    this.unlockedUntil = 0;
    this.changed();
  }

  requireUnlocked(): void {
    if (!this.isUnlocked) throw new PinError('Unlock your codes with the PIN first.');
  }
}
