import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMigrations, migrate, openDatabase } from './database.ts';
import { openStore } from './store.ts';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'pairkey-db-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('openDatabase', () => {
  it('creates DATA_DIR/pairkey.db in WAL mode with foreign keys and the schema', () => {
    const dir = join(tempDir(), 'nested');
    const db = openDatabase(dir);
    expect(db.name).toBe(join(dir, 'pairkey.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('user_version', { simple: true })).toBe(loadMigrations().length);
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(['challenges', 'credentials', 'sessions', 'users']);
    db.close();
    // Reopening applies nothing twice.
    openDatabase(dir).close();
  });

  it('supports :memory:', () => {
    const db = openDatabase(':memory:');
    expect(db.memory).toBe(true);
    db.close();
  });

  it('refuses migrations with a gap or a bad name', () => {
    const gap = tempDir();
    writeFileSync(join(gap, '001_a.sql'), 'CREATE TABLE a (x);');
    writeFileSync(join(gap, '003_c.sql'), 'CREATE TABLE c (x);');
    expect(() => loadMigrations(gap)).toThrow(/without gaps/);
    const badName = tempDir();
    writeFileSync(join(badName, 'init.sql'), '');
    expect(() => loadMigrations(badName)).toThrow(/001_name.sql/);
  });

  it('applies only newer migrations, each atomically', () => {
    const dir = tempDir();
    writeFileSync(join(dir, '001_a.sql'), 'CREATE TABLE a (x);');
    const db = openDatabase(':memory:');
    db.pragma('user_version = 0');
    db.exec('DROP TABLE sessions; DROP TABLE challenges; DROP TABLE credentials; DROP TABLE users;');
    migrate(db, loadMigrations(dir));
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    writeFileSync(join(dir, '002_b.sql'), 'CREATE TABLE b (x); CREATE TABLE a (x);'); // fails halfway
    expect(() => migrate(db, loadMigrations(dir))).toThrow();
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'b'").pluck().get()).toBe(0);
    db.close();
  });
});

describe('store', () => {
  it('keeps credential ids unique across users and cascades deletes', () => {
    const store = openStore(':memory:');
    const alice = store.users.create('alice', new Uint8Array(32).fill(1), 1);
    const bob = store.users.create('bob', new Uint8Array(32).fill(2), 1);
    const credential = {
      id: 'Y3JlZA',
      userId: alice,
      publicKey: new Uint8Array([1, 2, 3]),
      signCount: 0,
      transports: ['hybrid'],
      backupEligible: false,
      backupState: false,
      name: 'Passkey 1',
      createdAt: 1,
    };
    store.credentials.create(credential);
    expect(() => store.credentials.create({ ...credential, userId: bob })).toThrow(/UNIQUE|PRIMARY/);
    expect(() => store.users.create('alice', new Uint8Array(32).fill(3), 1)).toThrow(/UNIQUE/);
    store.db.prepare('DELETE FROM users WHERE id = ?').run(alice);
    expect(store.credentials.findById('Y3JlZA')).toBeUndefined();
    store.close();
  });

  it('consumes a challenge once, and never an expired one', () => {
    const store = openStore(':memory:');
    const pending = {
      challenge: 'abc',
      purpose: 'authentication' as const,
      userId: null,
      pendingUsername: null,
      pendingUserHandle: null,
      expiresAt: 1000,
    };
    const id = store.challenges.create(pending, 0);
    expect(store.challenges.consume(id, 'registration', 10)).toEqual({ ok: false, reason: 'unknown' });
    expect(store.challenges.consume(id, 'authentication', 10)).toMatchObject({ ok: true, challenge: { challenge: 'abc' } });
    expect(store.challenges.consume(id, 'authentication', 10)).toEqual({ ok: false, reason: 'unknown' });
    const late = store.challenges.create(pending, 0);
    expect(store.challenges.consume(late, 'authentication', 1000)).toEqual({ ok: false, reason: 'expired' });
    // Creating a challenge purges expired rows.
    store.challenges.create(pending, 0);
    store.challenges.create({ ...pending, expiresAt: 5000 }, 2000);
    expect(store.db.prepare('SELECT count(*) FROM challenges').pluck().get()).toBe(1);
    store.close();
  });
});
