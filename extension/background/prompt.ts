// The "phone or this browser?" window for sites under the 'ask' rule. A separate extension window
// rather than anything inside the page: the page can neither see nor click it. Closing it cancels.
import browser from 'webextension-polyfill';

/** Request id → its prompt window, and → what to do if the person closes that window. */
const open = new Map<string, number>();
const onClosed = new Map<string, () => void>();

browser.windows.onRemoved.addListener((windowId) => {
  for (const [requestId, id] of open) {
    if (id !== windowId) continue;
    open.delete(requestId);
    onClosed.get(requestId)?.();
    onClosed.delete(requestId);
  }
});

export const PROMPT_PAGE = 'extension/ui/prompt.html';

export async function openPrompt(requestId: string, closedByPerson: () => void): Promise<void> {
  onClosed.set(requestId, closedByPerson);
  const window = await browser.windows.create({
    url: browser.runtime.getURL(`${PROMPT_PAGE}?request=${encodeURIComponent(requestId)}`),
    type: 'popup',
    width: 440,
    height: 420,
    focused: true,
  });
  if (window.id === undefined) return;
  if (!onClosed.has(requestId)) {
    // Answered (or over) before the window finished opening.
    await browser.windows.remove(window.id).catch(() => undefined);
    return;
  }
  open.set(requestId, window.id);
}

export async function closePrompt(requestId: string): Promise<void> {
  onClosed.delete(requestId);
  const windowId = open.get(requestId);
  open.delete(requestId);
  if (windowId !== undefined) await browser.windows.remove(windowId).catch(() => undefined);
}
