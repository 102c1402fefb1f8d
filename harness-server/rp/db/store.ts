// The RP's data access in one object: the database plus a repository per table.
import { Challenges } from './challenges.ts';
import { Credentials } from './credentials.ts';
import { openDatabase, type Db } from './database.ts';
import { Sessions } from './sessions.ts';
import { Users } from './users.ts';

export interface Store {
  db: Db;
  users: Users;
  credentials: Credentials;
  challenges: Challenges;
  sessions: Sessions;
  /** Runs fn in one SQLite transaction (rolled back if it throws). */
  transaction<T>(fn: () => T): T;
  close(): void;
}

export function openStore(dataDir: string): Store {
  const db = openDatabase(dataDir);
  return {
    db,
    users: new Users(db),
    credentials: new Credentials(db),
    challenges: new Challenges(db),
    sessions: new Sessions(db),
    transaction: <T>(fn: () => T): T => db.transaction(fn)(),
    close: () => db.close(),
  };
}

/** better-sqlite3 reports constraint failures with a `code` such as SQLITE_CONSTRAINT_UNIQUE. */
export function isConstraintError(error: unknown): boolean {
  return error instanceof Error && 'code' in error && String(error.code).startsWith('SQLITE_CONSTRAINT');
}
