// Settings: the phone's name, the app PIN (set, change, remove) and whether storage is persistent.
import type { Phone } from '../phone.ts';
import { byId, messageOf } from './dom.ts';

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
        () => toast('Name saved. Browsers you pair from now on show it.'),
        (e: unknown) => toast(messageOf(e)),
      );
    });
    byId('pin-form').addEventListener('submit', (event) => {
      event.preventDefault();
      void this.savePin();
    });
    byId('pin-remove').addEventListener('click', () => {
      phone.pin.remove(this.input('pin-current').value).then(
        () => this.status('PIN removed.'),
        (e: unknown) => this.status(messageOf(e)),
      );
    });
    phone.changed.on((topic) => {
      if (topic === 'pin') this.render();
    });
    this.render();
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
    if (next !== this.input('pin-confirm').value) return this.status('The two new PINs differ.');
    const hadPin = this.phone.pin.isSet;
    try {
      await this.phone.pin.set(next, this.input('pin-current').value);
      this.status(hadPin ? 'PIN changed.' : 'PIN set.');
    } catch (e) {
      this.status(messageOf(e));
    }
  }

  private render(): void {
    const hasPin = this.phone.pin.isSet;
    byId('pin-current-label').hidden = !hasPin;
    byId('pin-remove').hidden = !hasPin;
    byId('pin-save').textContent = hasPin ? 'Change PIN' : 'Set PIN';
  }

  private async renderStorage(): Promise<void> {
    const persisted = (await navigator.storage?.persisted?.()) ?? false;
    byId('storage-status').textContent = persisted
      ? 'Storage is persistent: the browser will not clear your keys to free space.'
      : 'Storage is not marked persistent yet: the browser may clear it when space runs low. Pairkey asks for persistence when you pair; installing the app (Add to Home screen) also helps.';
  }
}
