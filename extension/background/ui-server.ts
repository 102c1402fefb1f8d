// The UI port server: one runtime port per open extension page (popup, options, prompt). It checks
// the page is this extension's own, runs its commands in order, and sends every page the whole
// UI state after each change.
import { Value } from '@sinclair/typebox/value';
import type { Runtime } from 'webextension-polyfill';
import { UiCommandSchema, type UiEvent } from '../runtime-messages.ts';
import { t } from '../translate.ts';
import { UserFacingError } from '../user-facing-error.ts';
import { phones } from './phones.ts';
import { isOwnPage } from './senders.ts';
import { runUiCommand } from './ui-commands.ts';
import { uiState } from './ui-state.ts';

const uiPorts = new Set<Runtime.Port>();

async function broadcast(): Promise<void> {
  if (uiPorts.size === 0) return;
  const event: UiEvent = { type: 'state', state: await uiState() };
  for (const port of uiPorts) port.postMessage(event);
}

/** Send the current state to every open page (after anything they show has changed). */
export const refreshPages = (): void => void broadcast();

export function serveUi(port: Runtime.Port): void {
  if (!port.sender || !isOwnPage(port.sender)) return port.disconnect();
  uiPorts.add(port);
  // While a page is open, phone links stay up so it can show each phone's status.
  const release = phones.acquire();
  port.onDisconnect.addListener(() => {
    uiPorts.delete(port);
    release();
  });
  // A page's commands run one after another, in the order it sent them.
  let queue: Promise<void> = Promise.resolve();
  port.onMessage.addListener((raw: unknown) => {
    if (!Value.Check(UiCommandSchema, raw)) return;
    queue = queue
      .then(() => runUiCommand(raw))
      .then((answer) => {
        if (answer) port.postMessage(answer);
        refreshPages();
      }, (error: unknown) => {
        // Only messages written for people are shown; anything else is a bug, logged here.
        if (!(error instanceof UserFacingError)) console.error('Pairkey:', error);
        const event: UiEvent =
          error instanceof UserFacingError
            ? { type: 'error', message: error.message, code: error.code, ...(error.field ? { field: error.field } : {}) }
            : { type: 'error', message: t('errUnexpected'), code: 'unexpected' };
        port.postMessage(event);
        refreshPages();
      });
  });
  void uiState().then((state) => port.postMessage({ type: 'state', state } satisfies UiEvent));
}
