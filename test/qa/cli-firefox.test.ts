// The CLI in Firefox ESR (puppeteer-core over WebDriver BiDi), end to end: a passkey registered
// and used through the extension and the phone, and the phishing-relay origin check, against the
// bundled RP with its origin check off — so one run shows a pass and a finding in Firefox.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { readJunit, readResults, runQa, startRp, tempDir } from './cli-harness.ts';

const dir = tempDir('firefox');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('runs checks in Firefox: a passkey signs in, and an assertion from another origin is caught', async () => {
  const rp = await startRp(['originCheck']);
  try {
    const reports = join(dir, 'reports');
    const run = await runQa(rp, ['--browser', 'firefox', '--only', 'passkey-sign-in,origin-mismatch', '--report-dir', reports]);
    expect(run.code, run.stdout).toBe(1);
    expect(run.stdout).toContain('in firefox (2 checks)');

    const junit = await readJunit(join(reports, 'junit.xml'));
    expect(junit.cases.map((c) => [c.id, c.status, c.type]), run.stdout).toEqual([
      ['passkey-sign-in', 'passed', null],
      ['origin-mismatch', 'failed', 'finding'],
    ]);
    const origin = readResults(join(reports, 'results.json')).checks.find((c) => c.id === 'origin-mismatch')!;
    expect(origin.message).toMatch(/^The site accepted an assertion made on http:\/\/localhost:\d+$/);
    expect(origin.message).not.toContain(rp.url);
  } finally {
    await rp.close();
  }
}, 240_000);
