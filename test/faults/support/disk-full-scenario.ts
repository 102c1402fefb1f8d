// The disk-full scenario shared by the CI test and the known-issue test: a server on a small
// disk, an account made while there is room, then sign-ups on a full disk until one fails.
import { TestBrowser, type HttpResult } from '../../../harness-server/testing/servers.ts';
import { passkeyAccount, TEST_PASSWORD, type PasskeyAccount } from '../../security/support/rp-flows.ts';
import { ServerProcess } from './server-process.ts';
import type { SmallDisk } from './small-disk.ts';

export interface DiskFull {
  server: ServerProcess;
  alice: { browser: TestBrowser; account: PasskeyAccount };
  /** The first write the full disk refused, as the client saw it. */
  refused: HttpResult;
  freeSpace: () => void;
}

export async function runUntilDiskFull(disk: SmallDisk): Promise<DiskFull> {
  const server = await ServerProcess.create(disk.path);
  await server.start();
  const browser = new TestBrowser(server.url);
  const account = await passkeyAccount(browser, 'alice', server.url);
  const freeSpace = disk.fill();
  // SQLite may still fit some writes into space its files already hold; each sign-up adds rows
  // (account, audit entry, email) until one needs more room.
  for (let i = 0; i < 300; i++) {
    const result = await new TestBrowser(server.url).post('/api/signup', { username: `full-${i}`, email: `full-${i}@example.com`, password: TEST_PASSWORD });
    if (result.status !== 200) return { server, alice: { browser, account }, refused: result, freeSpace };
  }
  freeSpace();
  await server.stop();
  throw new Error('300 sign-ups on a full disk all succeeded: the disk never filled up');
}
