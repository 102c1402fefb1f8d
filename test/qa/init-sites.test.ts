// `pairkey qa init` against the toast-only demo site and the bundled relying party (issue 17);
// `npm run test:qa:calibration` (not in `npm test`: init.test.ts covers one site in CI).
//   toast.html  results only in toasts that vanish: the draft reads success from the site's own
//               verification answers (network markers), failures from the toast;
//   bundled RP  password sign-up and sign-in forms, a passkey sign-in button, test ids: the
//               draft names them by their test ids;
//   --watch     a person's visit of plain.html (clicks scripted here, recorded as a person's).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { draftProfile } from '../../qa/init/draft.ts';
import { PhoneWatch } from '../../qa/init/probe.ts';
import { watchVisit } from '../../qa/init/watch.ts';
import { launchPairkeyChromium } from '../../qa/fixtures/chromium.ts';
import { loadProfile } from '../../qa/profile/load.ts';
import { startQaSites, type QaSites } from '../pages/qa-sites/server.ts';
import { readResults, runCli, startRp, tempDir, type Rp } from './cli-harness.ts';
import { draftWithInit, editLine, writeEdited } from './init-harness.ts';

const dir = tempDir('init-sites');
let rp: Rp;
let sites: QaSites;

beforeAll(async () => {
  [rp, sites] = await Promise.all([startRp(), startQaSites()]);
});
afterAll(async () => {
  await Promise.all([rp?.close(), sites?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('the toast-only site', () => {
  it('drafts network markers, and the CLI runs its WebAuthn checks from the edited draft', async () => {
    const draft = await draftWithInit(rp, `${sites.origin}/toast.html`, dir, 'toast');
    const profile = loadProfile(draft.file);
    expect(profile.status).toEqual({ selector: '.toast', failure: '^Sorry' });
    expect(profile.signedIn).toEqual({ response: { url: '(/api/register/verify|/api/login/verify)$', body: '"username":\\s*"{username}"' } });
    expect(profile.passkey?.signUp).toEqual({ url: '/toast.html', fields: { 'input[name="username"]': '{username}' }, submit: 'form:has(input[name="username"]) button' });
    expect(profile.passkey?.signIn).toEqual({ url: '/toast.html', submit: 'main > section:nth-of-type(2) > button' });
    expect(profile.signOut).toEqual({ submit: 'header > button', success: { response: { url: '/api/logout$', body: '"signedOut":\\s*true' } } });
    expect(draft.text).toContain('no status element: results appear in an element that comes and goes');

    // The person's edit: the site's failures all begin "Sorry, that did not work".
    const edited = writeEdited(dir, 'toast', editLine(draft.text, /^\s*failure: /, "failure: '^Sorry, that did not work'"));
    const reports = join(dir, 'toast-reports');
    // Not backup-eligibility: @simplewebauthn/server does not compare the BE flag with the
    // registration's, so this demo site really accepts a flipped one (a finding, not a bad draft).
    const only = 'passkey-sign-in,bad-signature,user-presence,rp-id-mismatch,origin-mismatch,stale-challenge,unoffered-algorithm';
    const run = await runCli(['qa', '--server', rp.url, '--profile', edited, '--site', sites.origin, '--only', only, '--report-dir', reports], { PHONE_PORT: String(rp.phonePort) });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const checks = readResults(join(reports, 'results.json')).checks;
    expect(Object.fromEntries(checks.map((c) => [c.id, c.status]))).toEqual(Object.fromEntries(only.split(',').map((id) => [id, 'passed'])));
  });
});

describe('the bundled relying party', () => {
  it('drafts its password forms, its passkey sign-in button and its markers by test id', async () => {
    const draft = await draftWithInit(rp, `${rp.url}/`, dir, 'rp');
    const profile = loadProfile(draft.file);
    expect(profile.status).toEqual({ selector: '[data-testid="status"]', failure: expect.any(String), failureSelector: '[data-testid="status"][data-error]' });
    expect(profile.signUp).toEqual({
      url: '/signup',
      fields: { '[data-testid="signup-username"]': '{username}', '[data-testid="signup-email"]': '{email}', '[data-testid="signup-password"]': '{password}' },
      submit: '[data-testid="signup-submit"]',
    });
    expect(profile.signIn?.password).toEqual({
      url: '/signin',
      fields: { '[data-testid="signin-username"]': '{username}', '[data-testid="signin-password"]': '{password}' },
      submit: '[data-testid="signin-submit"]',
    });
    expect(profile.passkey).toEqual({ signIn: { url: '/signin', submit: '[data-testid="signin-passkey"]' } });
    expect(profile.signedIn).toEqual({ selector: '[data-testid="current-user"]', text: '^{username}$' });
    expect(profile.signOut).toEqual({ submit: '[data-testid="signout"]', success: { selector: '[data-testid="status"]', text: '^Signed out$' } });
    expect(draft.text).toContain('"Sign in with a passkey" (sign-in, /signin)');
    expect(draft.text).toMatch(/TODO: no button registered a passkey before sign-in/);
  });
});

describe('a recorded visit (--watch)', () => {
  it('drafts the passkey-only site from the clicks a person made', async () => {
    const launched = await launchPairkeyChromium({ relayUrl: rp.url, phoneAppUrl: rp.phoneUrl, phone: { policy: 'wait' } });
    const watch = new PhoneWatch(launched.phone);
    try {
      const page = await launched.context.newPage();
      let finish!: () => void;
      const done = new Promise<void>((resolve) => (finish = resolve));
      // A person reads the page before the next click: the script waits until the recorder has
      // written down what the last click led to (one log line per click).
      const lines: string[] = [];
      let wake: (() => void) | null = null;
      const log = (line: string) => {
        lines.push(line);
        wake?.();
      };
      const recorded = async (count: number) => {
        while (lines.length < count) await new Promise<void>((resolve) => (wake = resolve));
      };
      const recording = watchVisit({ start: new URL(`${sites.origin}/plain.html`), context: launched.context, page, watch, log, done });
      // The person: sign up with a passkey, sign out, sign in with it.
      const status = page.getByRole('status');
      const username = page.getByLabel('Username');
      await username.waitFor();
      await username.fill('alice');
      await page.getByRole('button', { name: 'Create account with a passkey' }).click();
      await expect.poll(() => status.textContent()).toMatch(/^Welcome, alice/);
      await recorded(1);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await expect.poll(() => status.textContent()).toBe('Signed out');
      await recorded(2);
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await expect.poll(() => status.textContent()).toMatch(/^Hello again, alice/);
      await recorded(3);
      finish();
      expect(lines).toEqual([
        'Recorded "Create account with a passkey" on /plain.html: a WebAuthn registration reached the phone',
        'Recorded "Sign out" on /plain.html: no WebAuthn call',
        'Recorded "Sign in with a passkey" on /plain.html: a WebAuthn sign-in reached the phone',
      ]);
      const draft = draftProfile(await recording);
      expect(draft.profile.passkey).toEqual({
        signUp: { url: '/plain.html', fields: { 'input[name="username"]': '{username}' }, submit: 'form:has(input[name="username"]) button' },
        signIn: { url: '/plain.html', submit: 'main > section:nth-of-type(2) > button' },
      });
      expect(draft.profile.signedIn).toEqual({ selector: 'header > span', text: '^Signed in as {username}$' });
      expect(draft.profile.signOut).toEqual({ submit: 'header > button', success: { selector: '[role="status"]', text: '^Signed out$' } });
    } finally {
      watch.close();
      await launched.close();
    }
  });
});
