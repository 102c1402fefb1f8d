// Isolated-world bridge: the only way from the page to the background. It forwards allowlisted
// request shapes and nothing else; the page's claims about who it is are never forwarded, because
// the background reads the origin from the message sender.
import browser from 'webextension-polyfill';
import { PAGE_CHANNEL, PAGE_REQUEST_KINDS, type PageReply, type PageRequest, type PageResult } from '../page/messages.ts';
import type { BridgeMessage } from '../runtime-messages.ts';

function isPageRequest(data: unknown): data is PageRequest {
  if (!data || typeof data !== 'object') return false;
  const d = data as Record<string, unknown>;
  return (
    d.channel === PAGE_CHANNEL &&
    d.dir === 'to-bridge' &&
    typeof d.id === 'string' &&
    d.id.length > 0 &&
    d.id.length <= 64 &&
    (PAGE_REQUEST_KINDS as readonly unknown[]).includes(d.kind) &&
    (d.mediation === undefined || typeof d.mediation === 'string')
  );
}

function reply(id: string, result: PageResult): void {
  const message: PageReply = { channel: PAGE_CHANNEL, dir: 'to-page', id, result };
  window.postMessage(message, location.origin === 'null' ? '*' : location.origin);
}

function toBackground(request: PageRequest): BridgeMessage {
  if (request.kind === 'cancel') return { type: 'webauthn/cancel', requestId: request.id };
  return {
    type: request.kind === 'create' ? 'webauthn/create' : 'webauthn/get',
    requestId: request.id,
    options: request.options,
    ...(request.mediation === undefined ? {} : { mediation: request.mediation }),
  };
}

window.addEventListener('message', (event: MessageEvent) => {
  if (event.source !== window || !isPageRequest(event.data)) return;
  const request = event.data;
  const sent = browser.runtime.sendMessage(toBackground(request)) as Promise<PageResult | undefined>;
  if (request.kind === 'cancel') return;
  sent.then(
    (result) => reply(request.id, result ?? { status: 'error', name: 'UnknownError', message: 'Pairkey did not answer' }),
    (error: unknown) =>
      // The background is unreachable (extension reloading): never break the site.
      reply(request.id, error instanceof Error && /context invalidated/i.test(error.message)
        ? { status: 'passthrough' }
        : { status: 'error', name: 'UnknownError', message: 'Pairkey is unavailable' }),
  );
});
