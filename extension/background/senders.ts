// Whether a runtime message or port comes from this extension's own content scripts or pages, as
// the browser (not the sender) reports it.
import browser, { type Runtime } from 'webextension-polyfill';

type Sender = Runtime.MessageSender & { origin?: string };

/** A content script of this extension, running in a web page's frame. */
export function isOwnContentScript(sender: Sender): boolean {
  return sender.id === browser.runtime.id && sender.tab?.id !== undefined && typeof sender.frameId === 'number';
}

/** One of this extension's own pages (popup, options, prompt). */
export function isOwnPage(sender: Sender): boolean {
  return sender.id === browser.runtime.id && typeof sender.url === 'string' && sender.url.startsWith(browser.runtime.getURL(''));
}
