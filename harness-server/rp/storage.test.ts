// Storage: a file database survives a restart with everything in it (TOTP secrets included,
// since the server key is kept beside it), and a server killed with SIGKILL in the middle of
// sign-ins loses no committed data and leaves nothing half-written.
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../testing/servers.ts';
import { softwareAuthenticator } from '../testing/webauthn-client.ts';
import { addKey, assertWith, enrolOtp, otpCode, PASSWORD, signInPassword, signUp, startRp, verifiedUser } from '../testing/rp-flows.ts';

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'pairkey-rp-storage-'));
  dirs.push(dir);
  return dir;
};

describe('restart', () => {
  it('keeps accounts, factors, backup codes and the audit log', async () => {
    const DATA_DIR = tempDir();
    const first = await startRp({ DATA_DIR });
    const browser = await verifiedUser(first, 'alice');
    const key = softwareAuthenticator();
    await addKey(browser, key, 'passkey', 'Phone');
    const { secret, params } = await enrolOtp(first, browser);
    const now = first.clock.now;
    await first.close();
    expect(statSync(join(DATA_DIR, 'server.key')).mode & 0o777).toBe(0o600);

    const second = await startRp({ DATA_DIR });
    second.clock.now = now + 30_000;
    try {
      const pending = second.browser();
      expect((await signInPassword(pending, 'alice')).body).toMatchObject({ methods: { securityKey: true, otp: 'totp', backupCode: true } });
      // The TOTP secret still decrypts: the server key was kept in DATA_DIR.
      expect((await pending.post('/api/signin/otp', { code: await otpCode(secret, params, second.clock.now) })).status).toBe(200);
      const passkey = second.browser();
      expect((await passkey.post('/api/passkey/verify', await assertWith(passkey, key, '/api/passkey/options'))).status).toBe(200);
      const audit = await passkey.get<{ entries: { event: string }[] }>('/api/audit');
      expect(audit.body.entries.map((e) => e.event)).toEqual(expect.arrayContaining(['account.created', 'factor.added', 'email.verified']));
    } finally {
      await second.close();
    }
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The real entry point in a child process, on a file database; resolves once it listens. */
async function spawnServer(dataDir: string): Promise<{ url: string; child: ChildProcess }> {
  const [port, phonePort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, ['--import', 'tsx', 'harness-server/main.ts'], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: { ...process.env, PORT: String(port), PHONE_PORT: String(phonePort), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('Load the extension')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${output}`)));
  });
  return { url: `http://127.0.0.1:${port}/`, child };
}

describe('SIGKILL in the middle of sign-ins', () => {
  it('loses no committed data and leaves nothing half-written', async () => {
    const dataDir = tempDir();
    const first = await spawnServer(dataDir);
    const committed: string[] = [];
    for (const name of ['alice', 'bob']) {
      expect((await signUp(new TestBrowser(first.url), name)).status).toBe(200);
      committed.push(name);
    }

    // Sign-ins and sign-ups in flight (scrypt runs for each); kill the server after a few answer.
    const answered: string[] = [];
    let enoughAnswered!: () => void;
    const threeAnswered = new Promise<void>((resolve) => (enoughAnswered = resolve));
    const record = (what: string) => (result: { status: number }) => {
      if (result.status === 200) answered.push(what);
      if (answered.length === 3) enoughAnswered();
    };
    const inFlight = [
      ...Array.from({ length: 12 }, () => signInPassword(new TestBrowser(first.url), 'alice').then(record('signin'))),
      ...Array.from({ length: 6 }, (_, i) => signUp(new TestBrowser(first.url), `late${i}`).then(record(`late${i}`))),
    ].map((p) => p.catch(() => undefined));
    await threeAnswered;
    const exited = new Promise((resolve) => first.child.once('exit', resolve));
    first.child.kill('SIGKILL');
    await exited;
    await Promise.all(inFlight);
    committed.push(...answered.filter((a) => a !== 'signin'));
    expect(answered.length).toBeLessThan(18); // some really were cut off

    const second = await spawnServer(dataDir);
    for (const name of committed) {
      const browser = new TestBrowser(second.url);
      expect((await signInPassword(browser, name, PASSWORD)).status, name).toBe(200);
    }
    second.child.kill('SIGKILL');

    const db = new Database(join(dataDir, 'pairkey.db'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);
      // Sign-up is one transaction: every account has its audit entry and its verification email.
      const orphans = db
        .prepare(
          `SELECT username FROM users u WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.user_id = u.id AND a.event = 'account.created')
             OR NOT EXISTS (SELECT 1 FROM outbox o WHERE o.user_id = u.id)`,
        )
        .all();
      expect(orphans).toEqual([]);
      // Completing a sign-in is one transaction: one session per recorded successful sign-in.
      const mismatched = db
        .prepare(
          `SELECT u.username,
                  (SELECT count(*) FROM sessions s WHERE s.user_id = u.id) AS sessions,
                  (SELECT count(*) FROM audit_log a WHERE a.user_id = u.id AND a.event = 'signin.succeeded') AS signins
           FROM users u WHERE sessions != signins`,
        )
        .all();
      expect(mismatched).toEqual([]);
    } finally {
      db.close();
    }
  }, 60_000);
});
