// Pairing (camera, pasted link or a link that opened the app) and the list of paired browsers:
// rename, see whether each is reachable, remove.
//
// Pairing takes the person twice: a link (opened, arriving while open, or pasted) first asks
// "Pair with a browser?" and nothing goes on the network before they tap Continue (scanning the
// code is itself that tap); then the code must be confirmed on the phone before anything is kept.
import { parsePairingLink } from '../../../../shared/protocol/index.ts';
import { PairingExpiredError } from '../../../core/pairing.ts';
import type { LinkState } from '../../../core/session.ts';
import type { Phone } from '../phone.ts';
import type { PairingRecord } from '../store/db.ts';
import { locale, t } from '../i18n.ts';
import { byId, confirmAction, formatTime, h, messageOf } from './dom.ts';
import { ScanCancelled, scanQrCode } from './scanner.ts';

const LINK_TEXT: Record<LinkState, string> = {
  connecting: t('connecting…'),
  waiting: t('ready'),
  connected: t('connected'),
  offline: t('offline, retrying'),
  stopped: t('offline'),
};

export function isPairingLink(text: string): boolean {
  return /#?pk\d+\./.test(text) && !text.startsWith('otpauth:');
}

/** Where a pairing link came from: a scan is the person's own act, the others are asked first. */
export type LinkSource = 'opened' | 'pasted' | 'scanned';

export class BrowsersView {
  private pairingInProgress: AbortController | null = null;
  /** The link waiting behind "Pair with a browser?". */
  private offered: string | null = null;
  private readonly statuses = new Map<string, HTMLElement>();

