import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
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
    expect(tables).toEqual([
      'audit_log',
      'backup_codes',
      'challenges',
      'credentials',
      'email_tokens',
      'guess_counters',
      'known_networks',
      'memberships',
      'org_invitations',
      'organisations',
      'otp_factors',
      'outbox',
      'pending_signins',
      'recoveries',
      'sessions',
      'users',
    ]);
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
    const db = new Database(':memory:');
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
    const user = (username: string, fill: number) => ({ username, email: `${username}@example.com`, passwordHash: 'x', userHandle: new Uint8Array(32).fill(fill), createdAt: 1 });
    const alice = store.users.create(user('alice', 1));
    const bob = store.users.create(user('bob', 2));
    const credential = {
      id: 'Y3JlZA',
      kind: 'security-key' as const,
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
    expect(() => store.users.create(user('alice', 3))).toThrow(/UNIQUE/);
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
      data: {},
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

describe('afterCommit', () => {
  it('runs tasks once their transaction commits, and drops those of rolled-back (nested) ones', () => {
    const store = openStore(':memory:');
    const ran: string[] = [];
    store.afterCommit(() => ran.push('outside'));
    store.transaction(() => {
      store.afterCommit(() => ran.push('outer'));
      expect(() =>
        store.transaction(() => {
          store.afterCommit(() => ran.push('inner, rolled back'));
          throw new Error('inner');
        }),
      ).toThrow('inner');
      expect(ran).toEqual(['outside']);
    });
    expect(() =>
      store.transaction(() => {
        store.afterCommit(() => ran.push('rolled back'));
        throw new Error('outer');
      }),
    ).toThrow('outer');
    expect(ran).toEqual(['outside', 'outer']);
    store.close();
  });
});

describe('migration 002', () => {
  it('keeps the passkey-only accounts of a 001 database, with no email or password', () => {
    const dir = tempDir();
    const db = new Database(join(dir, 'pairkey.db'));
    const [first] = loadMigrations();
    migrate(db, [first!]);
    db.prepare('INSERT INTO users (username, user_handle, created_at) VALUES (?, ?, ?)').run('legacy', Buffer.alloc(32, 1), 5);
    db.prepare(
      `INSERT INTO credentials (id, user_id, public_key, transports, backup_eligible, backup_state, name, created_at)
       VALUES ('cred', 1, x'01', '[]', 0, 0, 'Passkey 1', 5)`,
    ).run();
    db.close();

    const store = openStore(dir);
    expect(store.users.findByUsername('legacy')).toMatchObject({ email: null, passwordHash: null, failedAttempts: 0, lockedUntil: null });
    expect(store.credentials.findById('cred')).toMatchObject({ kind: 'passkey', cloneWarningAt: null });
    store.close();
  });
});

describe('migration 004', () => {
  it('turns members added without their consent into invitations, and keeps the email links', () => {
    const dir = tempDir();
    const db = new Database(join(dir, 'pairkey.db'));
    const migrations = loadMigrations();
    migrate(db, migrations.slice(0, 3));
    const user = db.prepare('INSERT INTO users (username, user_handle, email, created_at) VALUES (?, ?, ?, 5) RETURNING id').pluck();
    const admin = user.get('alice', Buffer.alloc(32, 1), 'alice@example.com') as number;
    const member = user.get('bob', Buffer.alloc(32, 2), 'bob@example.com') as number;
    db.prepare("INSERT INTO organisations (id, name, created_at) VALUES (1, 'Acme', 5)").run();
    db.prepare("INSERT INTO memberships (org_id, user_id, role, joined_at) VALUES (1, ?, 'admin', 5), (1, ?, 'member', 6)").run(admin, member);
    db.prepare("INSERT INTO email_tokens (id, user_id, purpose, email, created_at, expires_at) VALUES (?, ?, 'recovery', 'bob@example.com', 5, 9)").run(Buffer.alloc(32, 3), member);
    db.close();

    const store = openStore(dir);
    const now = Date.now();
    expect(store.orgs.members(1).map((m) => m.username)).toEqual(['alice']);
    expect(store.orgs.invitationsFor(member, now)).toMatchObject([{ org: { name: 'Acme' }, invitedBy: 'alice' }]);
    expect(store.db.prepare('SELECT purpose FROM email_tokens').pluck().all()).toEqual(['recovery']);
    store.close();
  });
});
