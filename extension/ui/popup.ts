// The toolbar popup: pending requests (with cancel), each phone's status, pairing a phone, and the
// connection settings. Everything it shows comes from the background's UiState.
import browser from 'webextension-polyfill';
import type { UiState } from '../runtime-messages.ts';
import { connectUi } from './client.ts';
import { pairingLink, renderPairing, renderPhones, renderRequests } from './components.ts';
import { localize } from './i18n.ts';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
localize();

function showError(text: string | null): void {
  $('error').hidden = !text;
  $('error').textContent = text ?? '';
}

let addingPhone = false;
let asked = false;
let last: UiState | null = null;

function render(state: UiState): void {
  last = state;
  $<HTMLInputElement>('relay-url').value ||= state.relayUrl;
  $<HTMLInputElement>('phone-url').value ||= state.phoneUrl;
  renderRequests($('requests'), $('request-list'), state, send);
  renderPhones($('phone-list'), state, send, { rename: false });
  const confirming = state.phones.some((p) => p.status === 'unconfirmed');
  // A person with no phone sees the QR code at once; with phones, after "Add a phone".
  const wantPairing = !confirming && (state.phones.length === 0 || addingPhone);
  if (wantPairing && !state.pairing && !asked) {
    asked = true;
    send({ type: 'start-pairing' });
  }
  if (!wantPairing) asked = false;
  $('add-phone').hidden = wantPairing || confirming;
  void renderPairing($('pairing'), state, wantPairing);
  showError(state.pairingError);
}

const send = connectUi(render, showError);

$('open-options').addEventListener('click', () => void browser.runtime.openOptionsPage());
$('add-phone').addEventListener('click', () => {
  addingPhone = true;
  if (last) render(last);
});
$('renew').addEventListener('click', () => send({ type: 'start-pairing' }));
$('copy').addEventListener('click', () => void navigator.clipboard.writeText(pairingLink()));
$('settings').addEventListener('submit', (event) => {
  event.preventDefault();
  send({ type: 'set-relay', relayUrl: $<HTMLInputElement>('relay-url').value });
  send({ type: 'set-phone-url', phoneUrl: $<HTMLInputElement>('phone-url').value });
  // Whatever offer was showing used the old settings; show a new one.
  asked = false;
  if (last) render(last);
});
