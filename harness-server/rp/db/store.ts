// The RP's data access in one object: the database plus a repository per table.
import { AuditLog } from './audit-log.ts';
import { BackupCodes } from './backup-codes.ts';
import { Challenges } from './challenges.ts';
import { Credentials } from './credentials.ts';
import { openDatabase, type Db } from './database.ts';
import { EmailTokens } from './email-tokens.ts';
import { GuessCounters } from './guess-counters.ts';
import { Organisations } from './organisations.ts';
import { OtpFactors } from './otp-factors.ts';
import { Outbox } from './outbox.ts';
import { Recoveries } from './recoveries.ts';
import { TokenTable } from './sessions.ts';
import { Users } from './users.ts';

export interface Store {
  db: Db;
  users: Users;
  credentials: Credentials;
  challenges: Challenges;
  sessions: TokenTable;
  pendingSignins: TokenTable;
  emailTokens: EmailTokens;
  otp: OtpFactors;
  backupCodes: BackupCodes;
  recoveries: Recoveries;
  audit: AuditLog;
  outbox: Outbox;
  orgs: Organisations;
  guesses: GuessCounters;
  /** Runs fn in one SQLite transaction (rolled back if it throws); nests as savepoints. */
  transaction<T>(fn: () => T): T;
  /**
   * Runs fn once the current transaction commits (at once outside any); dropped if it rolls
   * back. For side effects outside the database, such as sending mail.
   */
  afterCommit(fn: () => void): void;
  close(): void;
}

export function openStore(dataDir: string): Store {
  const db = openDatabase(dataDir);
  let depth = 0;
  let committed: (() => void)[] = [];
  return {
    db,
    users: new Users(db),
    credentials: new Credentials(db),
    challenges: new Challenges(db),
    sessions: new TokenTable(db, 'sessions'),
    pendingSignins: new TokenTable(db, 'pending_signins'),
    emailTokens: new EmailTokens(db),
    otp: new OtpFactors(db),
    backupCodes: new BackupCodes(db),
    recoveries: new Recoveries(db),
    audit: new AuditLog(db),
    outbox: new Outbox(db),
    orgs: new Organisations(db),
    guesses: new GuessCounters(db),
    transaction<T>(fn: () => T): T {
      const queued = committed.length;
      depth++;
      try {
        const result = db.transaction(fn)();
        if (depth === 1) {
          const run = committed;
          committed = [];
          for (const task of run) task();
        }
        return result;
      } catch (error) {
        // Only what this (possibly nested) transaction queued was rolled back with it.
        committed.length = queued;
        throw error;
      } finally {
        depth--;
      }
    },
    afterCommit(fn) {
      if (depth === 0) fn();
      else committed.push(fn);
    },
    close: () => db.close(),
  };
}

/** better-sqlite3 reports constraint failures with a `code` such as SQLITE_CONSTRAINT_UNIQUE. */
export function isConstraintError(error: unknown): boolean {
  return error instanceof Error && 'code' in error && String(error.code).startsWith('SQLITE_CONSTRAINT');
}