  constructor(
    private readonly phone: Phone,
    private readonly show: () => void,
  ) {
    byId('scan-pairing').addEventListener('click', () => void this.scan());
    byId('paste-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const input = byId<HTMLInputElement>('paste-link');
      if (this.offer(input.value, 'pasted')) input.value = '';
    });
    byId('pairing-continue').addEventListener('click', () => {
      const link = this.offered;
      this.closeConsent();
      if (link) void this.pair(link);
    });
    byId('pairing-decline').addEventListener('click', () => this.closeConsent());
    byId('pairing-match').addEventListener('click', () => {
      phone.confirmPendingPairing().then(
        () => void navigator.storage?.persist?.(), // keys must survive storage pressure once something is paired
        (error: unknown) => this.showError(error instanceof PairingExpiredError ? t(error.message) : t('Pairing failed: {reason}', { reason: t(messageOf(error)) })),
      );
    });
    byId('pairing-mismatch').addEventListener('click', () => phone.rejectPendingPairing());
    phone.changed.on((topic) => {
      if (topic === 'pending-pairing' && !phone.pendingPairing) this.closeResult();
      if (topic === 'pairings') void this.render();
      if (topic === 'links') this.renderStatuses();
    });
    void this.render();
  }

  private async scan(): Promise<void> {
    let text: string;
    try {
      text = await scanQrCode(t('Point the camera at the QR code in the Pairkey extension.'));
    } catch (error) {
      if (!(error instanceof ScanCancelled)) this.showError(t(messageOf(error)));
      return;
    }
    if (!isPairingLink(text)) {
      this.showError(text.startsWith('otpauth:') ? t('That is a one-time code QR code: add it under Codes.') : t('That QR code is not a Pairkey pairing code.'));
      return;
    }
    this.offer(text, 'scanned');
  }

  /**
   * A pairing link arrived. A scanned one starts at once (the person just pointed the camera at
   * their browser); an opened or pasted one asks first. False when the link is not valid.
   */
  offer(link: string, source: LinkSource): boolean {
    this.show();
    this.showError(null);
    this.closeConsent();
    let relayHost: string;
    try {
      const offer = parsePairingLink(link.trim());
      relayHost = new URL(offer.relayUrl).host;
    } catch (error) {
      this.showError(t('Pairing failed: {reason}', { reason: t(messageOf(error)) }));
      return false;
    }
    if (source === 'scanned') {
      void this.pair(link);
      return true;
    }
    this.offered = link.trim();
    void this.phone.nextBrowserLabel().then((label) => {
      if (this.offered !== link.trim()) return;
      byId('pairing-consent-text').textContent = t(
        source === 'opened'
          ? 'A pairing link opened this app. Continuing connects this phone, through the relay {relay}, with the browser that made the link; it would be called “{label}”.'
          : 'You pasted a pairing link. Continuing connects this phone, through the relay {relay}, with the browser that made the link; it would be called “{label}”.',
        { relay: relayHost, label },
      );
      byId('pairing-consent').hidden = false;
    });
    return true;
  }

  private closeConsent(): void {
    this.offered = null;
    byId('pairing-consent').hidden = true;
  }

  /** Run the handshake (the person agreed); resolves false when it failed (the error is shown). */
  private async pair(link: string): Promise<boolean> {
    this.show();
    this.pairingInProgress?.abort();
    const controller = new AbortController();
    this.pairingInProgress = controller;
    this.showError(null);
    this.closeResult();
    this.phone.rejectPendingPairing();
    const status = byId('pairing-status');
    status.textContent = t('Pairing… keep the extension’s popup open.');
    status.hidden = false;
    try {
      const pending = await this.phone.pair(link.trim(), controller.signal);
      if (controller.signal.aborted) return false;
      byId('pairing-code').textContent = pending.pairing.confirmationCode;
      byId('pairing-result-text').textContent = t('Once confirmed it is called “{label}”. Confirm by {time}, or it is forgotten.', {
        label: pending.label,
        time: new Date(pending.pairing.expiresAt).toLocaleTimeString(locale),
      });
      byId('pairing-result').hidden = false;
      return true;
    } catch (error) {
      if (!controller.signal.aborted) this.showError(t('Pairing failed: {reason}', { reason: t(messageOf(error)) }));
      return false;
    } finally {
      if (this.pairingInProgress === controller) {
        this.pairingInProgress = null;
        status.hidden = true;
      }
    }
  }

  private closeResult(): void {
    byId('pairing-result').hidden = true;
  }

  private showError(text: string | null): void {
    const element = byId('pairing-error');
    element.hidden = text === null;
    element.textContent = text ?? '';
  }

  private async render(): Promise<void> {
    const pairings = await this.phone.pairings();
    this.statuses.clear();
    byId('no-browsers').hidden = pairings.length > 0;
    byId('browser-list').replaceChildren(...pairings.map((p) => this.item(p)));
    this.renderStatuses();
  }

  private renderStatuses(): void {
    for (const [id, element] of this.statuses) {
      const state = this.phone.linkState(id);
      element.textContent = LINK_TEXT[state];
      element.dataset.state = state;
    }
  }

  private item(pairing: PairingRecord): HTMLLIElement {
    const status = h('span', { testid: 'browser-status', class: 'link-state' });
    this.statuses.set(pairing.pairedChannelId, status);
    const name = h('input', { testid: 'browser-name', value: pairing.label, maxlength: 64, 'aria-label': t('Browser name'), required: true });
    const rename = h('form', { class: 'inline-form' }, name, h('button', { type: 'submit', testid: 'browser-rename' }, t('Rename')));
    rename.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.phone.renamePairing(pairing.pairedChannelId, name.value);
    });
    const remove = h('button', { type: 'button', class: 'danger', testid: 'browser-remove' }, t('Remove'));
    remove.addEventListener('click', () => {
      void confirmAction(t('Remove {label}? It will no longer be able to ask this phone for passkeys.', { label: pairing.label }), t('Remove')).then((yes) => {
        if (yes) void this.phone.removePairing(pairing.pairedChannelId);
      });
    });
    let relayHost = pairing.relayUrl;
    try {
      relayHost = new URL(pairing.relayUrl).host;
    } catch {
      // shown as stored
    }
    return h(
      'li',
      { testid: 'browser', class: 'card' },
      rename,
      h('p', { class: 'meta' }, status, t(' · paired {time} · code {code} · relay {relay}', { time: formatTime(pairing.pairedAt), code: pairing.confirmationCode, relay: relayHost })),
      h('div', { class: 'actions' }, remove),
    );
  }
}
