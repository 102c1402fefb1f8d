// Where the background keeps its state: the extension origin's IndexedDB. Content scripts cannot
// reach it (theirs is the page origin's IndexedDB), unlike storage.local, which Firefox shares with
// content scripts and Chrome does too unless restricted. Works in Chrome's service worker and in
// Firefox's event page alike, so both browsers have one backend. A key-value store: one record per
// state key, written in one transaction per change.

export const STATE_DB_NAME = 'pairkey';
export const STATE_STORE = 'state';
const VERSION = 1;

let opening: Promise<IDBDatabase> | null = null;

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

function open(): Promise<IDBDatabase> {
  if (opening) return opening;
  const r = indexedDB.open(STATE_DB_NAME, VERSION);
  r.onupgradeneeded = () => {
    if (!r.result.objectStoreNames.contains(STATE_STORE)) r.result.createObjectStore(STATE_STORE);
  };
  const attempt = request(r).then((db) => {
    // Closed under us (storage cleared, browser shutting down): open again next time.
    db.onclose = () => {
      if (opening === attempt) opening = null;
    };
    db.onversionchange = () => {
      db.close();
      if (opening === attempt) opening = null;
    };
    return db;
  });
  opening = attempt;
  attempt.catch(() => {
    if (opening === attempt) opening = null;
  });
  return attempt;
}

/** The stored values of `keys` (absent keys are left out). */
export async function readState(keys: readonly string[]): Promise<Record<string, unknown>> {
  const db = await open();
  const store = db.transaction(STATE_STORE, 'readonly').objectStore(STATE_STORE);
  const values = await Promise.all(keys.map((key) => request(store.get(key))));
  const out: Record<string, unknown> = {};
  keys.forEach((key, i) => {
    if (values[i] !== undefined) out[key] = values[i];
  });
  return out;
}

/** Sets `items` (an `undefined` value deletes its key) in one transaction; resolves once it is committed. */
export async function writeState(items: Record<string, unknown>): Promise<void> {
  const db = await open();
  const tx = db.transaction(STATE_STORE, 'readwrite');
  const store = tx.objectStore(STATE_STORE);
  for (const [key, value] of Object.entries(items)) {
    if (value === undefined) store.delete(key);
    else store.put(value, key);
  }
  await new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB write failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB write aborted'));
  });
}
