// Site profiles: the shipped one loads; JSON and YAML load alike; a malformed profile is refused
// before any browser starts, with a message naming the field, and the CLI exits 2.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKS } from '../../qa/checks/index.ts';
import { loadProfile, ProfileError, validateProfile } from '../../qa/profile/load.ts';
import { render, renderPattern } from '../../qa/profile/template.ts';
import { BUNDLED_PROFILE, runCli, tempDir, writeProfile } from './cli-harness.ts';

const QA_SITES = new URL('../pages/qa-sites/', import.meta.url).pathname;

let dir: string;
beforeAll(() => {
  dir = tempDir('profiles');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The problems a profile is refused for. */
function problemsOf(edit: (profile: Record<string, unknown>) => void): string[] {
  const file = writeProfile(dir, edit, 'edited.yaml');
  try {
    loadProfile(file);
  } catch (error) {
    if (error instanceof ProfileError) return error.problems;
    throw error;
  }
  throw new Error('the profile was accepted');
}

describe('loading', () => {
  it('loads the shipped profile for the bundled relying party, which supports every check', () => {
    const profile = loadProfile(BUNDLED_PROFILE);
    expect(profile.site).toBe('http://localhost:8787');
    const site = new URL(profile.site!);
    expect(CHECKS.filter((c) => c.unsupported(profile, site) !== null).map((c) => c.id)).toEqual([]);
  });

  it('loads passkey-only profiles (no password anywhere) and skips the password checks with the reason', () => {
    for (const shape of ['plain', 'toast']) {
      const profile = loadProfile(join(QA_SITES, `${shape}.yaml`));
      const site = new URL('http://localhost:1');
      const reasons = Object.fromEntries(CHECKS.map((c) => [c.id, c.unsupported(profile, site)]));
      expect(reasons).toMatchObject({
        'passkey-sign-in': null,
        'bad-signature': null,
        'origin-mismatch': null,
        'security-key-second-factor': 'profile has no securityKey.add',
        'totp-replay': 'profile has no totp.enrol',
        'brute-force': 'profile has no signIn.password',
        'challenge-expiry': 'profile has no webauthn.challengeTimeoutSeconds',
      });
    }
    // A network marker: the site's JSON answer, matched by URL pattern and body.
    expect(loadProfile(join(QA_SITES, 'toast.yaml')).signedIn).toEqual({ response: { url: '/api/(register|login)/verify$', body: '"username":"{username}"' } });
  });

  it('reads JSON and YAML into the same profile', () => {
    const yaml = loadProfile(BUNDLED_PROFILE);
    const json = join(dir, 'profile.json');
    writeFileSync(json, JSON.stringify(yaml));
    expect(loadProfile(json)).toEqual(yaml);
  });
});

describe('refusing a malformed profile, naming the field', () => {
  it('a field of the wrong type', () => {
    expect(problemsOf((p) => ((p.signUp as Record<string, unknown>).submit = 42))).toContain('profile field "signUp.submit": Expected string');
  });

  it('a missing required field', () => {
    expect(problemsOf((p) => delete p.signedIn)).toContain('profile field "signedIn": Expected required property');
  });

  it('an unknown field (a typo)', () => {
    expect(problemsOf((p) => ((p.totp as Record<string, unknown>).enroll = {}))).toContain('profile field "totp.enroll": Unexpected property');
  });

  it('a marker that names neither a URL nor a selector', () => {
    expect(problemsOf((p) => ((p.signUp as Record<string, unknown>).success = { text: 'welcome' }))).toEqual([
      'profile field "signUp.success": needs a url, a selector or a response',
      'profile field "signUp.success.text": needs a selector to read the text from',
    ]);
  });

  it('a pattern that is not a regular expression', () => {
    expect(problemsOf((p) => ((p.status as Record<string, unknown>).failure = '(unclosed'))[0]).toMatch(/^profile field "status.failure": not a valid regular expression/);
  });

  it('a site that is not an http(s) URL', () => {
    expect(problemsOf((p) => (p.site = 'ftp://example.com'))).toEqual(['profile field "site": must be an http(s) URL (got "ftp://example.com")']);
  });

  it('text that is not YAML at all, and a file that is missing', () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'name: [unclosed\n');
    expect(() => loadProfile(file)).toThrow(/not valid YAML/);
    expect(() => loadProfile(join(dir, 'absent.yaml'))).toThrow(/cannot be read/);
  });

  it('a profile with no way to create accounts', () => {
    expect(problemsOf((p) => delete p.signUp)).toEqual(['profile: needs a way to get test accounts: "signUp" (a form), "passkey.signUp" (a passkey-only site), or given accounts ("accounts", --accounts FILE or PAIRKEY_QA_ACCOUNTS)']);
  });

  it('names every problem at once', () => {
    expect(() => validateProfile({ name: 'x' }, 'inline')).toThrow(/"status".*\n.*"signedIn"/s);
  });
});

describe('the CLI with a malformed profile or bad flags', () => {
  it('exits 2 and names the field, before starting a browser', async () => {
    const file = writeProfile(dir, (p) => ((p.signIn as Record<string, unknown>).password = 'oops'), 'bad-field.yaml');
    const run = await runCli(['qa', '--profile', file, '--site', 'http://localhost:1']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`Invalid profile ${file}`);
    expect(run.stderr).toContain('profile field "signIn.password": Expected object');
    expect(run.stdout).not.toContain('Pairkey QA:');
  });

  it('exits 2 on an unknown check id, browser or flag', async () => {
    for (const [args, message] of [
      [['--only', 'no-such-check'], '--only: unknown check no-such-check'],
      [['--browser', 'safari'], '--browser must be chromium or firefox'],
      [['--frobnicate'], "Unknown option '--frobnicate'"],
    ] as const) {
      const run = await runCli(['qa', ...args]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toContain(message);
    }
  });

  it('lists every check with its requirement', async () => {
    const run = await runCli(['qa', '--list']);
    expect(run.code).toBe(0);
    for (const check of CHECKS) {
      expect(run.stdout).toContain(check.id);
      expect(run.stdout).toContain(check.requirement);
    }
  });
});

describe('templates', () => {
  it('fills values and refuses a value the step does not have', () => {
    expect(render('{username}@example.com', { username: 'qa1' })).toBe('qa1@example.com');
    expect(() => render('{totp}', {})).toThrow('"{totp}" needs {totp}');
  });

  it('matches substituted values literally in patterns', () => {
    expect(renderPattern('^{username}$', { username: 'a.b' }).test('a.b')).toBe(true);
    expect(renderPattern('^{username}$', { username: 'a.b' }).test('axb')).toBe(false);
  });
});
