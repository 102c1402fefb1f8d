// The phone app's entry point: take a pairing link out of the URL, open storage, build the views,
// go online for every paired browser (in one tab only) and keep the clock ticking.
import { t, translateDocument } from './i18n.ts';
import { Phone } from './phone.ts';
import { isWakeOpened } from './push/messages.ts';
import { BrowsersView } from './ui/browsers-view.ts';
import { CodesView } from './ui/codes-view.ts';
import { byId, messageOf } from './ui/dom.ts';
import { PasskeysView } from './ui/passkeys-view.ts';
import { PushCard } from './ui/push-card.ts';
import { RequestsView } from './ui/requests-view.ts';
import { SettingsView } from './ui/settings-view.ts';

const TABS = ['requests', 'browsers', 'passkeys', 'codes', 'settings'] as const;
type Tab = (typeof TABS)[number];
const ONLINE_LOCK = 'pairkey-phone-online';
const TOAST_MS = 3000;

/**
 * A pairing link opens the app as `…/#pk1.<offer>`. The offer carries the pairing secret: read it
 * once, then remove it from the address bar, the session history and any bookmark.
 */
function takePairingLink(): string | null {
  const hash = location.hash;
  if (!/^#pk\d+\./.test(hash)) return null;
  history.replaceState(history.state, '', location.pathname + location.search);
  return hash;
}

function showTab(tab: Tab): void {
  for (const section of document.querySelectorAll<HTMLElement>('main > section[data-view]')) section.hidden = section.dataset.view !== tab;
  for (const button of document.querySelectorAll<HTMLButtonElement>('nav [data-tab]')) {
    if (button.dataset.tab === tab) button.setAttribute('aria-current', 'page');
    else button.removeAttribute('aria-current');
  }
}

function banner(text: string | null): void {
  const element = byId('banner');
  element.hidden = text === null;
  element.textContent = text ?? '';
}

let toastTimer: ReturnType<typeof setTimeout> | undefined;
function toast(text: string): void {
  const element = byId('toast');
  element.textContent = text;
  element.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (element.hidden = true), TOAST_MS);
}

/**
 * Two tabs answering for the same pairings would take both relay seats of a channel and race for
 * each request; a Web Lock lets one tab be online and the other wait for it to close.
 */
function holdOnlineLock(onBlocked: () => void): Promise<void> {
  const locks = navigator.locks;
  if (!locks) return Promise.resolve();
  const forever = () => new Promise<never>(() => undefined);
  return new Promise((acquired) => {
    void locks.request(ONLINE_LOCK, { ifAvailable: true }, (lock) => {
      if (lock) {
        acquired();
        return forever();
      }
      onBlocked();
      void locks.request(ONLINE_LOCK, () => {
        acquired();
        return forever();
      });
      return undefined;
    });
  });
}

async function renderLinkStatus(phone: Phone): Promise<void> {
  const pairings = await phone.pairings();
  const states = pairings.map((p) => phone.linkState(p.pairedChannelId));
  const element = byId('link-status');
  const online = states.some((s) => s === 'waiting' || s === 'connected');
  element.textContent = pairings.length === 0 ? t('not paired') : online ? t('online') : t('offline');
  element.dataset.state = pairings.length === 0 ? 'unpaired' : online ? 'online' : 'offline';
}

async function main(): Promise<void> {
  // Static text first, before the views write theirs (through t()).
  translateDocument();
  const pendingLink = takePairingLink();
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('./sw.js').catch((error: unknown) => console.warn('No offline support:', error));

  let phone: Phone;
  try {
    phone = await Phone.open({ log: (line) => console.debug(line) });
  } catch (error) {
    banner(t('Pairkey cannot open its storage ({reason}). Private browsing and some privacy settings block it.', { reason: messageOf(error) }));
    return;
  }

  for (const button of document.querySelectorAll<HTMLButtonElement>('nav [data-tab]')) {
    button.addEventListener('click', () => showTab(button.dataset.tab as Tab));
  }
  const requests = new RequestsView(phone, () => {
    showTab('requests');
    navigator.vibrate?.(200);
  });
  const browsers = new BrowsersView(phone, () => showTab('browsers'));
  new PasskeysView(phone);
  new PushCard(phone);
  const codes = new CodesView(phone, toast);
  new SettingsView(phone, toast);
  phone.notices.on(toast);
  phone.changed.on((topic) => {
    if (topic === 'links' || topic === 'pairings') void renderLinkStatus(phone);
  });
  void renderLinkStatus(phone);
  // A wake-up notification tapped while the app was already open.
  navigator.serviceWorker?.addEventListener('message', (event) => {
    if (!isWakeOpened(event.data)) return;
    showTab('requests');
    phone.reconnectNow();
  });

  setInterval(() => {
    requests.tick();
    void codes.tick();
  }, 1000);

  // Opened through a pairing link (or a new link arrived while open): anyone can send such a
  // link, so it only asks the person whether to pair; nothing is sent before they agree.
  if (pendingLink) browsers.offer(pendingLink, 'opened');
  window.addEventListener('hashchange', () => {
    const link = takePairingLink();
    if (link) browsers.offer(link, 'opened');
  });

  await holdOnlineLock(() => banner(t('Pairkey is open in another tab or window. This one will take over when that one closes.')));
  banner(null);
  await phone.goOnline();
  // Phones suspend background pages and drop their sockets: come back at once when visible.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState !== 'visible') return;
    phone.reconnectNow();
    void phone.recheckPush(); // back from the browser's site settings, perhaps
  });
  window.addEventListener('online', () => phone.reconnectNow());
}

void main();
