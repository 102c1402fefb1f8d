// The window that asks, for a site under the 'ask' rule, whether this request goes to the phone or
// to the browser's own authenticators. Closing it cancels the request; it closes itself once the
// request is over.
import type { UiState } from '../runtime-messages.ts';
import { connectUi } from './client.ts';
import { localize, t } from './i18n.ts';
import { wakeText } from './wake-text.ts';

const requestId = new URLSearchParams(location.search).get('request') ?? '';
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
localize();

let seen = false;
function render(state: UiState): void {
  const request = state.requests.find((r) => r.id === requestId);
  if (!request) {
    if (seen) window.close();
    return;
  }
  seen = true;
  const host = new URL(request.origin).host;
  $('prompt-heading').textContent = request.kind === 'create' ? t('promptCreate', host) : t('promptGet', host);
  // Once the person chose the phone: whether it is being woken, or must be opened by hand.
  const status = $('prompt-status');
  const text = wakeText(request);
  status.hidden = text === null;
  status.dataset.wake = request.wake ?? '';
  status.textContent = text ?? '';
}

const send = connectUi(render, () => undefined);
const choose = (choice: 'phone' | 'browser' | 'cancel') => () =>
  send({ type: 'choose', requestId, choice, remember: choice !== 'cancel' && $<HTMLInputElement>('remember').checked });
$('phone').addEventListener('click', choose('phone'));
$('browser').addEventListener('click', choose('browser'));
$('cancel').addEventListener('click', choose('cancel'));
$('phone').focus();
