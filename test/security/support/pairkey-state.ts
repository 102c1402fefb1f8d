// Pairkey's stored state as the background keeps it (the extension origin's IndexedDB,
// extension/background/state-db.ts), read from its service worker, a trusted extension context.
import type { Worker } from '@playwright/test';
import { STATE_DB_NAME, STATE_STORE } from '../../../extension/background/state-db.ts';

export type PairkeyState = { phones?: { id: string; extensions?: string[]; confirmed?: boolean; name?: string }[] } & Record<string, unknown>;

export function readPairkeyState(worker: Worker): Promise<PairkeyState> {
  return worker.evaluate(
    ([name, storeName]) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const opening = indexedDB.open(name);
        // Not created yet: leave it to the extension to create (with its object store), read nothing.
        opening.onupgradeneeded = () => opening.transaction?.abort();
        opening.onerror = () => (opening.error?.name === 'AbortError' ? resolve({}) : reject(opening.error));
        opening.onsuccess = () => {
          const db = opening.result;
          const out: Record<string, unknown> = {};
          const cursor = db.transaction(storeName, 'readonly').objectStore(storeName).openCursor();
          cursor.onerror = () => reject(cursor.error);
          cursor.onsuccess = () => {
            const at = cursor.result;
            if (!at) {
              db.close();
              resolve(out);
              return;
            }
            out[String(at.key)] = at.value;
            at.continue();
          };
        };
      }),
    [STATE_DB_NAME, STATE_STORE] as const,
  ) as Promise<PairkeyState>;
}
