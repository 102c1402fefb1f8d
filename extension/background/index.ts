// Background entry: wiring only. Runtime ports go to their servers by name (ceremonies from the
// bridge, extension pages), one-shot messages from content scripts get the capabilities answer
// (or, in test builds, a test hook), and every change the pages show refreshes them.
// Content scripts may only run ceremonies and ask for capabilities; only extension pages may
// change pairing, rules or settings: each server checks its sender.
import browser, { type Runtime } from 'webextension-polyfill';
import { Value } from '@sinclair/typebox/value';
import { CEREMONY_PORT, UI_PORT } from '../port-names.ts';
import { ContentMessageSchema } from '../runtime-messages.ts';
import { updateBadge } from './badge.ts';
import { capabilities } from './capabilities.ts';
import { offerConnection, onConnectOfferChange } from './connect-offer.ts';
import { dropCeremonies, serveCeremony } from './ceremony-server.ts';
import { forgetPhone } from './forget-phone.ts';
import { onPairingChange } from './pairing.ts';
import { phones } from './phones.ts';
import { onRequestsChange } from './requests.ts';
import { senderOrigin } from './origins.ts';
import { isOwnContentScript } from './senders.ts';
import { migrateStorage } from './storage.ts';
import { handleTestHook } from './test-hooks.ts';
import { refreshPages, serveUi } from './ui-server.ts';
import { onProxyChange, updateProxy } from './webauthn-proxy.ts';

browser.runtime.onConnect.addListener((port) => {
  if (port.name === CEREMONY_PORT) serveCeremony(port);
  else if (port.name === UI_PORT) serveUi(port);
  else port.disconnect();
});

browser.runtime.onMessage.addListener((raw: unknown, sender: Runtime.MessageSender) => {
  if (Value.Check(ContentMessageSchema, raw) && isOwnContentScript(sender)) {
    if (raw.type === 'page/capabilities') return capabilities();
    // Only a top frame may offer a server; its origin is the one the browser reports.
    const origin = senderOrigin(sender);
    if (sender.frameId !== 0 || !origin) return Promise.resolve(false);
    return offerConnection(origin, raw);
  }
  if (__PAIRKEY_TEST_HOOKS__ && isOwnContentScript(sender)) return handleTestHook(raw, { dropCeremonies });
  return undefined;
});

phones.onUnpairedByPhone = (phoneId) => void forgetPhone(phoneId, false).then(refreshPages);
phones.subscribe(refreshPages);
onPairingChange(refreshPages);
onConnectOfferChange(refreshPages);
onRequestsChange(refreshPages);
onRequestsChange(updateBadge);
onProxyChange(refreshPages);

void migrateStorage()
  .then(() => phones.sync())
  .then(() => updateProxy());
