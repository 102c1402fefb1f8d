// Isolated-world bridge: the only way from the page to the background. It accepts one
// MessageChannel per request from the MAIN-world script, validates every message on it, and
// forwards allowlisted shapes on a runtime port of its own. The page's claims about who it is are
// never forwarded: the background reads the origin from the port's sender, and what the bridge adds
// about the frame (ancestors, permissions policy) it reads itself, out of the page's reach.
import type { Runtime } from 'webextension-polyfill';
import type { CeremonyResult } from '../../shared/webauthn/ceremony-contract.ts';
import { PAGE_CHANNEL, type PortReply, type ReadyMessage } from '../page-bridge-wire.ts';
import { CEREMONY_PORT } from '../port-names.ts';
import type { CeremonyMessage, CeremonyReply, ContentMessage } from '../runtime-messages.ts';
import { serveConnect } from './connect.ts';
import { MAX_PAGE_MESSAGE_CHARS, isConnectMessage, isOpenMessage, isPortRequest } from './guards.ts';
import { frameInfo, listenForFramePolicyQueries } from './frame-policy.ts';
import { runtime } from './runtime.ts';
import { installTestHooks } from './test-hooks.ts';

/** Keeps the background awake while a ceremony waits (MV3 suspends an idle worker after 30 s). */
const KEEPALIVE_MS = 20_000;

/** A copy in this world: page objects never reach extension APIs, and oversize input is refused. */
function copyFromPage(data: unknown): unknown {
  try {
    const text = JSON.stringify(data);
    return text === undefined || text.length > MAX_PAGE_MESSAGE_CHARS ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

function contextGone(): boolean {
  try {
    return !runtime.id;
  } catch {
    return true;
  }
}

function serve(page: MessagePort): void {
  let background: Runtime.Port | null = null;
  let keepalive: ReturnType<typeof setInterval> | undefined;
  let answered = false;
  let passedThrough = false;
  const reply = (message: PortReply) => page.postMessage(message);
  const result = (r: CeremonyResult) => {
    if (answered) return;
    answered = true;
    reply({ type: 'result', result: r });
  };
  const toBackground = (message: CeremonyMessage) => {
    try {
      background?.postMessage(message);
    } catch {
      // the port is gone; onDisconnect already answered the page
    }
  };
  const close = () => {
    clearInterval(keepalive);
    background?.disconnect();
    background = null;
    page.close();
  };

  page.onmessage = (event: MessageEvent) => {
    const message = copyFromPage(event.data);
    if (!isPortRequest(message)) return;
    switch (message.type) {
      case 'capabilities': {
        const ask: ContentMessage = { type: 'page/capabilities' };
        runtime.sendMessage(ask).then(
          (capabilities) => reply({ type: 'capabilities', capabilities } as PortReply),
          () => reply({ type: 'capabilities', capabilities: { active: false, extensions: [] } }),
        );
        return;
      }
      case 'cancel':
        toBackground({ type: 'cancel' });
        close();
        return;
      case 'native-done':
        // After a passthrough the ceremony is over; alongside a conditional request it is not.
        toBackground({ type: 'native-done' });
        if (passedThrough) close();
        return;
      default: {
        if (background || answered) return; // one ceremony per port
        const start: CeremonyMessage = {
          type: 'start',
          kind: message.type,
          options: message.options,
          ...(message.mediation === undefined ? {} : { mediation: message.mediation }),
          frame: frameInfo(message.type),
        };
        try {
          background = runtime.connect({ name: CEREMONY_PORT });
        } catch {
          // The extension was updated or removed under this page: the browser handles the call.
          result({ status: 'passthrough' });
          return;
        }
        background.onMessage.addListener((raw: unknown) => {
          const m = raw as CeremonyReply;
          if (m.type === 'start-native') reply({ type: 'start-native' });
          else if (m.type === 'result') {
            result(m.result);
            if (m.result.status === 'passthrough') passedThrough = true;
            else close();
          }
        });
        background.onDisconnect.addListener(() => {
          clearInterval(keepalive);
          background = null;
          // The background went away mid-ceremony (worker killed, extension reloaded): whatever the
          // phone was doing is lost. Tell the page now rather than let it wait for its timeout.
          result(contextGone() ? { status: 'passthrough' } : { status: 'error', name: 'NotAllowedError', message: 'Pairkey stopped while waiting' });
        });
        background.postMessage(start);
        keepalive = setInterval(() => toBackground({ type: 'keepalive' }), KEEPALIVE_MS);
      }
    }
  };
  reply({ type: 'ack' });
}

window.addEventListener('message', (event: MessageEvent) => {
  if (event.source !== window || event.ports.length !== 1) return;
  const message = copyFromPage(event.data);
  if (isOpenMessage(message)) serve(event.ports[0]!);
  else if (isConnectMessage(message)) serveConnect(event.ports[0]!);
});

listenForFramePolicyQueries();
if (__PAIRKEY_TEST_HOOKS__) installTestHooks();

// The MAIN-world script may have posted before this script was listening: tell it to post again.
const ready: ReadyMessage = { channel: PAGE_CHANNEL, kind: 'ready' };
window.postMessage(ready, location.origin === 'null' ? '*' : location.origin);
