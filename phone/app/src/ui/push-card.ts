// The card that explains why Pairkey asks for notifications, shown once a browser is paired. The
// browser's permission prompt opens only from its button; without Push, or with notifications
// blocked, it says that requests arrive only while the app is open, and asks nothing.
import type { Phone } from '../phone.ts';
import type { PushState } from '../push/push-subscriber.ts';
import { PUSH_TEXT } from '../push/strings.ts';
import { byId, messageOf } from './dom.ts';

export class PushCard {
  private busy = false;

  constructor(private readonly phone: Phone) {
    byId('push-title').textContent = PUSH_TEXT.cardTitle;
    byId('push-explainer').textContent = PUSH_TEXT.cardExplainer;
    byId('push-enable').textContent = PUSH_TEXT.enable;
    byId('push-enable').addEventListener('click', () => void this.enable());
    phone.changed.on((topic) => {
      if (topic === 'pairings' || topic === 'push') void this.render();
    });
    void this.render();
  }

  private async enable(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.error(null);
    try {
      await this.phone.enablePush();
    } catch (error) {
      const noRelay = error instanceof Error && error.message === PUSH_TEXT.noRelayKey;
      this.error(noRelay ? { text: PUSH_TEXT.noRelayKey, code: 'no-relay-key' } : { text: PUSH_TEXT.failed(messageOf(error)), code: 'failed' });
    } finally {
      this.busy = false;
      await this.render();
    }
  }

  private async render(): Promise<void> {
    const paired = (await this.phone.pairings()).length > 0;
    const state: PushState = await this.phone.push.state().catch(() => 'unsupported' as const);
    byId('push-card').hidden = !paired;
    const status = byId('push-status');
    status.textContent = PUSH_TEXT.state[state];
    status.dataset.state = state;
    byId('push-explainer').hidden = state !== 'ask';
    byId('push-enable').hidden = state !== 'ask';
  }

  /** `data-code` names the failure for tests and QA: `no-relay-key` or `failed`. */
  private error(failure: { text: string; code: 'no-relay-key' | 'failed' } | null): void {
    const element = byId('push-error');
    element.hidden = failure === null;
    element.textContent = failure?.text ?? '';
    if (failure) element.dataset.code = failure.code;
    else delete element.dataset.code;
  }
}
