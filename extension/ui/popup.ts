// Popup: renders the background's pairing state. It never holds keys or pairing secrets beyond
// the link it displays; the background owns all state and tells us when it changes.
import browser from 'webextension-polyfill';
import QRCode from 'qrcode';
import type { PopupMessage, PopupState } from '../runtime-messages.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

async function send(message: PopupMessage): Promise<PopupState> {
  return (await browser.runtime.sendMessage(message)) as PopupState;
}

function showError(text: string | null): void {
  const el = $('error');
  el.hidden = !text;
  el.textContent = text ?? '';
}

let shownLink = '';

async function render(state: PopupState): Promise<void> {
  $<HTMLInputElement>('relay-url').value ||= state.relayUrl;
  $<HTMLInputElement>('phone-url').value ||= state.phoneUrl;
  $('paired').hidden = state.kind === 'unpaired';
  $('unpaired').hidden = state.kind !== 'unpaired';
  if (state.kind !== 'unpaired') {
    $('confirming').hidden = state.kind !== 'confirming';
    $('confirmed-hint').hidden = state.kind !== 'paired';
    $('unpair').hidden = state.kind !== 'paired';
    $('phone-name').textContent = state.phoneName;
    $('code').textContent = state.confirmationCode;
    showError(null);
    return;
  }
  showError(state.error);
  const link = state.pairing?.link ?? '';
  if (link && link !== shownLink) {
    shownLink = link;
    $('link').textContent = link;
    $<HTMLImageElement>('qr').src = await QRCode.toDataURL(link, { errorCorrectionLevel: 'M', margin: 2, scale: 4 });
    $('expires').textContent = `This code expires at ${new Date(state.pairing!.expiresAt).toLocaleTimeString()}.`;
  }
}

async function refresh(message: PopupMessage = { type: 'popup/start-pairing' }): Promise<void> {
  try {
    await render(await send(message));
  } catch (error) {
    showError(error instanceof Error ? error.message : String(error));
  }
}

$('copy').addEventListener('click', () => void navigator.clipboard.writeText(shownLink));
const unpair = () => {
  shownLink = '';
  void refresh({ type: 'popup/unpair' }).then(() => refresh());
};
$('unpair').addEventListener('click', unpair);
$('reject').addEventListener('click', unpair);
$('confirm').addEventListener('click', () => void refresh({ type: 'popup/confirm-pairing' }));
$('settings').addEventListener('submit', (event) => {
  event.preventDefault();
  shownLink = '';
  void (async () => {
    await refresh({ type: 'popup/set-relay', relayUrl: $<HTMLInputElement>('relay-url').value });
    await refresh({ type: 'popup/set-phone-url', phoneUrl: $<HTMLInputElement>('phone-url').value });
    await refresh();
  })();
});

// The background writes the pairing into storage when the phone completes the handshake.
browser.storage.onChanged.addListener((changes) => {
  if ('pairing' in changes) void refresh();
});

// While the popup is open the background must stay awake to answer the phone's handshake:
// an MV3 service worker is suspended after 30 s without extension events.
setInterval(() => void send({ type: 'popup/keepalive' }).catch(() => undefined), 20_000);

void refresh();
