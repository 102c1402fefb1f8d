// The one place that knows how each browser reports a content script's origin.
// Chrome sets `sender.origin`; Firefox gives only `sender.url`. An opaque origin ('null',
// about:blank, data:) is refused: it cannot be the origin of a WebAuthn ceremony.
import type { Runtime } from 'webextension-polyfill';

export function senderOrigin(sender: Runtime.MessageSender & { origin?: string }): string | null {
  const raw = typeof sender.origin === 'string' ? sender.origin : sender.url ? safeOrigin(sender.url) : null;
  if (!raw || raw === 'null') return null;
  return raw;
}

function safeOrigin(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}
