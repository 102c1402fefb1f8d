// Settings: the phone's name, the app PIN (set, change, remove), unlocking with the phone's
// screen lock (on, off) and whether storage is persistent.
import type { Phone } from '../phone.ts';
import { ScreenLockError } from '../unlock/screen-lock.ts';
import { t } from '../i18n.ts';
import { byId, confirmAction, messageOf } from './dom.ts';

export class SettingsView {
  constructor(
    private readonly phone: Phone,
    toast: (text: string) => void,
  ) {
    const nameInput = byId<HTMLInputElement>('device-name');
    nameInput.value = phone.deviceName;
    byId('device-form').addEventListener('submit', (event) => {
      event.preventDefault();
      phone.setDeviceName(nameInput.value).then(
        () => toast(t('Name saved. Browsers you pair from now on show it.')),
        (e: unknown) => toast(t(messageOf(e))),
      );
    });
    byId('pin-form').addEventListener('submit', (event) => {
      event.preventDefault();
      void this.savePin();
    });
    byId('pin-remove').addEventListener('click', () => {
      phone.removePin(this.input('pin-current').value).then(
        () => this.status(t('PIN removed.')),
        (e: unknown) => this.status(t(messageOf(e))),
      );
    });
    phone.changed.on((topic) => {
      if (topic === 'pin' || topic === 'unlock') this.render();
      if (topic === 'passkeys' || topic === 'unlock') void this.renderScreenLockNote();
    });
    byId('screen-lock-form').addEventListener('submit', (event) => {
      event.preventDefault();
      void this.enableScreenLock();
    });
    byId('screen-lock-disable').addEventListener('click', () => void this.disableScreenLock());
    this.render();
    void this.renderScreenLockNote();
    void this.renderStorage();
  }

  private input(id: string): HTMLInputElement {
    return byId<HTMLInputElement>(id);
  }

  private status(text: string): void {
    byId('pin-status').textContent = text;
    for (const id of ['pin-current', 'pin-new', 'pin-confirm']) this.input(id).value = '';
  }

  private async savePin(): Promise<void> {
    const next = this.input('pin-new').value;
    if (next !== this.input('pin-confirm').value) return this.status(t('The two new PINs differ.'));
    const hadPin = this.phone.pin.isSet;
    try {
      await this.phone.setPin(next, this.input('pin-current').value);
      this.status(hadPin ? t('PIN changed.') : t('PIN set.'));
    } catch (e) {
      this.status(t(messageOf(e)));
    }
  }

  private render(): void {
    const hasPin = this.phone.pin.isSet;
    byId('pin-current-label').hidden = !hasPin;
    byId('pin-remove').hidden = !hasPin;
    byId('pin-save').textContent = hasPin ? t('Change PIN') : t('Set PIN');
    const { vault } = this.phone;
    const status = byId('screen-lock-status');
    if (status.dataset.state !== 'unsupported' || vault.hasScreenLock) {
      status.dataset.state = vault.hasScreenLock ? 'on' : 'off';
      status.textContent = vault.hasScreenLock
        ? t('On: approving asks for this phone’s screen lock.')
        : vault.hasPin
          ? t('Off: your passkeys are locked with the app PIN.')
          : t('Off.');
    }
    byId('screen-lock-pin-label').hidden = vault.hasScreenLock || !hasPin;
    byId('screen-lock-enable').hidden = vault.hasScreenLock;
    byId('screen-lock-disable').hidden = !vault.hasScreenLock;
  }

  private screenLockError(text: string | null): void {
    const error = byId('screen-lock-error');
    error.textContent = text ?? '';
    error.hidden = text === null;
  }

  private async enableScreenLock(): Promise<void> {
    this.screenLockError(null);
    const pin = this.input('screen-lock-pin');
    try {
      await this.phone.enableScreenLock(pin.value);
    } catch (e) {
      if (e instanceof ScreenLockError && e.code === 'unsupported') {
        // Said once, where the switch is; the PIN stays the user verification.
        const status = byId('screen-lock-status');
        status.dataset.state = 'unsupported';
        status.textContent = t(e.message);
      } else this.screenLockError(t(messageOf(e)));
    } finally {
      pin.value = '';
    }
  }

  private async disableScreenLock(): Promise<void> {
    this.screenLockError(null);
    if (!this.phone.vault.hasPin) {
      // Told before anything changes: without a PIN nothing else could open the passkeys.
      this.screenLockError(t('Set an app PIN first: without the screen lock, only the PIN can unlock your passkeys.'));
      return;
    }
    const yes = await confirmAction(t('Stop using the screen lock? Approving will ask for your app PIN instead.'), t('Stop using it'));
    if (yes) await this.phone.disableScreenLock().catch((e: unknown) => this.screenLockError(t(messageOf(e))));
  }

  /** What the unlock does not cover, and the PIN as the way back if the screen lock is lost. */
  private async renderScreenLockNote(): Promise<void> {
    const { vault } = this.phone;
    const notes: string[] = [];
    if (vault.active) {
      const plain = (await this.phone.passkeys()).filter((p) => !p.wrapped).length;
      if (plain > 0) {
        notes.push(
          plain === 1
            ? t('1 passkey made before the unlock was turned on is not encrypted (a browser cannot re-encrypt a key it never lets out); make it again to protect it.')
            : t('{count} passkeys made before the unlock was turned on are not encrypted (a browser cannot re-encrypt a key it never lets out); make them again to protect them.', { count: plain }),
        );
      }
    }
    if (vault.hasScreenLock && !vault.hasPin) notes.push(t('Without an app PIN, your passkeys are lost if Pairkey’s passkey is deleted from this phone or its screen lock is reset. Set a PIN as a way back.'));
    const note = byId('screen-lock-note');
    note.textContent = notes.join(' ');
    note.hidden = notes.length === 0;
  }

  private async renderStorage(): Promise<void> {
    const persisted = (await navigator.storage?.persisted?.()) ?? false;
    byId('storage-status').textContent = persisted
      ? t('Storage is persistent: the browser will not clear your keys to free space.')
      : t('Storage is not marked persistent yet: the browser may clear it when space runs low. Pairkey asks for persistence when you pair; installing the app (Add to Home screen) also helps.');
  }
}
