// The pieces the popup and the options page share: the phones list, the pairing panel and the
// pending requests. Each renders from UiState into its container and sends commands back.
import QRCode from 'qrcode';
import type { HandoffView, PhoneView, RequestView, UiState } from '../runtime-messages.ts';
import type { Send } from './client.ts';
import { displayText } from '../../shared/display-text.ts';
import { button, el, t } from './i18n.ts';
import { wakeText } from './wake-text.ts';

const STATUS_KEYS: Record<PhoneView['status'], string> = {
  unconfirmed: 'statusUnconfirmed',
  offline: 'statusOffline',
  waiting: 'statusWaiting',
  online: 'statusOnline',
};

function phoneItem(phone: PhoneView, send: Send, options: { rename: boolean }): HTMLElement {
  const item = el('li', { testid: 'phone-item', className: 'phone', attrs: { 'data-phone-id': phone.id, 'data-phone-name': phone.name } });
  const title = el('div', { className: 'phone-title' });
  // The name came from the phone (its handshake) or a rename: shown display-safe and isolated
  // (`dir` isolates), so it cannot reorder the status or code beside it (issue 11.7).
  const shownName = displayText(phone.name) || 'Phone';
  title.append(
    el('strong', { text: shownName, testid: 'paired-phone', attrs: { dir: 'auto' } }),
    el('span', { text: t(STATUS_KEYS[phone.status]), testid: 'phone-status', className: `status status-${phone.status}` }),
  );
  item.append(title);
  if (phone.status === 'unconfirmed') {
    item.append(
      el('p', {}, document.createTextNode(`${t('confirmationCode')} `), el('strong', { text: phone.confirmationCode, testid: 'pairing-code', className: 'code' })),
      el('p', { text: t('confirmQuestion') }),
      el(
        'div',
        { className: 'actions' },
        button(t('confirmYes'), 'pairing-confirm', () => send({ type: 'confirm-pairing', phoneId: phone.id }), 'primary'),
        button(t('confirmNo'), 'pairing-reject', () => send({ type: 'reject-pairing', phoneId: phone.id })),
      ),
    );
    return item;
  }
  const actions = el('div', { className: 'actions' });
  if (options.rename) {
    const input = el('input', { testid: 'phone-rename', attrs: { type: 'text', maxlength: '64', 'aria-label': t('renameLabel', shownName) } });
    input.value = phone.name;
    actions.append(input, button(t('rename'), 'phone-rename-save', () => send({ type: 'rename-phone', phoneId: phone.id, name: input.value || phone.name })));
  }
  // Unpairing cannot be undone (the phone must be paired again): ask first, in place.
  const askFirst = button(t('unpair'), 'unpair', () => {
    const question = el(
      'div',
      { testid: 'unpair-question', className: 'confirm', attrs: { role: 'group', 'aria-label': t('unpairQuestion', shownName) } },
      el('p', { text: t('unpairQuestion', shownName) }),
      el(
        'div',
        { className: 'actions' },
        button(t('unpairConfirm'), 'unpair-confirm', () => send({ type: 'unpair', phoneId: phone.id }), 'danger'),
        button(t('unpairKeep'), 'unpair-keep', () => {
          question.replaceWith(actions);
          askFirst.focus();
        }),
      ),
    );
    actions.replaceWith(question);
    question.querySelector<HTMLButtonElement>('[data-testid="unpair-keep"]')?.focus();
  }, 'danger');
  actions.append(askFirst);
  item.append(actions);
  return item;
}

/**
 * Replace a container's children only when what they show changed: a re-render on every state
 * push would take keyboard focus away and move buttons under the pointer.
 */
const shown = new WeakMap<HTMLElement, string>();
export function renderList<T>(container: HTMLElement, items: T[], render: (item: T) => HTMLElement): void {
  const key = JSON.stringify(items);
  if (shown.get(container) === key) return;
  shown.set(container, key);
  container.replaceChildren(...items.map(render));
}

