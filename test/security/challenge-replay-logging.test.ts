// Issue 8: every attack on the RP is refused *and logged*. A passkey assertion sent again after
// it signed in (its challenge already used), or with no ceremony in progress, must leave a
// warning in the server log naming the key and a `signin.failed` entry in its owner's audit log.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { buildServers, type Servers } from '../../harness-server/app.ts';
import { captureLogs, TestBrowser, testConfig } from '../../harness-server/testing/servers.ts';
import { FAST_SCRYPT, PASSKEY_VERIFY, passkeyAccount, passkeyAssertion } from './support/rp-flows.ts';

interface AuditEntry {
  event: string;
  detail: Record<string, unknown>;
}

let logs: ReturnType<typeof captureLogs>;
let servers: Servers;

beforeEach(async () => {
  logs = captureLogs();
  servers = await buildServers(testConfig({ LOG_LEVEL: 'warn' }), { rp: { scrypt: FAST_SCRYPT }, logStream: logs.stream });
});

afterEach(async () => {
  await Promise.all([servers.main.close(), servers.phone.close()]);
});

const audit = async (browser: TestBrowser) => (await browser.get<{ entries: AuditEntry[] }>('/api/audit')).body.entries;

/** Warnings the server logged about this credential. */
const warningsAbout = (credentialId: string) =>
  logs
    .text()
    .split('\n')
    .filter((line) => line.includes(credentialId))
    .map((line) => JSON.parse(line) as { level: number; msg: string; ceremony: string; reason: string })
    .filter((entry) => entry.level === 40);

it.each([
  ['in a ceremony of its own (the challenge differs)', true],
  ['with no ceremony in progress (no challenge cookie)', false],
])('a replayed passkey assertion is refused, logged at warn and audited for the owner: %s', async (_name, startCeremony) => {
  const alice = new TestBrowser(servers.main);
  const { authenticator, credentialId } = await passkeyAccount(alice, 'alice');
  const assertion = await passkeyAssertion(alice, authenticator);
  expect((await alice.post(PASSKEY_VERIFY, assertion)).status).toBe(200);
  const before = await audit(alice);
  expect(warningsAbout(credentialId)).toEqual([]);

  const attacker = new TestBrowser(servers.main);
  if (startCeremony) await attacker.post('/api/passkey/options');
  const replay = await attacker.post<{ error: string }>(PASSKEY_VERIFY, assertion);
  expect(replay.status).toBe(400);
  expect(await attacker.get('/api/me').then((r) => r.status)).toBe(401);

  // Newest first: what the replay added comes before the entries seen earlier.
  const after = await audit(alice);
  const added = after.slice(0, after.length - before.length);
  expect(added).toEqual([expect.objectContaining({ event: 'signin.failed', detail: { step: 'passkey', reason: replay.body.error } })]);
  expect(warningsAbout(credentialId)).toEqual([expect.objectContaining({ msg: 'WebAuthn assertion refused', ceremony: 'authentication', reason: replay.body.error })]);
});

it('a refused assertion of an unknown key writes nothing and names nobody', async () => {
  const alice = new TestBrowser(servers.main);
  const { authenticator } = await passkeyAccount(alice, 'alice');
  const assertion = await passkeyAssertion(alice, authenticator);
  const before = await audit(alice);
  const forged = { ...assertion, id: 'AAAAAAAAAAAAAAAAAAAAAA', rawId: 'AAAAAAAAAAAAAAAAAAAAAA' };
  expect((await alice.post(PASSKEY_VERIFY, forged)).status).toBe(400);
  expect(await audit(alice)).toEqual(before);
  expect(logs.text()).not.toContain('WebAuthn assertion refused');
});
