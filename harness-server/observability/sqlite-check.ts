// Readiness of a SQLite database: open, and answering a query (a closed handle, or a file that
// vanished or became unreadable under the server, fails here before it fails a sign-in).
import type Database from 'better-sqlite3';
import { notReady, READY, type ReadinessCheck } from './readiness.ts';

export function sqliteReadiness(db: Database.Database): ReadinessCheck {
  const probe = db.prepare('SELECT 1 AS one');
  return () => {
    if (!db.open) return notReady('The database is closed.');
    try {
      probe.get();
      return READY;
    } catch (error) {
      return notReady(`The database does not answer: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
}
