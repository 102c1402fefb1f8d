// The toolbar popup: pending requests (with cancel), each phone's status, pairing a phone, and the
// connection settings. Everything it shows comes from the background's UiState.
import browser from 'webextension-polyfill';
import type { UiState } from '../runtime-messages.ts';
import { connectUi, showAlert, type PageEvent } from './client.ts';
import { pairingLink, renderHandoff, renderPairing, renderPhones, renderRequests } from './components.ts';
import { connectionForm } from './connection-form.ts';
import { localize, t } from './i18n.ts';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
localize();

const PHONE_URL_KEYS: Record<'localhost' | 'http', string> = { localhost: 'warnPhoneUrlLocalhost', http: 'warnPhoneUrlHttp' };

let addingPhone = false;
let asked = false;
let last: UiState | null = null;
/** The last error the background sent for a command (shown until the next state without one). */
let commandError: Extract<PageEvent, { type: 'error' }> | null = null;

const form = connectionForm($<HTMLFormElement>('settings'), () => send);

function render(state: UiState): void {
  last = state;
  form.render(state);
  renderRequests($('requests'), $('request-list'), state, send);
  renderPhones($('phone-list'), state, send, { rename: false });
  const confirming = state.phones.some((p) => p.status === 'unconfirmed');
  // "Pair a phone" ends with the codes compared: after "Yes, it matches" the popup goes back to
  // the phone list instead of showing a fresh code for a phone nobody is adding.
  if (confirming) addingPhone = false;
  // A person with no phone sees the QR code at once; with phones, after "Pair a phone".
  const wantPairing = !confirming && (state.phones.length === 0 || addingPhone);
  if (wantPairing && !state.pairing && !asked) {
    asked = true;
    send({ type: 'start-pairing' });
  }
  if (!wantPairing) asked = false;
  $('add-phone').hidden = wantPairing || confirming;
  void renderPairing($('pairing'), state, wantPairing);
  const warning = $('phone-url-warning');
  warning.hidden = state.phoneUrlProblem === null;
  warning.dataset.problem = state.phoneUrlProblem ?? '';
  if (state.phoneUrlProblem) warning.textContent = t(PHONE_URL_KEYS[state.phoneUrlProblem], state.phoneUrl);
  renderHandoff($('handoff-notice'), state.handoff);
  showAlert($('error'), state.pairingError ? { message: state.pairingError, code: 'pairing' } : commandError);
}

function onEvent(event: PageEvent): void {
  if (event.type === 'saved') {
    // The offer showing used the old settings (the background withdrew it): ask for a new one.
    asked = false;
    commandError = null;
  }
  if (form.onEvent(event)) {
    if (last) render(last);
    return;
  }
  if (event.type !== 'error') return;
  commandError = event;
  showAlert($('error'), event);
}

const send = connectUi(render, onEvent);

$('open-options').addEventListener('click', () => void browser.runtime.openOptionsPage());
$('add-phone').addEventListener('click', () => {
  addingPhone = true;
  commandError = null;
  if (last) render(last);
});
$('renew').addEventListener('click', () => send({ type: 'start-pairing' }));
$('copy').addEventListener('click', () => void navigator.clipboard.writeText(pairingLink()));
