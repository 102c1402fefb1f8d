// The report formats, from a run result with a passed, a failed (finding and error) and a skipped
// check: JUnit a strict XML parser and CI tools read, a self-contained HTML report, results JSON.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseStringPromise } from 'xml2js';
import { afterAll, describe, expect, it } from 'vitest';
import { htmlReport } from '../../qa/report/html.ts';
import { junitXml } from '../../qa/report/junit.ts';
import { githubAnnotations, terminalSummary } from '../../qa/report/terminal.ts';
import type { RunResult, StepResult } from '../../qa/report/types.ts';
import { resultsJson, writeReports } from '../../qa/report/write.ts';
import { readJunit, tempDir } from './cli-harness.ts';

/** A 1×1 PNG: the reports embed whatever the browser returned. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

const step = (title: string, extra: Partial<StepResult> = {}): StepResult => ({
  title,
  status: 'passed',
  durationMs: 1200,
  notes: [],
  error: null,
  screenshot: PNG,
  ...extra,
});

const RUN: RunResult = {
  profile: { name: 'Example <site> & co', file: '/profiles/example.yaml' },
  site: 'https://example.com/',
  browser: 'firefox',
  startedAt: '2026-11-22T21:00:00.000Z',
  durationMs: 65_000,
  checks: [
    { id: 'passkey-sign-in', title: 'Passkey registration and sign-in', requirement: 'WebAuthn L3 §7.1', status: 'passed', durationMs: 5000, steps: [step('Sign up'), step('Add a passkey')] },
    {
      id: 'totp-replay',
      title: 'A TOTP code that was used once is refused the second time',
      requirement: 'SP 800-63B §5.1.4.2; ASVS V2.8.4',
      status: 'failed',
      kind: 'finding',
      message: 'The site accepted TOTP code "123456" a second time <script>',
      durationMs: 9000,
      steps: [step('Sign in with code 123456'), step('Sign in with the same code again', { status: 'failed', error: 'The site accepted TOTP code "123456" a second time <script>', notes: ['status: Welcome\u0007'] })],
    },
    { id: 'backup-codes', title: 'Backup codes', requirement: 'ASVS V2.6.1', status: 'failed', kind: 'error', message: 'Signing up: no outcome shown', durationMs: 21_000, steps: [step('Sign up', { status: 'failed', screenshot: null, error: 'Signing up: no outcome shown' })] },
    { id: 'challenge-expiry', title: 'Challenge expiry', requirement: 'WebAuthn L3 §13.4.3', status: 'skipped', reason: 'profile has no webauthn.challengeTimeoutSeconds', durationMs: 0, steps: [] },
  ],
};

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('JUnit XML', () => {
  it('is well-formed XML with one test case per check, and counts as CI tools expect', async () => {
    const dir = tempDir('junit');
    dirs.push(dir);
    writeReports(RUN, dir);
    const junit = await readJunit(join(dir, 'junit.xml'));
    expect({ tests: junit.tests, failures: junit.failures, skipped: junit.skipped }).toEqual({ tests: 4, failures: 2, skipped: 1 });
    expect(junit.cases).toEqual([
      { id: 'passkey-sign-in', status: 'passed', message: null, type: null },
      { id: 'totp-replay', status: 'failed', message: 'The site accepted TOTP code "123456" a second time <script>', type: 'finding' },
      { id: 'backup-codes', status: 'failed', message: 'Signing up: no outcome shown', type: 'error' },
      { id: 'challenge-expiry', status: 'skipped', message: 'profile has no webauthn.challengeTimeoutSeconds', type: null },
    ]);
  });

  it('carries the requirement and the steps in each test case, and drops characters XML cannot hold', async () => {
    const xml = junitXml(RUN);
    expect(xml).not.toContain('\u0007');
    const parsed = (await parseStringPromise(xml)) as { testsuites: { testsuite: { $: Record<string, string>; testcase: { $: Record<string, string>; 'system-out': string[] }[] }[] } };
    const suite = parsed.testsuites.testsuite[0]!;
    expect(suite.$.name).toBe('pairkey qa: Example <site> & co (firefox)');
    expect(suite.$.timestamp).toBe('2026-11-22T21:00:00');
    const replay = suite.testcase[1]!;
    expect(replay.$).toEqual({ classname: 'pairkey.qa.firefox', name: 'totp-replay: A TOTP code that was used once is refused the second time', time: '9.000' });
    expect(replay['system-out'][0]).toBe(
      'Requirement: SP 800-63B §5.1.4.2; ASVS V2.8.4\n' +
        'ok   Sign in with code 123456 (1.2 s)\n' +
        'FAIL Sign in with the same code again (1.2 s)\n' +
        '     status: Welcome\n' +
        '     The site accepted TOTP code "123456" a second time <script>',
    );
  });
});

describe('HTML report', () => {
  const html = htmlReport(RUN);

  it('embeds a screenshot per step that has one, so the file stands alone', () => {
    expect(html.match(/<img [^>]*src="data:image\/png;base64,/g)).toHaveLength(4);
    // A run's JPEGs are named as such.
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0]);
    const withJpeg = htmlReport({ ...RUN, checks: [{ ...RUN.checks[0]!, steps: [step('Sign up', { screenshot: jpeg })] }] });
    expect(withJpeg).toContain(`src="data:image/jpeg;base64,${jpeg.toString('base64')}"`);
    expect(html).toContain(PNG.toString('base64'));
    expect(html).not.toMatch(/<(link|script)\b/);
    expect(html).toContain('(no screenshot)');
  });

  it('shows each check with its requirement, and escapes what the site said', () => {
    expect(html).toContain('Requirement: SP 800-63B §5.1.4.2; ASVS V2.8.4');
    expect(html).toContain('<strong>Finding:</strong> The site accepted TOTP code &quot;123456&quot; a second time &lt;script&gt;');
    expect(html).toContain('<strong>Could not complete the check:</strong> Signing up: no outcome shown');
    expect(html).toContain('Skipped: profile has no webauthn.challengeTimeoutSeconds');
    expect(html).toContain('<title>Pairkey QA: Example &lt;site&gt; &amp; co (firefox)</title>');
    expect(html).toContain('1 passed</span><span>2 failed</span><span>1 skipped');
  });
});

describe('results JSON and the terminal summary', () => {
  it('keeps everything but the screenshots', () => {
    const json = JSON.parse(resultsJson(RUN)) as { checks: { id: string; status: string; steps: Record<string, unknown>[] }[] };
    expect(json.checks.map((c) => [c.id, c.status])).toEqual([
      ['passkey-sign-in', 'passed'],
      ['totp-replay', 'failed'],
      ['backup-codes', 'failed'],
      ['challenge-expiry', 'skipped'],
    ]);
    expect(json.checks[1]).toMatchObject({ kind: 'finding', message: 'The site accepted TOTP code "123456" a second time <script>' });
    expect(json.checks[0]!.steps[0]).toEqual({ title: 'Sign up', status: 'passed', durationMs: 1200, notes: [], error: null });
  });

  it('writes the three files', () => {
    const dir = tempDir('reports');
    dirs.push(dir);
    expect(writeReports(RUN, join(dir, 'nested')).map((f) => f.slice(dir.length))).toEqual(['/nested/report.html', '/nested/junit.xml', '/nested/results.json']);
    expect(readFileSync(join(dir, 'nested', 'results.json'), 'utf8')).toBe(resultsJson(RUN));
  });

  it('summarises one line per check for CI logs: status, id, time, and the requirement, failure or skip reason', () => {
    const lines: string[] = [];
    terminalSummary(RUN, (line) => lines.push(line));
    expect(lines.slice(2)).toEqual([
      '  PASS  passkey-sign-in     5.0 s  WebAuthn L3 §7.1',
      '  FAIL  totp-replay         9.0 s  finding: The site accepted TOTP code "123456" a second time <script>',
      '  FAIL  backup-codes       21.0 s  error: Signing up: no outcome shown',
      '  SKIP  challenge-expiry    0.0 s  skipped: profile has no webauthn.challengeTimeoutSeconds',
      '1 passed, 2 failed, 1 skipped in 65.0 s',
    ]);
  });

  it('annotates each failed check for GitHub Actions, escaped as workflow commands', () => {
    const lines: string[] = [];
    githubAnnotations(RUN, (line) => lines.push(line));
    expect(lines).toEqual([
      '::error title=pairkey qa totp-replay (finding)::The site accepted TOTP code "123456" a second time <script>%0ASP 800-63B §5.1.4.2; ASVS V2.8.4',
      '::error title=pairkey qa backup-codes (error)::Signing up: no outcome shown%0AASVS V2.6.1',
    ]);
  });
});
