// Which unlock methods hold the data key (the screen lock through a platform passkey's PRF, the app
// PIN), and turning them on and off without ever leaving the passkeys with no way to open them.
// While at least one method exists new passkeys are stored wrapped (store/credential-records.ts).
import { deleteMeta, getMeta, putMeta, type PhoneDatabase } from '../store/db.ts';
import { unwrapAllCredentials } from '../store/credential-store.ts';
import { generateDataKey, kekFromPin, kekFromPrf, randomSalt, unwrapDataKey, wrapDataKey, type WrappedDataKey } from './key-wrapping.ts';
import { createScreenLockCredential, screenLockPrf, type ScreenLockCredential } from './screen-lock.ts';
import { PIN_ITERATIONS } from '../pin.ts';

export interface ScreenLockCopy extends ScreenLockCredential {
  hkdfSalt: Uint8Array;
  wrappedDataKey: WrappedDataKey;
}

export interface PinCopy {
  salt: Uint8Array;
  iterations: number;
  wrappedDataKey: WrappedDataKey;
}

/** Stored in `meta` under `vault`; absent while no unlock method wraps the keys. */
export interface VaultState {
  screenLock?: ScreenLockCopy;
  pin?: PinCopy;
}

/** A vault operation the person cannot do in the current state; the message is for them. */
export class VaultError extends Error {
  override name = 'VaultError';
}

export class KeyVault {
  private constructor(
    private readonly db: PhoneDatabase,
    private state: VaultState | null,
    private readonly changed: () => void,
  ) {}

  static async open(db: PhoneDatabase, changed: () => void): Promise<KeyVault> {
    const record = await getMeta(db, 'vault');
    const state = record ? { ...(record.screenLock ? { screenLock: record.screenLock } : {}), ...(record.pin ? { pin: record.pin } : {}) } : null;
    return new KeyVault(db, state, changed);
  }

  /** New passkeys are wrapped, and every approval unlocks (which is user verification). */
  get active(): boolean {
    return this.state !== null;
  }

  get hasScreenLock(): boolean {
    return this.state?.screenLock !== undefined;
  }

  get hasPin(): boolean {
    return this.state?.pin !== undefined;
  }

  /** The person passes the phone's screen lock; the data key for one operation. */
  async unlockWithScreenLock(extractable = false): Promise<CryptoKey> {
    const copy = this.state?.screenLock;
    if (!copy) throw new VaultError('The screen lock is not set up in Pairkey.');
    const prf = await screenLockPrf(copy);
    return unwrapDataKey(copy.wrappedDataKey, await kekFromPrf(prf, copy.hkdfSalt), extractable);
  }

  /** With a PIN the caller has checked (PinGuard: back-off). */
  async unlockWithPin(pin: string, extractable = false): Promise<CryptoKey> {
    const copy = this.state?.pin;
    if (!copy) throw new VaultError('Your passkeys are not locked with the PIN.');
    return unwrapDataKey(copy.wrappedDataKey, await kekFromPin(pin, copy.salt, copy.iterations), extractable);
  }

  /**
   * Turn the screen lock on. `pin` (already checked) is the current app PIN if one is set: it
   * then wraps the same data key, so the PIN keeps opening every passkey too.
   */
  async enableScreenLock(deviceName: string, pin: string | null): Promise<void> {
    if (this.hasScreenLock) return;
    let dataKey: CryptoKey;
    let pinCopy = this.state?.pin;
    if (this.active) {
      if (pin === null) throw new VaultError('Enter your PIN: it unlocks your passkeys now.');
      dataKey = await this.unlockWithPin(pin, true);
    } else {
      dataKey = await generateDataKey();
      if (pin !== null) pinCopy = await pinCopyFor(pin, dataKey);
    }
    const credential = await createScreenLockCredential(deviceName);
    // A first unlock right away: proves the PRF works before anything depends on it.
    const prf = await screenLockPrf(credential);
    const hkdfSalt = randomSalt();
    const screenLock: ScreenLockCopy = { ...credential, hkdfSalt, wrappedDataKey: await wrapDataKey(dataKey, await kekFromPrf(prf, hkdfSalt)) };
    await this.save({ screenLock, ...(pinCopy ? { pin: pinCopy } : {}) });
  }

  /** Turn the screen lock off. Only while the PIN can still open the passkeys. */
  async disableScreenLock(): Promise<void> {
    if (!this.state?.screenLock) return;
    if (!this.state.pin) throw new VaultError('Set an app PIN first: without the screen lock, only the PIN can unlock your passkeys.');
    await this.save({ pin: this.state.pin });
  }

  /** The PIN was set or changed: wrap the data key for it (`dataKey` extractable, unlocked by the caller). */
  async setPin(pin: string, dataKey: CryptoKey): Promise<void> {
    await this.save({ ...this.state, pin: await pinCopyFor(pin, dataKey) });
  }

  /**
   * The PIN is being removed (`pin` checked). With the screen lock still there only the PIN's copy
   * goes; when the PIN was the last method, the passkeys are stored plain again first.
   */
  async removePin(pin: string): Promise<void> {
    if (!this.state?.pin) return;
    if (this.state.screenLock) return this.save({ screenLock: this.state.screenLock });
    await unwrapAllCredentials(this.db, await this.unlockWithPin(pin));
    await this.save(null);
  }

  private async save(state: VaultState | null): Promise<void> {
    if (state) await putMeta(this.db, { key: 'vault', ...state });
    else await deleteMeta(this.db, 'vault');
    this.state = state;
    this.changed();
  }
}

async function pinCopyFor(pin: string, dataKey: CryptoKey): Promise<PinCopy> {
  const salt = randomSalt(16);
  return { salt, iterations: PIN_ITERATIONS, wrappedDataKey: await wrapDataKey(dataKey, await kekFromPin(pin, salt, PIN_ITERATIONS)) };
}
