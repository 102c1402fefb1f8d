// Background entry: checks who connects or sends, validates every message against its schema, and
// routes it. Content scripts may only run ceremonies (one port each) and ask for capabilities;
// only extension pages (popup, options, prompt) may change pairing, rules or settings.
import browser, { type Runtime } from 'webextension-polyfill';
import { Value } from '@sinclair/typebox/value';
import type { PairkeyCapabilities } from '../page/messages.ts';
import { t, UserFacingError } from '../messages.ts';
import { CEREMONY_PORT, UI_PORT } from '../port-names.ts';
import {
  CeremonyMessageSchema,
  ContentMessageSchema,
  UiCommandSchema,
  type CeremonyReply,
  type CeremonyStart,
  type UiCommand,
  type UiEvent,
} from '../runtime-messages.ts';
import { callerOf } from './caller.ts';
import { checkFramePermission } from './frame-permission.ts';
import { cancelPairing, confirmPhone, onPairingChange, startPairing } from './pairing.ts';
import { phones } from './phones.ts';
import { choose, onRequestsChange, requestViews, runCeremony } from './requests.ts';
import { safeOrigin } from './origins.ts';
import { isOwnContentScript, isOwnPage } from './senders.ts';
import {
  getConfirmedPhones,
  migrateStorage,
  removePhone,
  setDefaultRule,
  setPhoneUrl,
  setProxyEnabled,
  setRelayUrl,
  setSiteRule,
  updatePhone,
} from './storage.ts';
import { handleTestHook } from './test-hooks.ts';
import { uiState } from './ui-state.ts';
import { BASE_EXTENSIONS, parsePageOptions } from './webauthn-client.ts';
import { browserCallStarting, onProxyChange, updateProxy } from './webauthn-proxy.ts';

// ---- ceremonies from the page script ------------------------------------------------------------

/** Open ceremony ports and how to end each one's ceremony. */
const ceremonyPorts = new Map<Runtime.Port, () => void>();

function serveCeremony(port: Runtime.Port): void {
  const sender = port.sender;
  if (!sender || !isOwnContentScript(sender)) return port.disconnect();
  const pageGone = new AbortController();
  let started = false;
  let browserCallDone: (() => void) | null = null;
  const post = (reply: CeremonyReply) => {
    try {
      port.postMessage(reply);
    } catch {
      // the page went away
    }
  };
  const endBrowserCall = () => {
    browserCallDone?.();
    browserCallDone = null;
  };
  const startBrowserCall = async () => {
    endBrowserCall();
    browserCallDone = await browserCallStarting();
    if (pageGone.signal.aborted) endBrowserCall();
  };

  async function start(message: CeremonyStart): Promise<void> {
    const caller = callerOf(sender!, message.frame);
    // An opaque or unknown origin is left to the browser, which refuses it as the spec says.
    if (!caller) return post({ type: 'result', result: { status: 'passthrough' } });
    const result = await runCeremony({
      kind: message.kind,
      caller,
      mediation: message.mediation,
      parse: () => parsePageOptions(message.kind, message.options),
      checkFrame: () => checkFramePermission(caller, message.kind, message.frame),
      canUseBrowser: true,
      startNativeAlongside: () => void startBrowserCall().then(() => post({ type: 'start-native' })),
      pageSignal: pageGone.signal,
    });
    if (pageGone.signal.aborted) return;
    // Step the proxy aside before the page calls the browser, so the browser's own UI answers.
    if (result.status === 'passthrough') await startBrowserCall();
    post({ type: 'result', result });
  }

  const end = () => {
    ceremonyPorts.delete(port);
    pageGone.abort();
    endBrowserCall();
  };
  ceremonyPorts.set(port, end);
  port.onDisconnect.addListener(end);
  port.onMessage.addListener((raw: unknown) => {
    // Only the bridge talks on this port; anything off-schema means something is wrong: hang up.
    if (!Value.Check(CeremonyMessageSchema, raw)) return port.disconnect();
    if (raw.type === 'start') {
      if (started) return;
      started = true;
      void start(raw);
    } else if (raw.type === 'cancel') {
      pageGone.abort();
    } else if (raw.type === 'native-done') {
      endBrowserCall();
    }
  });
}

// ---- extension pages -----------------------------------------------------------------------------

const uiPorts = new Set<Runtime.Port>();

async function broadcast(): Promise<void> {
  if (uiPorts.size === 0) return;
  const event: UiEvent = { type: 'state', state: await uiState() };
  for (const port of uiPorts) port.postMessage(event);
}

const refresh = () => void broadcast();

