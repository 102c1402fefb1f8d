// Calibration (issue 6, "done when"), second half: with each QA switch of the bundled relying
// party off, exactly the check that targets that protection fails — with a finding, not a broken
// flow — while an unrelated check run alongside still passes. Only those two checks run per switch
// (the full set runs once, with every protection on, in cli-calibration.test.ts).
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROTECTIONS, QA_SWITCHES, type Protection } from '../../harness-server/config.ts';
import { CHECK_IDS } from '../../qa/checks/index.ts';
import { calibrationProfile, CATCHES, readJunit, readResults, runQa, startRp, tempDir } from './cli-harness.ts';


/** Cheap checks run next to the matching one, a different one per switch. */
const UNRELATED = ['unoffered-algorithm', 'passkey-sign-in', 'bad-signature'];

const dir = tempDir('calibration-switches');
const profile = calibrationProfile(dir);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('maps every QA switch of the relying party to a check', () => {
  expect(Object.keys(CATCHES).sort()).toEqual([...PROTECTIONS].sort());
  for (const check of Object.values(CATCHES)) expect(CHECK_IDS).toContain(check);
});

describe.each(PROTECTIONS.map((protection, i) => [protection, CATCHES[protection], UNRELATED[i % UNRELATED.length]!] as const))(
  'with %s off',
  (protection, catcher, unrelated) => {
    it(`${catcher} fails with a finding and ${unrelated} still passes`, async () => {
      const rp = await startRp([protection]);
      // The server runs with this one switch off.
      const info = (await (await fetch(`${rp.url}/api/server-info`)).json()) as { insecure: string[] };
      expect(info.insecure).toEqual([QA_SWITCHES[protection]]);
      const reports = join(dir, protection);
      const run = await runQa(rp, ['--profile', profile, '--only', `${catcher},${unrelated}`, '--report-dir', reports]).finally(() => rp.close());
      expect(run.code, run.stdout).toBe(1);

      const junit = await readJunit(join(reports, 'junit.xml'));
      expect(junit.failures).toBe(1);
      const byId = Object.fromEntries(junit.cases.map((c) => [c.id, c]));
      expect(byId[catcher]).toMatchObject({ status: 'failed', type: 'finding' });
      expect(byId[catcher]!.message).toMatch(/^The site accepted|signed in at once/);
      expect(byId[unrelated]).toMatchObject({ status: 'passed' });

      const results = readResults(join(reports, 'results.json'));
      expect(Object.fromEntries(results.checks.map((c) => [c.id, c.status]))).toEqual({ [catcher]: 'failed', [unrelated]: 'passed' });
      expect(existsSync(join(reports, 'report.html'))).toBe(true);
    }, 180_000);
  },
);
