// Sites the harness was not written for (issue 17): two passkey-only demo sites of another shape
// than the bundled RP (test/pages/qa-sites: no test ids; results only in toasts), each with a
// hand-written profile. The CLI runs its WebAuthn checks end to end against them; the checks that
// need a password are skipped with the reason, never an error on a missing password form.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startQaSites, type QaSites } from '../pages/qa-sites/server.ts';
import { readResults, runCli, startRp, tempDir, type Rp } from './cli-harness.ts';

const SITES = fileURLToPath(new URL('../pages/qa-sites/', import.meta.url));
const dir = tempDir('sites');
let rp: Rp;
let sites: QaSites;

beforeAll(async () => {
  [rp, sites] = await Promise.all([startRp(), startQaSites()]);
});
afterAll(async () => {
  await Promise.all([rp?.close(), sites?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const run = (shape: string, only: string) =>
  runCli(['qa', '--server', rp.url, '--profile', join(SITES, `${shape}.yaml`), '--site', sites.origin, '--only', only, '--report-dir', join(dir, shape)], {
    PHONE_PORT: String(rp.phonePort),
  });

describe.each([
  ['plain', 'passkey-sign-in,security-key-second-factor,totp-replay,brute-force,user-verification,sign-count-regression,stale-challenge,unoffered-algorithm'],
  ['toast', 'passkey-sign-in,backup-codes,bad-signature,user-presence,rp-id-mismatch,origin-mismatch'],
])('the %s demo site', (shape, only) => {
  it('passes the WebAuthn checks and skips the password ones with the reason', async () => {
    const result = await run(shape, only);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const checks = readResults(join(dir, shape, 'results.json')).checks;
    const expected = Object.fromEntries(
      only.split(',').map((id) => [id, ['security-key-second-factor', 'totp-replay', 'brute-force', 'backup-codes'].includes(id) ? 'skipped' : 'passed']),
    );
    expect(Object.fromEntries(checks.map((c) => [c.id, c.status]))).toEqual(expected);
    for (const skipped of checks.filter((c) => c.status === 'skipped')) expect(skipped.reason).toMatch(/^profile has no (signIn\.password|securityKey\.add|totp\.enrol|backupCodes\.signIn)/);
    // Passkey-only: the account was made by registering a passkey, never by a password form.
    const signIn = checks.find((c) => c.id === 'passkey-sign-in')!;
    expect(signIn.steps[0]!.title).toMatch(/^Sign up as qa\w+ with a passkey held by the phone$/);
  });
});
