// One-time codes: behind the PIN when one is set; add an account by scanning an otpauth:// QR
// code or typing its key; TOTP codes with a countdown, HOTP codes on demand; copy; delete.
import { manualOtpSpec, otpSpecFromUri, otpTitle, secondsLeft, totpCode, type OtpAccount, type OtpSpec } from '../otp.ts';
import type { Phone } from '../phone.ts';
import { t } from '../i18n.ts';
import { byId, confirmAction, h, messageOf } from './dom.ts';
import { ScanCancelled, scanQrCode } from './scanner.ts';

interface TotpRow {
  account: OtpAccount;
  code: HTMLElement;
  countdown: HTMLElement;
  bar: HTMLProgressElement;
}

export class CodesView {
  private totpRows: TotpRow[] = [];
  private shownUnlocked = false;

  constructor(
    private readonly phone: Phone,
    private readonly toast: (text: string) => void,
  ) {
    byId('unlock-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const input = byId<HTMLInputElement>('unlock-pin');
      const error = byId('unlock-error');
      phone.pin.unlock(input.value).then(
        () => {
          input.value = '';
          error.hidden = true;
        },
        (e: unknown) => {
          input.value = '';
          error.textContent = t(messageOf(e));
          error.hidden = false;
        },
      );
    });
    byId('lock-now').addEventListener('click', () => phone.pin.lock());
    byId('scan-otp').addEventListener('click', () => void this.scan());
    byId('otp-add-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.addTyped();
    });
    phone.changed.on((topic) => {
      if (topic === 'otp' || topic === 'pin') void this.render();
    });
    void this.render();
  }

  async render(): Promise<void> {
    const unlocked = this.phone.pin.isUnlocked;
    this.shownUnlocked = unlocked;
    byId('unlock-form').hidden = unlocked;
    byId('codes-unlocked').hidden = !unlocked;
    byId('lock-now').hidden = !this.phone.pin.isSet;
    if (!unlocked) {
      this.totpRows = [];
      byId('otp-list').replaceChildren();
      return;
    }
    const accounts = await this.phone.otp.accounts();
    this.totpRows = [];
    byId('no-otp').hidden = accounts.length > 0;
    byId('otp-list').replaceChildren(...accounts.map((a) => this.item(a)));
    await this.tick();
  }

  /** Called every second: TOTP codes and countdowns, and the automatic lock. */
  async tick(): Promise<void> {
    if (this.shownUnlocked !== this.phone.pin.isUnlocked) return this.render();
    const now = Date.now();
    await Promise.all(
      this.totpRows.map(async (row) => {
        row.code.textContent = await totpCode(row.account, now);
        const left = secondsLeft(row.account.period, now);
        row.countdown.textContent = t('{seconds} s', { seconds: left });
        row.bar.value = left;
      }),
    );
  }

  private async add(spec: OtpSpec): Promise<void> {
    const account = await this.phone.otp.add(spec);
    this.toast(t('Added {name}.', { name: otpTitle(account) }));
  }

  private async scan(): Promise<void> {
    const error = byId('otp-add-error');
    error.hidden = true;
    try {
      await this.add(otpSpecFromUri(await scanQrCode(t('Point the camera at the site’s one-time code QR code.'))));
    } catch (e) {
      if (e instanceof ScanCancelled) return;
      error.textContent = t(messageOf(e));
      error.hidden = false;
      byId<HTMLDetailsElement>('otp-add').open = true;
    }
  }

  private addTyped(): void {
    const value = (id: string) => byId<HTMLInputElement | HTMLSelectElement>(id).value;
    const error = byId('otp-add-error');
    try {
      const spec = manualOtpSpec({
        type: value('otp-type') === 'hotp' ? 'hotp' : 'totp',
        issuer: value('otp-issuer'),
        account: value('otp-account'),
        secret: value('otp-secret'),
        algorithm: value('otp-algorithm'),
        digits: Number(value('otp-digits')),
        period: Number(value('otp-period')),
        counter: Number(value('otp-counter')),
      });
      void this.add(spec).then(() => {
        byId<HTMLFormElement>('otp-add-form').reset();
        byId<HTMLDetailsElement>('otp-add').open = false;
      });
      error.hidden = true;
    } catch (e) {
      error.textContent = t(messageOf(e));
      error.hidden = false;
    }
  }

  private copyButton(code: HTMLElement): HTMLButtonElement {
    const button = h('button', { type: 'button', testid: 'otp-copy' }, t('Copy'));
    button.addEventListener('click', () => {
      const text = code.textContent ?? '';
      if (!/^\d+$/.test(text)) return;
      navigator.clipboard.writeText(text).then(
        () => this.toast(t('Code copied.')),
        () => this.toast(t('Copying is not allowed here; read the code instead.')),
      );
    });
    return button;
  }

  private item(account: OtpAccount): HTMLLIElement {
    const code = h('output', { testid: 'otp-code', class: 'otp-code' });
    const remove = h('button', { type: 'button', class: 'danger', testid: 'otp-delete' }, t('Delete'));
    remove.addEventListener('click', () => {
      void confirmAction(t('Delete {name}? Make sure you can still sign in there another way.', { name: otpTitle(account) }), t('Delete')).then((yes) => {
        if (yes) void this.phone.otp.delete(account.id);
      });
    });
    let extra: (HTMLElement | string)[];
    if (account.type === 'totp') {
      const countdown = h('span', { testid: 'otp-countdown', class: 'countdown' });
      const bar = h('progress', { max: account.period, 'aria-label': t('Time left') });
      this.totpRows.push({ account, code, countdown, bar });
      extra = [bar, countdown];
    } else {
      const counter = h('span', { testid: 'otp-counter', class: 'countdown' }, t('next: #{counter}', { counter: account.counter }));
      const next = h('button', { type: 'button', class: 'primary', testid: 'otp-next' }, t('Show next code'));
      next.addEventListener('click', () => {
        this.phone.otp.nextHotp(account.id).then(
          (result) => {
            code.textContent = result.code;
            counter.textContent = `#${result.counter}`;
          },
          (e: unknown) => this.toast(t(messageOf(e))),
        );
      });
      extra = [next, counter];
    }
    return h(
      'li',
      { testid: 'otp-account', class: 'card otp', 'data-type': account.type },
      h('h3', { testid: 'otp-title' }, otpTitle(account)),
      h('div', { class: 'otp-row' }, code, ...extra),
      h('div', { class: 'actions' }, this.copyButton(code), remove),
    );
  }
}
