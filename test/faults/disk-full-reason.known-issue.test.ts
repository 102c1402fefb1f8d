// KNOWN ISSUE (excluded from CI; run with PAIRKEY_KNOWN_ISSUES=1, as root).
//
// On a full disk the RP answers `500 {"error":"Internal server error"}`: better-sqlite3 throws a
// SqliteError with code SQLITE_FULL, which harness-server/rp/index.ts's error handler treats as
// any unexpected error. The person (and the operator reading the status) cannot tell a full disk
// from a bug. disk-full.test.ts proves the failure is clean and the server recovers; this test
// asks for the clear reason.
//
// Fix (harness-server/rp/index.ts, setErrorHandler): map SqliteError codes SQLITE_FULL (and
// SQLITE_IOERR_*, out of space on the WAL/shm files) to 507 Insufficient Storage (or 503) with
// `{ error: "The server is out of storage space; try again later" }`, logged at error level.
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
    expect(refused.body).toEqual({ error: expect.stringMatching(/storage|disk|space/i) });
  });
});
