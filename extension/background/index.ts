// Background entry: checks who sent each runtime message, validates it against its schema, and
// routes it. Content scripts may only ask for WebAuthn ceremonies; only extension pages (the
// popup) may change pairing or settings.
import browser, { type Runtime } from 'webextension-polyfill';
import { Value } from '@sinclair/typebox/value';
import { isWebAuthnErrorName, WebAuthnError } from '../../shared/errors.ts';
import type { PageResult } from '../page/messages.ts';
import { BridgeMessage, PopupMessage, type PopupState } from '../runtime-messages.ts';
import { cancelPairing, currentPairing, pairingError, StaleOfferError, startPairing } from './pairing.ts';
import { cancelOnPhone, closePhoneLink } from './phone-link.ts';
import { confirmPairing, forgetPairing, getConfirmedPairing, getPairing, getSettings, setPhoneUrl, setRelayUrl } from './storage.ts';
import { createCredential, getCredential, type CallerContext } from './webauthn-client.ts';
import { senderOrigin } from './sender.ts';

function callerOf(sender: Runtime.MessageSender): CallerContext | null {
  if (sender.id !== browser.runtime.id || !sender.tab) return null;
  const origin = senderOrigin(sender);
  if (!origin) return null;
  const isTopFrame = sender.frameId === 0;
  const topOrigin = isTopFrame ? origin : sender.tab.url ? new URL(sender.tab.url).origin : 'null';
  return { origin, topOrigin, isTopFrame };
}

function isExtensionPage(sender: Runtime.MessageSender): boolean {
  return sender.id === browser.runtime.id && typeof sender.url === 'string' && sender.url.startsWith(browser.runtime.getURL(''));
}

function toPageError(error: unknown): PageResult {
  if (error instanceof WebAuthnError) return { status: 'error', name: error.errorName, message: error.message };
  if (error instanceof Error && isWebAuthnErrorName(error.name)) return { status: 'error', name: error.name, message: error.message };
  // Anything unexpected is reported without internals; the spec's catch-all for a failed
  // ceremony the page cannot act on is NotAllowedError.
  console.error('Pairkey: ceremony failed', error);
  return { status: 'error', name: 'NotAllowedError', message: 'The operation failed' };
}

async function handleBridge(message: BridgeMessage, caller: CallerContext): Promise<PageResult | undefined> {
  if (message.type === 'webauthn/cancel') {
    cancelOnPhone(message.requestId);
    return undefined;
  }
  // No phone paired (or not yet confirmed): the browser handles the call itself; Pairkey must
  // never break a site.
  if (!(await getConfirmedPairing())) return { status: 'passthrough' };
  try {
    const credential = message.type === 'webauthn/create'
      ? await createCredential(caller, message.options)
      : await getCredential(caller, message.options);
    return { status: 'ok', credential };
  } catch (error) {
    return toPageError(error);
  }
}

export async function popupState(): Promise<PopupState> {
  const { relayUrl, phoneUrl } = await getSettings();
  const pairing = await getPairing();
  if (pairing) {
    return { kind: pairing.confirmed ? 'paired' : 'confirming', relayUrl, phoneUrl, phoneName: pairing.phoneName, confirmationCode: pairing.confirmationCode, pairedAt: pairing.pairedAt };
  }
  return { kind: 'unpaired', relayUrl, phoneUrl, pairing: currentPairing(), error: pairingError() };
}

async function handlePopup(message: PopupMessage): Promise<PopupState> {
  switch (message.type) {
    case 'popup/state':
    case 'popup/keepalive':
      break;
    case 'popup/start-pairing':
      if (!(await getPairing())) {
        try {
          await startPairing();
        } catch (error) {
          if (error instanceof StaleOfferError) break;
          return { ...(await popupState()), error: error instanceof Error ? error.message : String(error) } as PopupState;
        }
      }
      break;
    case 'popup/confirm-pairing':
      await confirmPairing();
      break;
    case 'popup/unpair':
      closePhoneLink();
      cancelPairing();
      await forgetPairing();
      break;
    case 'popup/set-relay':
      cancelPairing();
      await setRelayUrl(message.relayUrl);
      break;
    case 'popup/set-phone-url':
      cancelPairing();
      await setPhoneUrl(message.phoneUrl);
      break;
  }
  return popupState();
}

browser.runtime.onMessage.addListener((raw: unknown, sender: Runtime.MessageSender) => {
  if (Value.Check(BridgeMessage, raw)) {
    if (sender.id !== browser.runtime.id) return undefined;
    const caller = callerOf(sender);
    // An opaque or unknown origin is left to the browser, which refuses it as the spec says.
    if (!caller) return Promise.resolve<PageResult>({ status: 'passthrough' });
    return handleBridge(raw, caller);
  }
  if (Value.Check(PopupMessage, raw) && isExtensionPage(sender)) {
    return handlePopup(raw).catch((error: unknown) => Promise.reject(new Error(error instanceof Error ? error.message : String(error))));
  }
  return undefined;
});
