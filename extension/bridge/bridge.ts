// Isolated-world bridge: the only way from the page to the background. It accepts one
// MessageChannel per request from the MAIN-world script, validates every message on it, and
// forwards allowlisted shapes on the frame's runtime port, one for all of the frame's ceremonies. The page's claims about who it is are
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

// ---- the frame's port to the background --------------------------------------------------------
// Opened at the frame's first ceremony and kept while the frame lives: opening a runtime port is a
// round trip through the browser process, a message on an open one is not. Ceremonies on it carry
// ids; the background answers each by its id.

interface Waiting {
  reply(message: CeremonyReply): void;
  /** The port closed under the ceremony (worker stopped, extension reloaded or updated). */
  gone(): void;
}

let link: Runtime.Port | null = null;
const waiting = new Map<number, Waiting>();
let lastId = 0;
let keepalive: ReturnType<typeof setInterval> | undefined;

/** The open port, or a new one; throws when the extension context is gone. */
function openLink(): Runtime.Port {
  if (link) return link;
  const port = runtime.connect({ name: CEREMONY_PORT });
  port.onMessage.addListener((raw: unknown) => {
    const message = raw as CeremonyReply;
    waiting.get(message.id)?.reply(message);
  });
  port.onDisconnect.addListener(() => {
    if (link === port) link = null;
    const lost = [...waiting.values()];
    waiting.clear();
    keepAwake();
    for (const ceremony of lost) ceremony.gone();
  });
  link = port;
  return port;
}

function toBackground(message: CeremonyMessage): void {
  try {
    link?.postMessage(message);
  } catch {
    // the port is gone; its onDisconnect answers the pages
  }
}

/** Keeps the background awake while any ceremony of this frame waits. */
function keepAwake(): void {
  if (waiting.size > 0 && keepalive === undefined) keepalive = setInterval(() => toBackground({ type: 'keepalive' }), KEEPALIVE_MS);
  else if (waiting.size === 0 && keepalive !== undefined) {
    clearInterval(keepalive);
    keepalive = undefined;
  }
}

// ---- one page request ---------------------------------------------------------------------------

function serve(page: MessagePort): void {
  /** This request's ceremony id on the link, once started. */
  let id = 0;
  let answered = false;
  let passedThrough = false;
  const reply = (message: PortReply) => page.postMessage(message);
  const result = (r: CeremonyResult) => {
    if (answered) return;
    answered = true;
    reply({ type: 'result', result: r });
  };
  const close = () => {
    if (waiting.delete(id)) keepAwake();
    page.close();
  };
  // The background went away mid-ceremony: whatever the phone was doing is lost. Tell the page
  // now rather than let it wait for its timeout.
  const gone = () => result(contextGone() ? { status: 'passthrough' } : { status: 'error', name: 'NotAllowedError', message: 'Pairkey stopped while waiting' });

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
        if (id) toBackground({ type: 'cancel', id });
        close();
        return;
      case 'native-done':
        // After a passthrough the ceremony is over; alongside a conditional request it is not.
        if (id) toBackground({ type: 'native-done', id });
        if (passedThrough) close();
        return;
      default: {
        if (id || answered) return; // one ceremony per page port
        let port: Runtime.Port;
        try {
          port = openLink();
        } catch {
          // The extension was updated or removed under this page: the browser handles the call.
          result({ status: 'passthrough' });
          return;
        }
        id = ++lastId;
        const start: CeremonyMessage = {
          type: 'start',
          id,
          kind: message.type,
          options: message.options,
          ...(message.mediation === undefined ? {} : { mediation: message.mediation }),
          frame: frameInfo(message.type),
        };
        waiting.set(id, {
          reply: (m) => {
            if (m.type === 'start-native') reply({ type: 'start-native' });
            else if (m.type === 'result') {
              result(m.result);
              if (m.result.status === 'passthrough') passedThrough = true;
              else close();
            }
          },
          gone,
        });
        keepAwake();
        try {
          port.postMessage(start);
        } catch {
          if (waiting.delete(id)) keepAwake();
          gone();
        }
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
