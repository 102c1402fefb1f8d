// Given accounts (issue 17): a staging site hands QA existing accounts instead of a sign-up form.
// The real CLI runs against the bundled relying party with a profile that has NO sign-up, and an
// accounts file (secrets partly from environment variables): each check gets an account in a
// state it can start from, the states follow what checks did (a passkey added, 2FA turned off),
// a check with no fitting account left is skipped with a sentence, and no secret is printed.
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { PASSWORD } from '../../harness-server/testing/rp-flows.ts';
import { TestBrowser } from '../../harness-server/testing/servers.ts';
import { totpCode } from '../../qa/totp.ts';
import { readResults, runQa, startRp, tempDir, writeProfile, type Rp } from './cli-harness.ts';

const dir = tempDir('accounts-cli');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An account as staging would have it: signed up and verified through the RP's API, not the harness. */
async function seed(rp: Rp, username: string, withApp: boolean): Promise<{ secret: string | null }> {
  const browser = new TestBrowser(rp.url);
  const email = `${username}@example.com`;
  const signUp = await browser.post('/api/signup', { username, email, password: PASSWORD });
  if (signUp.status !== 200) throw new Error(`sign-up: ${JSON.stringify(signUp.body)}`);
  const outbox = await browser.get<{ messages: { links: string[] }[] }>(`/dev/outbox/messages?to=${encodeURIComponent(email)}`);
  const link = outbox.body.messages.flatMap((m) => m.links).find((l) => l.includes('/verify-email#token='))!;
  const verified = await browser.post('/api/email/verify', { token: new URL(link).hash.replace('#token=', '') });
  if (verified.status !== 200) throw new Error(`verify: ${JSON.stringify(verified.body)}`);
  if (!withApp) return { secret: null };
  const setup = await browser.post<{ secret: string }>('/api/otp/setup', { password: PASSWORD, kind: 'totp' });
  const confirm = await browser.post('/api/otp/confirm', { code: await totpCode(setup.body.secret) });
  if (confirm.status !== 200) throw new Error(`otp: ${JSON.stringify(confirm.body)}`);
  return { secret: setup.body.secret };
}

it('runs checks on given accounts in the states they need, without signing up, and prints no secret', async () => {
  const rp = await startRp();
  try {
    const suffix = randomBytes(3).toString('hex');
    const [plain, withApp] = [`given-p-${suffix}`, `given-t-${suffix}`];
    await seed(rp, plain, false);
    const { secret } = await seed(rp, withApp, true);
    const accounts = join(dir, 'accounts.yaml');
    writeFileSync(
      accounts,
      [
        `- { username: ${plain}, email: ${plain}@example.com, password: '${PASSWORD}', state: password-only }`,
        `- { username: ${withApp}, email: ${withApp}@example.com, password: { env: QA_T_PASSWORD }, state: totp-enrolled, totpSecret: { env: QA_T_TOTP } }`,
      ].join('\n'),
    );
    // A staging profile: no sign-up, no email confirmation; accounts come from the file.
    const profile = writeProfile(dir, (p) => {
      delete p.signUp;
      delete p.verifyEmail;
    });
    const reports = join(dir, 'reports');
    const only = 'passkey-sign-in,totp-enrolment-fallback,totp-replay,disable-2fa-reauth,user-verification';
    const run = await runQa(rp, ['--profile', profile, '--accounts', accounts, '--only', only, '--report-dir', reports], { QA_T_PASSWORD: PASSWORD, QA_T_TOTP: secret! });
    expect(run.code, run.stdout + run.stderr).toBe(0);

    const checks = readResults(join(reports, 'results.json')).checks;
    const byId = Object.fromEntries(checks.map((c) => [c.id, c]));
    expect(Object.fromEntries(checks.map((c) => [c.id, c.status]))).toEqual({
      'passkey-sign-in': 'passed',
      'totp-enrolment-fallback': 'skipped',
      'totp-replay': 'passed',
      'disable-2fa-reauth': 'passed',
      'user-verification': 'passed',
    });
    // Nobody signed up: each check signed in to its given account, in the state it needed.
    expect(checks.flatMap((c) => c.steps.map((s) => s.title)).filter((t) => /^Sign up/.test(t))).toEqual([]);
    expect(byId['passkey-sign-in']!.steps[0]!.title).toBe(`Sign in as the given account ${plain} (password-only)`);
    expect(byId['totp-replay']!.steps[0]!.title).toBe(`Sign in as the given account ${withApp} (totp-enrolled)`);
    expect(byId['totp-replay']!.steps.map((s) => s.title)).not.toContain('Start the authenticator app setup and scan its QR code');
    expect(byId['disable-2fa-reauth']!.steps[0]!.title).toBe(`Sign in as the given account ${withApp} (totp-enrolled)`);
    // The passkey that passkey-sign-in added is the one user-verification signs in with.
    expect(byId['user-verification']!.steps[0]!.title).toBe(`Sign in as the given account ${plain} (passkey-registered)`);
    expect(byId['totp-enrolment-fallback']!.reason).toBe(
      `needs a given account that is password-only; ${accounts} offers ${plain} (passkey-registered), ${withApp} (totp-enrolled)`,
    );
    expect(run.stdout).toContain(`Given accounts (${accounts}):\n  ${plain}: passkey-sign-in → passkey-registered, user-verification → passkey-registered\n  ${withApp}: totp-replay → totp-enrolled, disable-2fa-reauth → password-only`);

    // Secrets from the file and the environment appear nowhere a person or a CI log reads.
    const outputs = [run.stdout, run.stderr, ...['report.html', 'junit.xml', 'results.json'].map((f) => readFileSync(join(reports, f), 'utf8'))];
    for (const text of outputs) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(secret!);
    }
  } finally {
    await rp.close();
  }
}, 240_000);
