// On a full disk the RP must say so: better-sqlite3 throws SQLITE_FULL (or an I/O error while
// growing the WAL), which harness-server/rp/index.ts maps to 507 with a clear message, so the
// person and the operator can tell a full disk from a bug. disk-full.test.ts proves the failure
// is clean and the server recovers. Needs root for the small tmpfs; skipped with the reason
// otherwise.

import { afterAll, describe, expect, it } from 'vitest';
import { runUntilDiskFull } from './support/disk-full-scenario.ts';
import { mountSmallDisk } from './support/small-disk.ts';

const disk = mountSmallDisk('8m');
afterAll(() => {
  if (typeof disk !== 'string') disk.unmount();
});

describe('the data directory runs out of space', () => {
  it.skipIf(typeof disk === 'string')('the refused write says the server is out of storage', async () => {
    if (typeof disk === 'string') return;
    const { server, refused, freeSpace } = await runUntilDiskFull(disk);
    freeSpace();
    await server.stop();
    expect([503, 507]).toContain(refused.status);
    expect(refused.body).toMatchObject({ error: expect.stringMatching(/storage|disk|space/i) });
  });
});
