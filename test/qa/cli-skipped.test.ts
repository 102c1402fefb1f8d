// A profile that leaves flows out: the checks that need them are skipped with the reason, the
// others still run (here the brute-force check falls back to guessing passwords), exit code 0.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { readJunit, readResults, runQa, startRp, tempDir, writeProfile } from './cli-harness.ts';

const dir = tempDir('skipped');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('skips the checks a profile cannot support, naming the missing field, and runs the rest', async () => {
  const profile = writeProfile(dir, (p) => {
    delete p.totp;
    delete p.passkey;
  });
  const rp = await startRp();
  try {
    const reports = join(dir, 'reports');
    const run = await runQa(rp, ['--profile', profile, '--only', 'passkey-sign-in,totp-replay,user-verification,brute-force', '--report-dir', reports]);
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toContain('  SKIP totp-replay: profile has no totp.enrol');
    expect(run.stdout).toContain('1 passed, 0 failed, 3 skipped');

    const junit = await readJunit(join(reports, 'junit.xml'));
    expect(junit.cases).toEqual([
      { id: 'passkey-sign-in', status: 'skipped', message: 'profile has no passkey.add', type: null },
      { id: 'totp-replay', status: 'skipped', message: 'profile has no totp.enrol', type: null },
      { id: 'brute-force', status: 'passed', message: null, type: null },
      { id: 'user-verification', status: 'skipped', message: 'profile has no passkey.add', type: null },
    ]);
    // Without an authenticator app, brute force is tried on the password, and the lockout seen.
    const bruteForce = readResults(join(reports, 'results.json')).checks.find((c) => c.id === 'brute-force')!;
    expect(bruteForce.steps.map((s) => s.title)).toContain('Wrong password, guess 1 of at most 10');
    expect(bruteForce.steps.at(-1)!.title).toBe('The right password, right after the guesses');
  } finally {
    await rp.close();
  }
});
