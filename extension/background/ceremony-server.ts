// The ceremony port server: one runtime port per ceremony, opened by the bridge. It checks who
// connected, validates every message on the port, runs the ceremony and posts its result. When
// the page script must call the browser itself (passthrough, or conditional mediation alongside),
// it steps the Chrome proxy aside until that call has settled.
import { Value } from '@sinclair/typebox/value';
import type { Runtime } from 'webextension-polyfill';
import { CeremonyMessageSchema, type CeremonyReply, type CeremonyStart } from '../runtime-messages.ts';
import { callerOf } from './caller.ts';
import { checkFramePermission } from './frame-permission.ts';
import { runCeremony } from './requests.ts';
import { isOwnContentScript } from './senders.ts';
import { parsePageOptions } from './webauthn-client.ts';
import { browserCallStarting } from './webauthn-proxy.ts';

/** Open ceremony ports and how to end each one's ceremony. */
const ceremonyPorts = new Map<Runtime.Port, () => void>();

export function serveCeremony(port: Runtime.Port): void {
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

/** Hang up every ceremony port, as the browser does when it stops the background (test hook). */
export function dropCeremonies(): void {
  for (const [port, end] of ceremonyPorts) {
    port.disconnect();
    end();
  }
}
