// "Connect Pairkey to this server", the page's half: a page may only *ask*. The bridge accepts the
// ask from the top frame right after a click, reads the server's declaration itself from the page's
// own origin (the page's message carries no URL), and hands it to the background, which shows the
// origin and both URLs in an extension window where the person confirms or not. The page learns
// whether the window opened, never what the person chose.
import type { ConnectStatus } from '../../shared/connect-declaration.ts';
import { CONNECT_DECLARATION_PATH, MAX_CONNECT_DECLARATION_CHARS } from '../../shared/connect-paths.ts';
import type { ConnectReply } from '../page-bridge-wire.ts';
import type { ContentMessage } from '../runtime-messages.ts';
import { isConnectDeclaration } from './guards.ts';
import { runtime } from './runtime.ts';

async function readDeclaration(): Promise<unknown> {
  // Same origin as the page; no cookies, no redirect elsewhere, never a cached copy.
  const response = await fetch(new URL(CONNECT_DECLARATION_PATH, location.origin), { credentials: 'omit', redirect: 'error', cache: 'no-store' });
  const text = await response.text();
  if (!response.ok || text.length > MAX_CONNECT_DECLARATION_CHARS) return undefined;
  return JSON.parse(text);
}

async function ask(): Promise<ConnectStatus> {
  if (window !== window.top) return 'refused';
  // A click (transient activation), read here where the page cannot fake it: a page cannot open
  // the confirmation window over and over by itself.
  if (!navigator.userActivation?.isActive) return 'needs-click';
  const declaration = await readDeclaration().catch(() => undefined);
  if (!isConnectDeclaration(declaration)) return 'no-declaration';
  const message: ContentMessage = { type: 'page/connect', relayUrl: declaration.relayUrl, phoneUrl: declaration.phoneUrl };
  const answer: unknown = await runtime.sendMessage(message).catch(() => false);
  return answer === true ? 'asked' : 'refused';
}

export function serveConnect(port: MessagePort): void {
  void ask().then((status) => {
    port.postMessage({ type: 'connect', status } satisfies ConnectReply);
    port.close();
  });
}
