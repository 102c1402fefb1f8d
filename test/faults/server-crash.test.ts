// The harness server is killed with SIGKILL while passkey sign-ins are in flight, three times,
// and started again on the same data directory. Every sign-in it acknowledged must still be
// there (a sign counter at least as high, its audit entry, its session unless a later sign-in
// rotated it); nothing may be half-written (SQLite integrity, foreign keys, no account without
// the audit entry written in the same transaction, no counter the authenticator never signed);
// and the server must serve again.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TestBrowser } from '../../harness-server/testing/servers.ts';
import { tokenHash } from '../../harness-server/rp/crypto/tokens.ts';
import { parseAuthenticatorData, type Authenticator } from '../../shared/authenticator/index.ts';
import { fromB64url } from '../../shared/bytes.ts';
import { PASSKEY_VERIFY, passkeyAccount, passkeyAssertion } from '../security/support/rp-flows.ts';
import { notifyChange, until } from '../security/support/until.ts';
import { ServerProcess } from './support/server-process.ts';

interface Account {
  username: string;
  browser: TestBrowser;
  authenticator: Authenticator;
  credentialId: string;
  /** Highest counter the authenticator ever signed with (acknowledged or not). */
  signed: number;
  /** Sign-ins the server answered 200 to, and the counter of the last one. */
  acknowledgedCount: number;
  acknowledged: number;
  /** The session cookie that sign-in returned. */
  session: string | null;
}

const ROUNDS = 3;
const SIGN_INS_PER_ROUND = 15;
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Signs in again and again until the server is killed. */
async function signInLoop(server: ServerProcess, account: Account, total: { count: number }): Promise<void> {
  for (;;) {
    let counter: number;
    let status: number;
    try {
      const assertion = await passkeyAssertion(account.browser, account.authenticator, server.url);
      counter = parseAuthenticatorData(fromB64url(assertion.response.authenticatorData)).signCount;
      account.signed = Math.max(account.signed, counter);
      status = (await account.browser.post(PASSKEY_VERIFY, assertion)).status;
    } catch (error) {
      // The server died under this request: nothing was acknowledged.
      if (!server.running) return;
      throw error;
    }
    if (status !== 200) throw new Error(`sign-in answered ${status}`);
    account.acknowledged = counter;
    account.acknowledgedCount += 1;
    account.session = account.browser.cookies.get('pk_session') ?? null;
    total.count += 1;
    notifyChange();
  }
}

function checkDatabase(dataDir: string, accounts: Account[]): void {
  const db = new Database(join(dataDir, 'pairkey.db'));
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);
    // Sign-up writes the account and its audit entry in one transaction: never one without the other.
    expect(db.prepare(`SELECT count(*) AS n FROM users WHERE id NOT IN (SELECT user_id FROM audit_log WHERE event = 'account.created')`).get()).toEqual({ n: 0 });
    const signIns = db.prepare(`SELECT count(*) AS n FROM audit_log a JOIN users u ON u.id = a.user_id WHERE u.username = ? AND a.event = 'signin.succeeded'`);
    const findSession = db.prepare('SELECT 1 FROM sessions WHERE id = ?');
    for (const account of accounts) {
      const { sign_count: stored } = db.prepare('SELECT sign_count FROM credentials WHERE id = ?').get(account.credentialId) as { sign_count: number };
      expect(stored, `${account.username}: acknowledged sign-ins are kept`).toBeGreaterThanOrEqual(account.acknowledged);
      expect(stored, `${account.username}: no counter the authenticator never signed`).toBeLessThanOrEqual(account.signed);
      const { n } = signIns.get(account.username) as { n: number };
      expect(n, `${account.username}: every acknowledged sign-in is in the audit log`).toBeGreaterThanOrEqual(account.acknowledgedCount);
      // Unless a sign-in the crash cut off had already committed (and rotated the session), the
      // session of the last acknowledged one is there.
      if (stored === account.acknowledged && account.session !== null) {
        expect(findSession.get(tokenHash(account.session)), `${account.username}: the acknowledged session survives`).toBeDefined();
      }
    }
  } finally {
    db.close();
  }
}

describe('the server is killed with SIGKILL during sign-ins', () => {
  it('keeps everything it acknowledged, half-writes nothing, and serves again after a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pairkey-crash-'));
    dirs.push(dataDir);
    const server = await ServerProcess.create(dataDir);
    await server.start();
    try {
      const accounts: Account[] = [];
      for (let i = 0; i < 4; i++) {
        const browser = new TestBrowser(server.url);
        const { username, authenticator, credentialId } = await passkeyAccount(browser, `crash-${i}`, server.url);
        accounts.push({ username, browser, authenticator, credentialId, signed: 0, acknowledgedCount: 0, acknowledged: 0, session: null });
      }

      const total = { count: 0 };
      for (let round = 1; round <= ROUNDS; round++) {
        const loops = Promise.all(accounts.map((account) => signInLoop(server, account, total)));
        await Promise.race([loops, until(() => total.count >= round * SIGN_INS_PER_ROUND, 'sign-ins to pile up', 60_000)]);
        // Killed while the loops keep sending: some sign-ins are mid-request, mid-transaction.
        await server.kill();
        await loops;
        checkDatabase(dataDir, accounts);
        await server.start();
      }

      // Every account signs in again on the restarted server, its counter moving on from the kept one.
      for (const account of accounts) {
        const assertion = await passkeyAssertion(account.browser, account.authenticator, server.url);
        expect((await account.browser.post(PASSKEY_VERIFY, assertion)).status).toBe(200);
        expect((await account.browser.get('/api/me')).body).toEqual({ username: account.username });
      }
    } finally {
      await server.stop();
    }
  });
});