export function renderPhones(container: HTMLElement, state: UiState, send: Send, options: { rename: boolean }): void {
  renderList(container, state.phones, (p) => phoneItem(p, send, options));
}

let shownLink = '';

/** The QR code and its link, when `wanted`. A link that went away (expired) says so. */
export async function renderPairing(container: HTMLElement, state: UiState, wanted: boolean): Promise<void> {
  container.hidden = !wanted;
  if (!wanted) return;
  const part = (testid: string) => container.querySelector<HTMLElement>(`[data-testid="${testid}"]`)!;
  const qr = part('pairing-qr') as HTMLImageElement;
  const offer = state.pairing;
  part('pairing-renew').hidden = offer !== null;
  qr.hidden = offer === null;
  if (!offer) {
    if (shownLink) part('pairing-expires').textContent = t('pairingExpired');
    shownLink = '';
    part('pairing-link').textContent = '';
    return;
  }
  if (offer.link === shownLink) return;
  shownLink = offer.link;
  part('pairing-link').textContent = offer.link;
  qr.src = await QRCode.toDataURL(offer.link, { errorCorrectionLevel: 'M', margin: 2, scale: 4 });
  part('pairing-expires').textContent = t('pairingExpires', new Date(offer.expiresAt).toLocaleTimeString());
}

export function pairingLink(): string {
  return shownLink;
}

const STAGE_KEYS: Record<RequestView['stage'], string> = {
  choosing: 'stageChoosing',
  conditional: 'stageConditional',
  'reaching-phone': 'stageReaching',
  'on-phone': 'stageOnPhone',
};

function requestItem(request: RequestView, send: Send): HTMLElement {
  const item = el('li', { testid: 'request-item', className: 'request', attrs: { 'data-request-id': request.id, 'data-wake': request.wake ?? '' } });
  const what = request.kind === 'get' ? t('requestGet') : request.credential === 'security-key' ? t('requestSecurityKey') : t('requestCreate');
  item.append(
    el('div', {}, el('strong', { text: new URL(request.origin).host, testid: 'request-origin' }), document.createTextNode(` · ${what}`)),
    el('p', { text: wakeText(request) ?? t(STAGE_KEYS[request.stage]), testid: 'request-stage', className: 'hint' }),
  );
  const choose = (choice: 'phone' | 'browser' | 'cancel') => () => send({ type: 'choose', requestId: request.id, choice });
  const actions = el('div', { className: 'actions' });
  if (request.stage === 'conditional' || request.stage === 'choosing') actions.append(button(t('usePhone'), 'request-use-phone', choose('phone'), 'primary'));
  actions.append(button(t('useBrowser'), 'request-use-browser', choose('browser')), button(t('cancel'), 'request-cancel', choose('cancel'), 'danger'));
  item.append(actions);
  return item;
}

export function renderRequests(container: HTMLElement, list: HTMLElement, state: UiState, send: Send): void {
  container.hidden = state.requests.length === 0;
  renderList(list, state.requests, (r) => requestItem(r, send));
}

const HANDOFF_KEYS: Record<'get' | 'passkey' | 'security-key', string> = {
  get: 'handoffGet',
  passkey: 'handoffCreate',
  'security-key': 'handoffSecurityKey',
};

/**
 * "No phone was online, so the browser handled it": said after the fact, since the person saw
 * only the browser's own dialog. The reason is in data-reason for QA.
 */
export function renderHandoff(element: HTMLElement, handoff: HandoffView | null): void {
  element.hidden = handoff === null;
  if (!handoff) {
    element.textContent = '';
    delete element.dataset.reason;
    return;
  }
  const what = handoff.kind === 'get' ? 'get' : (handoff.credential ?? 'passkey');
  element.dataset.reason = handoff.reason;
  element.textContent = t(HANDOFF_KEYS[what], new URL(handoff.origin).host, new Date(handoff.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
}
