// The data directory's disk fills up under a running server (a small tmpfs, filled with a file).
// Writes must fail with a clean JSON error while the server keeps running, reads keep working,
// and everything works again as soon as space is freed, with the database intact.
//
// Mounting a tmpfs needs root (CAP_SYS_ADMIN). Elsewhere the test is skipped, saying why.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TestBrowser } from '../../harness-server/testing/servers.ts';
import { PASSKEY_VERIFY, passkeyAccount, passkeyAssertion } from '../security/support/rp-flows.ts';
import { runUntilDiskFull } from './support/disk-full-scenario.ts';
import { mountSmallDisk } from './support/small-disk.ts';

const disk = mountSmallDisk('8m');
const skipReason = typeof disk === 'string' ? disk : null;
if (skipReason) console.warn(`disk-full test skipped: ${skipReason}`);
afterAll(() => {
  if (typeof disk !== 'string') disk.unmount();
});

describe('the data directory runs out of space', () => {
  it.skipIf(skipReason !== null)(`writes fail cleanly, the server keeps serving and recovers when space returns${skipReason ? ` (skipped: ${skipReason})` : ''}`, async () => {
    if (typeof disk === 'string') return;
    const { server, alice, refused, freeSpace } = await runUntilDiskFull(disk);
    try {
      expect(refused.status).toBeGreaterThanOrEqual(500);
      expect(refused.body).toMatchObject({ error: expect.any(String) });

      // Still up, and reads still work.
      expect(server.running).toBe(true);
      expect((await alice.browser.get('/api/me')).body).toEqual({ username: 'alice' });

      // Space returns: writes work again at once, in the same process.
      freeSpace();
      await passkeyAccount(new TestBrowser(server.url), 'bob-after-full', server.url);
      const assertion = await passkeyAssertion(alice.browser, alice.account.authenticator, server.url);
      expect((await alice.browser.post(PASSKEY_VERIFY, assertion)).status).toBe(200);
      expect(server.running).toBe(true);
    } finally {
      await server.stop();
    }
    const db = new Database(join(disk.path, 'pairkey.db'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.prepare('SELECT username FROM users').pluck().all()).toEqual(expect.arrayContaining(['alice', 'bob-after-full']));
    } finally {
      db.close();
    }
  });
});
