// "Connect Pairkey to this server", the extension's half. A top frame's bridge hands over what the
// page's origin declares (bridge/connect.ts); nothing changes until the person confirms in an
// extension window that shows that origin and both URLs, out of the page's reach (the page can
// neither see nor click it). One offer at a time: a newer one replaces the window of the last.
import browser from 'webextension-polyfill';
import type { ConnectOfferView } from '../runtime-messages.ts';
import { t } from '../translate.ts';
import { UserFacingError } from '../user-facing-error.ts';
import { cancelPairing } from './pairing.ts';
import { phones } from './phones.ts';
import { checkSettingUrl, phoneUrlProblem } from './settings-urls.ts';
import { getConfirmedPhones, getSettings, setConnection } from './storage.ts';

export const CONNECT_PAGE = 'extension/ui/connect.html';

let offer: ConnectOfferView | null = null;
let windowId: number | undefined;
let onChange: () => void = () => undefined;

export function onConnectOfferChange(listener: () => void): void {
  onChange = listener;
}

export function currentConnectOffer(): ConnectOfferView | null {
  return offer;
}

browser.windows.onRemoved.addListener((closed) => {
  if (closed !== windowId) return;
  windowId = undefined;
  offer = null; // closing the window is "no"
  onChange();
});

const hostOf = (url: string) => new URL(url).hostname;

/**
 * A page's declaration, from `origin` (as the browser reported the sender): checked, then shown to
 * the person. False when it is unusable (the bridge tells the page "refused").
 */
export async function offerConnection(origin: string, declared: { relayUrl: string; phoneUrl: string }): Promise<boolean> {
  let relayUrl: string;
  let phoneUrl: string;
  try {
    relayUrl = checkSettingUrl(declared.relayUrl, 'relay-url');
    phoneUrl = checkSettingUrl(declared.phoneUrl, 'phone-url');
  } catch {
    return false;
  }
  const settings = await getSettings();
  const previous = windowId;
  offer = {
    id: crypto.randomUUID(),
    origin,
    relayUrl,
    phoneUrl,
    // What the person should notice before saying yes (connect.ts words each one).
    relayElsewhere: hostOf(relayUrl) !== new URL(origin).hostname,
    phoneUrlProblem: phoneUrlProblem(phoneUrl),
    current: settings.relayUrl === relayUrl && settings.phoneUrl === phoneUrl,
    // Phones keep the relay they were paired on: after a change they need pairing again.
    pairedPhones: settings.relayUrl !== relayUrl && (await getConfirmedPhones()).length > 0,
    accepted: false,
  };
  windowId = undefined;
  if (previous !== undefined) await browser.windows.remove(previous).catch(() => undefined);
  const opened = await browser.windows.create({
    url: browser.runtime.getURL(`${CONNECT_PAGE}?offer=${encodeURIComponent(offer.id)}`),
    type: 'popup',
    width: 480,
    height: 560,
    focused: true,
  });
  windowId = opened.id;
  onChange();
  return true;
}

/** The person said yes in the connect window. */
export async function acceptConnection(offerId: string): Promise<void> {
  if (!offer || offer.id !== offerId || offer.accepted) throw new UserFacingError(t('errConnectGone'), 'connect-gone');
  cancelPairing();
  await setConnection(offer.relayUrl, offer.phoneUrl);
  await phones.sync();
  offer = { ...offer, accepted: true, current: true };
  onChange();
}

/** The person said no: the window closes, nothing changed. */
export async function declineConnection(offerId: string): Promise<void> {
  if (!offer || offer.id !== offerId) return;
  const id = windowId;
  offer = null;
  windowId = undefined;
  onChange();
  if (id !== undefined) await browser.windows.remove(id).catch(() => undefined);
}
