// The origin of a message's sender, as the browser (not the sender) reports it.
// Chrome sets `sender.origin`; Firefox gives only `sender.url`. An opaque origin ('null',
// about:blank without a creator, data:) is refused: it cannot be the origin of a ceremony.
import type { Runtime } from 'webextension-polyfill';

type Sender = Runtime.MessageSender & { origin?: string };

export function senderOrigin(sender: Sender): string | null {
  const raw = typeof sender.origin === 'string' ? sender.origin : sender.url ? safeOrigin(sender.url) : null;
  if (!raw || raw === 'null') return null;
  return raw;
}

export function safeOrigin(url: string): string | null {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}
