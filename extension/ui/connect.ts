// The window that asks the person whether Pairkey should use the server a page offered ("Connect
// Pairkey to this server"). It shows the page's origin as the browser reported it and both URLs,
// with a word on what to look at; only this window, never the page, can say yes.
import type { ConnectOfferView, UiState } from '../runtime-messages.ts';
import { connectUi, showAlert } from './client.ts';
import { el, localize, t } from './i18n.ts';

const offerId = new URLSearchParams(location.search).get('offer') ?? '';
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
localize();

const PHONE_URL_KEYS: Record<'localhost' | 'http', string> = { localhost: 'warnPhoneUrlLocalhost', http: 'warnPhoneUrlHttp' };

function warnings(offer: ConnectOfferView): [string, string][] {
  const list: [string, string][] = [];
  if (offer.current) list.push(['current', t('connectAlready')]);
  if (offer.relayElsewhere) list.push(['relay-elsewhere', t('connectRelayElsewhere', new URL(offer.relayUrl).host, new URL(offer.origin).host)]);
  if (offer.phoneUrlProblem) list.push([`phone-${offer.phoneUrlProblem}`, t(PHONE_URL_KEYS[offer.phoneUrlProblem], offer.phoneUrl)]);
  if (offer.pairedPhones) list.push(['paired-phones', t('connectRepair')]);
  return list;
}

let seen = false;
function render(state: UiState): void {
  const offer = state.connectOffer;
  if (!offer || offer.id !== offerId) {
    // Replaced by a newer offer, or declined: nothing left to ask.
    if (seen) window.close();
    return;
  }
  seen = true;
  $('origin').textContent = offer.origin;
  $('relay').textContent = offer.relayUrl;
  $('phone').textContent = offer.phoneUrl;
  $('warnings').replaceChildren(...warnings(offer).map(([code, text]) => el('li', { text, testid: 'connect-warning', attrs: { 'data-warning': code } })));
  $('ask').hidden = offer.accepted;
  $('done').hidden = !offer.accepted;
  if (offer.accepted) $('close').focus();
}

const send = connectUi(render, (event) => {
  if (event.type === 'error') showAlert($('error'), event);
});
$('accept').addEventListener('click', () => send({ type: 'accept-connect', offerId }));
$('decline').addEventListener('click', () => send({ type: 'decline-connect', offerId }));
$('close').addEventListener('click', () => window.close());
$('decline').focus();
