// The caller of a ceremony as the WebAuthn client must see it: its origin (from the browser's
// report of the sender, never from the page), the top-level origin, and whether it is
// cross-origin with its ancestors.
import type { Runtime } from 'webextension-polyfill';
import type { FrameInfo } from '../runtime-messages.ts';
import { safeOrigin, senderOrigin } from './origins.ts';

export interface Caller {
  origin: string;
  /** Null only on Chrome's proxy path, where the browser reports no top-level origin. */
  topOrigin: string | null;
  /** Not same-origin with all its ancestors (clientDataJSON crossOrigin). */
  crossOrigin: boolean;
  /** -1 on the proxy path (no tab is named). */
  tabId: number;
  frameId: number;
}

export function callerOf(sender: Runtime.MessageSender, frame: FrameInfo): Caller | null {
  const origin = senderOrigin(sender);
  const tabId = sender.tab?.id;
  if (!origin || tabId === undefined || typeof sender.frameId !== 'number') return null;
  const top = sender.frameId === 0 || frame.top;
  if (top) return { origin, topOrigin: origin, crossOrigin: false, tabId, frameId: sender.frameId };
  // Ancestors as the frame sees them (read by the bridge, not the page); else the tab's URL.
  const ancestors = frame.ancestorOrigins;
  const topOrigin = ancestors?.length ? ancestors[ancestors.length - 1]! : sender.tab?.url ? safeOrigin(sender.tab.url) : null;
  if (!topOrigin) return null;
  const crossOrigin = ancestors ? ancestors.some((a) => a !== origin) : topOrigin !== origin;
  return { origin, topOrigin, crossOrigin, tabId, frameId: sender.frameId };
}
