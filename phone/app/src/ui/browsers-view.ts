// Pairing (camera, pasted link or a link that opened the app) and the list of paired browsers:
// rename, see whether each is reachable, remove.
import type { LinkState } from '../../../core/session.ts';
import type { Phone } from '../phone.ts';
import type { PairingRecord } from '../store/db.ts';
import { byId, confirmAction, formatTime, h, messageOf } from './dom.ts';
import { ScanCancelled, scanQrCode } from './scanner.ts';

const LINK_TEXT: Record<LinkState, string> = {
  connecting: 'connecting…',
  waiting: 'ready',
  connected: 'connected',
  offline: 'offline, retrying',
  stopped: 'offline',
};

export function isPairingLink(text: string): boolean {
  return /#?pk\d+\./.test(text) && !text.startsWith('otpauth:');
}

export class BrowsersView {
  private pairingInProgress: AbortController | null = null;
  private justPaired: PairingRecord | null = null;
  private readonly statuses = new Map<string, HTMLElement>();

  constructor(
    private readonly phone: Phone,
    private readonly show: () => void,
  ) {
    byId('scan-pairing').addEventListener('click', () => void this.scan());
    byId('paste-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const input = byId<HTMLInputElement>('paste-link');
      void this.pair(input.value).then((ok) => {
        if (ok) input.value = '';
      });
    });
    byId('pairing-match').addEventListener('click', () => this.closeResult());
    byId('pairing-mismatch').addEventListener('click', () => {
      const paired = this.justPaired;
      this.closeResult();
      if (paired) void phone.removePairing(paired.pairedChannelId);
    });
    phone.changed.on((topic) => {
      if (topic === 'pairings') void this.render();
      if (topic === 'links') this.renderStatuses();
    });
    void this.render();
  }

  private async scan(): Promise<void> {
    let text: string;
    try {
      text = await scanQrCode('Point the camera at the QR code in the Pairkey extension.');
    } catch (error) {
      if (!(error instanceof ScanCancelled)) this.showError(messageOf(error));
      return;
    }
    if (!isPairingLink(text)) {
      this.showError(text.startsWith('otpauth:') ? 'That is a one-time code QR code: add it under Codes.' : 'That QR code is not a Pairkey pairing code.');
      return;
    }
    await this.pair(text);
  }

  /** Pair with a link from any source; resolves false when it failed (the error is shown). */
  async pair(link: string): Promise<boolean> {
    this.show();
    this.pairingInProgress?.abort();
    const controller = new AbortController();
    this.pairingInProgress = controller;
    this.showError(null);
    this.closeResult();
    const status = byId('pairing-status');
    status.textContent = 'Pairing… keep the extension’s popup open.';
    status.hidden = false;
    try {
      const record = await this.phone.pair(link.trim(), controller.signal);
      if (controller.signal.aborted) return false;
      this.justPaired = record;
      byId('pairing-code').textContent = record.confirmationCode;
      byId('pairing-result').hidden = false;
      // Keys must survive storage pressure: ask for persistent storage once something is paired.
      void navigator.storage?.persist?.();
      return true;
    } catch (error) {
      if (!controller.signal.aborted) this.showError(`Pairing failed: ${messageOf(error)}`);
      return false;
    } finally {
      if (this.pairingInProgress === controller) {
        this.pairingInProgress = null;
        status.hidden = true;
      }
    }
  }

  private closeResult(): void {
    this.justPaired = null;
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
    const name = h('input', { testid: 'browser-name', value: pairing.label, maxlength: 64, 'aria-label': 'Browser name', required: true });
    const rename = h('form', { class: 'inline-form' }, name, h('button', { type: 'submit', testid: 'browser-rename' }, 'Rename'));
    rename.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.phone.renamePairing(pairing.pairedChannelId, name.value);
    });
    const remove = h('button', { type: 'button', class: 'danger', testid: 'browser-remove' }, 'Remove');
    remove.addEventListener('click', () => {
      void confirmAction(`Remove ${pairing.label}? It will no longer be able to ask this phone for passkeys.`, 'Remove').then((yes) => {
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
      h('p', { class: 'meta' }, status, ` · paired ${formatTime(pairing.pairedAt)} · code ${pairing.confirmationCode} · relay ${relayHost}`),
      h('div', { class: 'actions' }, remove),
    );
  }
}
