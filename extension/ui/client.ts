// An extension page's link to the background: one runtime port, state pushed on every change,
// commands sent back. Pages never hold keys or pairing secrets beyond the link they display.
import browser from 'webextension-polyfill';
import { UI_PORT } from '../port-names.ts';
import type { UiCommand, UiEvent, UiState } from '../runtime-messages.ts';

export type Send = (command: UiCommand) => void;

/** What the background says to one page besides the state: an error for the person, or "saved". */
export type PageEvent = Exclude<UiEvent, { type: 'state' }>;

/** While the page is open it keeps the background awake (MV3 suspends an idle worker after 30 s). */
const KEEPALIVE_MS = 20_000;

export function connectUi(onState: (state: UiState) => void, onEvent: (event: PageEvent) => void): Send {
  let port = open();
  function open() {
    const p = browser.runtime.connect({ name: UI_PORT });
    p.onMessage.addListener((raw: unknown) => {
      const event = raw as UiEvent;
      if (event.type === 'state') onState(event.state);
      else onEvent(event);
    });
    // The background was suspended or restarted under us: reconnect and get a fresh state.
    p.onDisconnect.addListener(() => {
      port = open();
    });
    return p;
  }
  setInterval(() => port.postMessage({ type: 'keepalive' } satisfies UiCommand), KEEPALIVE_MS);
  return (command) => port.postMessage(command);
}

/** Show a sentence in an alert element, its code (for QA) in data-error-code; null hides it. */
export function showAlert(element: HTMLElement, event: { message: string; code: string } | null): void {
  element.hidden = !event;
  element.textContent = event?.message ?? '';
  if (event) element.dataset.errorCode = event.code;
  else delete element.dataset.errorCode;
}
