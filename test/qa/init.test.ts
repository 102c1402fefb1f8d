// `pairkey qa init` (issue 17) against a site it was not written for: the passkey-only demo site
// without test ids (test/pages/qa-sites/plain.html). The draft validates as it is and names the
// right buttons and markers, found by clicking with the phone answering through the extension;
// after a person's one-line edit the CLI runs WebAuthn checks end to end from it (two here, to keep
// CI short; init-sites.test.ts runs seven against the toast site).
// The toast-only site and the bundled RP are drafted in init-sites.test.ts (npm run test:qa:calibration).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadProfile } from '../../qa/profile/load.ts';
import { startQaSites, type QaSites } from '../pages/qa-sites/server.ts';
import { readResults, runCli, startRp, tempDir, type Rp } from './cli-harness.ts';
import { draftWithInit, editLine, writeEdited } from './init-harness.ts';

const dir = tempDir('init');
let rp: Rp;
let sites: QaSites;

beforeAll(async () => {
  [rp, sites] = await Promise.all([startRp(), startQaSites()]);
});
afterAll(async () => {
  await Promise.all([rp?.close(), sites?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

it('drafts a profile for the passkey-only site from a crawl, and the CLI runs its WebAuthn checks from the edited draft', async () => {
  const draft = await draftWithInit(rp, `${sites.origin}/plain.html`, dir, 'plain');
  expect(draft.run.stdout).toMatch(/wrote .*plain\.yaml: \d+ TODOs? to check/);
  // It loads as it is: the person edits guesses, never syntax.
  const profile = loadProfile(draft.file);
  expect(profile.site).toBe(sites.origin);
  // The buttons that reached the phone (through the extension) as a registration and a sign-in.
  expect(draft.text).toMatch(/Buttons that started a WebAuthn call \(seen by the paired phone\): "Create account with a passkey" \(registration, \/plain\.html\), "Sign in with a passkey" \(sign-in, \/plain\.html\)/);
  expect(profile.passkey?.signUp).toEqual({ url: '/plain.html', fields: { 'input[name="username"]': '{username}' }, submit: 'form:has(input[name="username"]) button' });
  expect(profile.passkey?.signIn).toEqual({ url: '/plain.html', submit: 'main > section:nth-of-type(2) > button' });
  expect(profile.signedIn).toEqual({ selector: 'header > span', text: '^Signed in as {username}$' });
  expect(profile.status.selector).toBe('[role="status"]');
  expect(profile.status.failure).toBe('^Could not finish');
  expect(profile.signOut).toEqual({ submit: 'header > button', success: { selector: '[role="status"]', text: '^Signed out$' } });
  expect(profile.signIn).toBeUndefined();
  // Guesses are marked where the person reads them: the position-based selector, the failure text.
  expect(draft.text).toMatch(/# TODO: the button that started a passkey sign-in "Sign in with a passkey" has nothing stable to select it by[^\n]*\n\s+submit: main > section:nth-of-type\(2\) > button/);
  expect(draft.text).toMatch(/# TODO: guessed from what the site showed when the phone declined: "Could not finish: [^\n]*\n\s+failure:/);

  // The person's edit: every failure on this site starts "Could not", not only the decline seen.
  const edited = writeEdited(dir, 'plain', editLine(draft.text, /^\s*failure: /, "failure: '^Could not'"));
  const reports = join(dir, 'plain-reports');
  const only = 'passkey-sign-in,brute-force,user-verification';
  const run = await runCli(['qa', '--server', rp.url, '--profile', edited, '--site', sites.origin, '--only', only, '--report-dir', reports], { PHONE_PORT: String(rp.phonePort) });
  expect(run.code, run.stdout + run.stderr).toBe(0);
  const checks = readResults(join(reports, 'results.json')).checks;
  expect(Object.fromEntries(checks.map((c) => [c.id, c.status]))).toEqual({
    'passkey-sign-in': 'passed',
    'brute-force': 'skipped',
    'user-verification': 'passed',
  });
  expect(checks.find((c) => c.id === 'brute-force')!.reason).toMatch(/^profile has no signIn\.password/);
});
