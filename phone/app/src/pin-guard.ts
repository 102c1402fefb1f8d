// The app PIN at run time: the stored hash, checking a PIN with the wrong-PIN back-off, setting,
// changing and removing it, and the short-lived unlock of the one-time codes.
import { hashPin, nextAttemptAt, PIN_PATTERN, PinFormatError, verifyPin, type PinHash } from './pin.ts';
import { deleteMeta, getMeta, putMeta, type PhoneDatabase } from './store/db.ts';

/** A wrong, missing or throttled PIN; the message is for the person. */
export class PinError extends Error {
  override name = 'PinError';
}

/** How long the one-time codes stay visible after the PIN was entered. */
export const UNLOCK_MS = 5 * 60_000;

export class PinGuard {
  private unlockedUntil = 0;

  private constructor(
    private readonly db: PhoneDatabase,
    private stored: PinHash | null,
    /** Called when the PIN was set or removed, or the codes were locked or unlocked. */
    private readonly changed: () => void,
  ) {}

  static async open(db: PhoneDatabase, changed: () => void): Promise<PinGuard> {
    return new PinGuard(db, (await getMeta(db, 'pin')) ?? null, changed);
  }

  get isSet(): boolean {
    return this.stored !== null;
  }

  /** Throws PinError unless `pin` is right (or no PIN is set); wrong PINs make later attempts wait. */
  async check(pin: string): Promise<void> {
    if (!this.stored) return;
    if (!pin) throw new PinError('Enter your PIN.');
    const failures = (await getMeta(this.db, 'pin-failures')) ?? { count: 0, lastAt: 0 };
    const wait = nextAttemptAt(failures) - Date.now();
    if (wait > 0) throw new PinError(`Too many wrong PINs. Try again in ${Math.ceil(wait / 1000)} s.`);
    if (await verifyPin(pin, this.stored)) {
      if (failures.count > 0) await deleteMeta(this.db, 'pin-failures');
      return;
    }
    await putMeta(this.db, { key: 'pin-failures', count: failures.count + 1, lastAt: Date.now() });
    throw new PinError('Wrong PIN.');
  }

  /** Set the PIN, or change it (which needs the current one). */
  async set(newPin: string, currentPin = ''): Promise<void> {
    if (!PIN_PATTERN.test(newPin)) throw new PinFormatError();
    await this.check(currentPin);
    this.stored = await hashPin(newPin);
    await putMeta(this.db, { key: 'pin', ...this.stored });
    this.unlockedUntil = Date.now() + UNLOCK_MS;
    this.changed();
  }

  async remove(currentPin: string): Promise<void> {
    await this.check(currentPin);
    this.stored = null;
    await deleteMeta(this.db, 'pin');
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
