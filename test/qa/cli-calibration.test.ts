// Calibration (issue 6, "done when"), first half: against the bundled relying party with every
// protection on, every check passes — the real CLI in Chromium with the built extension and the
// virtual phone, against the real server. cli-calibration-switches.test.ts has the other half.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { CHECK_IDS } from '../../qa/checks/index.ts';
import { calibrationProfile, readJunit, readResults, runQa, startRp, tempDir } from './cli-harness.ts';

const dir = tempDir('calibration');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('with every protection on, every check passes', async () => {
  const rp = await startRp();
  const reports = join(dir, 'all-on');
  const run = await runQa(rp, ['--profile', calibrationProfile(dir), '--report-dir', reports]).finally(() => rp.close());
  expect(run.code, run.stdout).toBe(0);
  expect(run.stdout).toContain(`${CHECK_IDS.length} passed, 0 failed, 0 skipped`);

  const junit = await readJunit(join(reports, 'junit.xml'));
  expect({ tests: junit.tests, failures: junit.failures, skipped: junit.skipped }).toEqual({ tests: CHECK_IDS.length, failures: 0, skipped: 0 });
  expect(junit.cases.map((c) => [c.id, c.status])).toEqual(CHECK_IDS.map((id) => [id, 'passed']));

  const results = readResults(join(reports, 'results.json'));
  expect(results.checks.map((c) => c.status)).toEqual(CHECK_IDS.map(() => 'passed'));
  // Every step of every check has its screenshot embedded in the HTML report, as a small JPEG:
  // the whole report stays under a few MB (full-page PNGs made 13.6 MB, issue 16).
  const html = readFileSync(join(reports, 'report.html'), 'utf8');
  const steps = results.checks.reduce((n, c) => n + c.steps.length, 0);
  expect(html.match(/src="data:image\/jpeg;base64,/g)).toHaveLength(steps);
  // 13.6 MB with PNG screenshots; 5.3 MB measured with JPEGs in CI (16 checks). Issue 16 asks for "a few MB": the bound keeps it there.
  expect(Buffer.byteLength(html)).toBeLessThan(6 * 1024 * 1024);
}, 420_000);
