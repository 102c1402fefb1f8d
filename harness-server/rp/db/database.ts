// Opens the RP's SQLite database and brings its schema up to date with the numbered
// migrations in ./migrations (NNN_name.sql, applied in order, each in its own transaction).
import Database from 'better-sqlite3';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Db = Database.Database;

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
const MIGRATION_FILE = /^(\d{3})_[a-z0-9_]+\.sql$/;

/** `dataDir` is a directory (created if needed) holding pairkey.db, or `:memory:`. */
export function openDatabase(dataDir: string): Db {
  let db: Db;
  if (dataDir === ':memory:') {
    db = new Database(':memory:');
  } else {
    mkdirSync(dataDir, { recursive: true });
    db = new Database(join(dataDir, 'pairkey.db'));
    // WAL lets readers proceed during a write; it has no meaning for an in-memory database.
    db.pragma('journal_mode = WAL');
    // With WAL, NORMAL syncs the log at checkpoints instead of at every commit: a commit costs
    // a write instead of an fsync (2-4 ms here, on the server's one thread). A power cut may
    // lose the last commits but never corrupts the database; a crashed or killed process loses
    // nothing, since committed pages are in the OS's cache (docs/performance.md).
    db.pragma('synchronous = NORMAL');
  }
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  try {
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .map((name) => {
      const match = MIGRATION_FILE.exec(name);
      if (!match) throw new Error(`Migration file name must look like 001_name.sql: ${name}`);
      return { version: Number(match[1]), name, sql: readFileSync(join(dir, name), 'utf8') };
    })
    .sort((a, b) => a.version - b.version);
  // A gap or duplicate means a lost or mis-numbered file: refuse rather than guess.
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`Migrations must be numbered 001, 002, … without gaps; found ${migration.name}`);
    }
  });
  return migrations;
}

/** Applies the migrations newer than the database's user_version. */
export function migrate(db: Db, migrations = loadMigrations()): void {
  const current = Number(db.pragma('user_version', { simple: true }));
  if (current > migrations.length) {
    throw new Error(`Database schema version ${current} is newer than this server (${migrations.length})`);
  }
  for (const migration of migrations.slice(current)) {
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
}
