// The requests this phone is done with (answered, denied, cancelled, expired), by request id, in
// a small IndexedDB database of their own: the service worker reads it to show nothing for a
// wake-up that arrives after its request was handled. Ids only, nothing about the site.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

interface SettledSchema extends DBSchema {
  settled: { key: string; value: { id: string; at: number }; indexes: { at: string } };
}

const DATABASE_NAME = 'pairkey-phone-settled';
/** A request lives at most 10 minutes (WebAuthn's ceiling); keep a day of ids, a bounded few. */
const KEEP_MS = 24 * 60 * 60 * 1000;
const KEEP_COUNT = 200;

function open(): Promise<IDBPDatabase<SettledSchema>> {
  return openDB<SettledSchema>(DATABASE_NAME, 1, {
    upgrade(db) {
      db.createObjectStore('settled', { keyPath: 'id' }).createIndex('at', 'at');
    },
  });
}

export async function recordSettled(id: string, now = Date.now()): Promise<void> {
  const db = await open();
  try {
    const tx = db.transaction('settled', 'readwrite');
    await tx.store.put({ id, at: now });
    // Oldest first: drop what is older than a day, then whatever exceeds the count.
    let excess = (await tx.store.count()) - KEEP_COUNT;
    for (let cursor = await tx.store.index('at').openCursor(); cursor; cursor = await cursor.continue()) {
      if (cursor.value.at >= now - KEEP_MS && excess <= 0) break;
      await cursor.delete();
      excess--;
    }
    await tx.done;
  } finally {
    db.close();
  }
}

export async function isSettled(id: string): Promise<boolean> {
  const db = await open();
  try {
    return (await db.get('settled', id)) !== undefined;
  } finally {
    db.close();
  }
}