/** Forget a phone; unless the phone itself asked, make sure it forgets this browser too. */
async function forget(phoneId: string, tellPhone = true): Promise<void> {
  const phone = await removePhone(phoneId);
  if (phone && tellPhone) await phones.unpair(phone.id, phone.publicKey);
  else await phones.sync();
  await updateProxy();
}

async function runCommand(command: UiCommand): Promise<void> {
  switch (command.type) {
    case 'keepalive':
      return;
    case 'start-pairing':
      // Not awaited: a slow relay must not hold up the page's next commands. Failures are shown
      // through pairingError().
      startPairing().catch(() => undefined);
      return;
    case 'confirm-pairing':
      await confirmPhone(command.phoneId);
      await phones.sync();
      await updateProxy();
      return;
    case 'reject-pairing':
    case 'unpair':
      await forget(command.phoneId);
      return;
    case 'rename-phone':
      await updatePhone(command.phoneId, { name: command.name.trim() || 'Phone' });
      return;
    case 'set-relay':
      cancelPairing();
      await setRelayUrl(command.relayUrl);
      await phones.sync();
      return;
    case 'set-phone-url':
      cancelPairing();
      await setPhoneUrl(command.phoneUrl);
      return;
    case 'set-default-rule':
      await setDefaultRule(command.rule);
      return;
    case 'set-site-rule': {
      const site = safeOrigin(command.site.includes('://') ? command.site : `https://${command.site}`);
      if (!site) throw new UserFacingError(t('errSite'));
      await setSiteRule(site, command.rule);
      return;
    }
    case 'set-proxy':
      await setProxyEnabled(command.enabled);
      await updateProxy();
      return;
    case 'choose':
      await choose(command.requestId, command.choice, command.remember === true);
      return;
  }
}

function serveUi(port: Runtime.Port): void {
  if (!port.sender || !isOwnPage(port.sender)) return port.disconnect();
  uiPorts.add(port);
  // While a page is open, phone links stay up so it can show each phone's status.
  const release = phones.acquire();
  port.onDisconnect.addListener(() => {
    uiPorts.delete(port);
    release();
  });
  // A page's commands run one after another, in the order it sent them.
  let queue: Promise<void> = Promise.resolve();
  port.onMessage.addListener((raw: unknown) => {
    if (!Value.Check(UiCommandSchema, raw)) return;
    queue = queue
      .then(() => runCommand(raw))
      .then(refresh, (error: unknown) => {
        // Only messages written for people are shown; anything else is a bug, logged here.
        if (!(error instanceof UserFacingError)) console.error('Pairkey:', error);
        const event: UiEvent = { type: 'error', message: error instanceof UserFacingError ? error.message : t('errUnexpected') };
        port.postMessage(event);
        refresh();
      });
  });
  void uiState().then((state) => port.postMessage({ type: 'state', state } satisfies UiEvent));
}

// ---- wiring -----------------------------------------------------------------------------------------

browser.runtime.onConnect.addListener((port) => {
  if (port.name === CEREMONY_PORT) serveCeremony(port);
  else if (port.name === UI_PORT) serveUi(port);
  else port.disconnect();
});

browser.runtime.onMessage.addListener((raw: unknown, sender: Runtime.MessageSender) => {
  if (Value.Check(ContentMessageSchema, raw) && isOwnContentScript(sender)) {
    return getConfirmedPhones().then((list): PairkeyCapabilities => ({
      active: list.length > 0,
      extensions: list.length === 0 ? [] : [...BASE_EXTENSIONS, ...(list.some((p) => p.extensions?.includes('prf')) ? ['prf'] : [])],
    }));
  }
  if (__PAIRKEY_TEST_HOOKS__ && isOwnContentScript(sender)) {
    return handleTestHook(raw, {
      dropCeremonies: () => {
        for (const [port, end] of ceremonyPorts) {
          port.disconnect();
          end();
        }
      },
    });
  }
  return undefined;
});

// The toolbar button counts requests waiting for the person (conditional sign-ins included).
let badge = '';
function updateBadge(): void {
  const count = requestViews().length;
  const text = count > 0 ? String(count) : '';
  if (text === badge) return;
  badge = text;
  void browser.action.setBadgeText({ text }).catch(() => undefined);
}

phones.onUnpairedByPhone = (phoneId) => void forget(phoneId, false).then(refresh);
phones.subscribe(refresh);
onPairingChange(refresh);
onRequestsChange(refresh);
onRequestsChange(updateBadge);
onProxyChange(refresh);

void migrateStorage()
  .then(() => phones.sync())
  .then(() => updateProxy());
