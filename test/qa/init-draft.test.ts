// The drafting half of `pairkey qa init`, without a browser: findings in, a YAML profile out that
// validates, with each guess marked TODO above its field and the missing flows named; and the
// command's usage errors.
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { mayTry } from '../../qa/init/crawl.ts';
import { draftProfile, failurePattern, textPattern } from '../../qa/init/draft.ts';
import type { Crawl, Probe, ProbeResult } from '../../qa/init/findings.ts';
import { refusedClick } from '../../qa/init/probe.ts';
import { recordable } from '../../qa/init/watch.ts';
import { draftYaml } from '../../qa/init/yaml.ts';
import { validateProfile } from '../../qa/profile/load.ts';
import { runCli } from './cli-harness.ts';

const SITE = 'https://shop.example.com/';
const quiet: ProbeResult = { webauthn: null, responses: [], status: [], appeared: [], url: `${SITE}login`, usernameShown: null };
const probe = (p: Partial<Omit<Probe, 'result'>> & { result: Partial<ProbeResult> }): Probe => ({
  page: `${SITE}login`,
  control: { selector: '#go', how: 'id', name: 'Go' },
  form: null,
  intent: 'other',
  answer: 'deny',
  typed: {},
  username: null,
  ...p,
  result: { ...quiet, ...p.result },
});

describe('patterns', () => {
  it('puts {username} where the username was and escapes the rest', () => {
    expect(textPattern('Signed in as qa1 (admin?)', 'qa1')).toBe('^Signed in as {username} \\(admin\\?\\)$');
    expect(textPattern('Signed out', null)).toBe('^Signed out$');
  });
  it('takes a failure text up to its first punctuation', () => {
    expect(failurePattern('Could not finish: NotAllowedError')).toBe('^Could not finish');
    expect(failurePattern('Sorry, that did not work (NotAllowedError)')).toBe('^Sorry');
  });
});

describe('a draft', () => {
  const status = { selector: '[role="alert"]', how: 'role' as const, name: '' };
  const crawl: Crawl = {
    start: `${SITE}login`,
    title: 'Shop',
    mode: 'crawl',
    pages: [],
    probes: [
      probe({ control: { selector: 'div > button', how: 'structure', name: 'Use a passkey' }, result: { webauthn: { kind: 'sign-in', rpId: 'shop.example.com', reply: 'denied' }, status: [{ ...status, text: 'Oops: no passkey', marks: [] }] } }),
      probe({
        control: { selector: '#register', how: 'id', name: 'Register a passkey' },
        form: { selector: '#f', how: 'id', name: '', submit: null, fields: [{ selector: '#user', how: 'id', name: 'Email', kind: 'email' }] },
        intent: 'sign-up',
        answer: 'approve',
        username: 'qa1',
        result: {
          webauthn: { kind: 'registration', rpId: 'shop.example.com', reply: 'approved' },
          responses: [{ url: `${SITE}api/passkeys/finish`, method: 'POST', status: 200, body: '{"ok":true,"user":{"name":"qa1"}}' }],
        },
      }),
      probe({ control: { selector: '[aria-label="Log out"]', how: 'label', name: 'Log out' }, intent: 'sign-out', result: { url: `${SITE}`, responses: [] } }),
    ],
  };

  it('validates, marks the guesses and names what was not found', () => {
    const draft = draftProfile(crawl);
    const text = draftYaml(draft);
    const profile = validateProfile(parseYaml(text), 'draft.yaml');
    expect(profile.passkey).toEqual({ signUp: { url: '/login', fields: { '#user': '{email}' }, submit: '#register' }, signIn: { url: '/login', submit: 'div > button' } });
    // Nothing showed the username: the verification answer says who signed in.
    expect(profile.signedIn).toEqual({ response: { url: '/api/passkeys/finish$', body: '"name":\\s*"{username}"' } });
    // The answer's keys are quoted, never its values (a real site's answer may hold a token).
    expect(text).toContain('POST /api/passkeys/finish → { ok, user }');
    expect(text).not.toContain('"ok":true');
    expect(profile.status).toEqual({ selector: '[role="alert"]', failure: '^Oops' });
    expect(profile.signOut).toEqual({ submit: '[aria-label="Log out"]', success: { url: '/' } });
    expect(text).toMatch(/# TODO: the button that started a passkey sign-in "Use a passkey" has nothing stable[^\n]*\n\s+submit: div > button/);
    expect(text).toMatch(/^# Not found \(their checks are skipped until described\): password sign-in, authenticator app \(totp\), backup codes, security keys\.$/m);
  });
});

describe('the command line', () => {
  it('asks for --site, and says what it does with --help, before any browser starts', async () => {
    const missing = await runCli(['qa', 'init']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^--site <url> is required: the page to start from\n\nUsage: pairkey qa init --site <url>/);
    const help = await runCli(['qa', 'init', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('the buttons that start WebAuthn calls (the phone sees them through the extension)');
  });
});

describe('what the crawl may click (review finding 10)', () => {
  const origin = 'https://shop.example.com';
  it('skips unnamed controls, destructive or committing words, and links or forms that lead off the origin or to destructive paths', () => {
    expect(mayTry('Create account with a passkey', origin)).toBe(true);
    expect(mayTry('Sign in with a passkey', origin, `${origin}/login?next=%2Fhome`)).toBe(true);
    for (const name of ['', '   ', 'Submit', 'Save', 'Confirm', 'Checkout', 'Subscribe', 'Post', 'Delete account', 'Sign out']) expect(mayTry(name, origin), name).toBe(false);
    expect(mayTry('Docs', origin, 'https://evil.example/docs')).toBe(false);
    expect(mayTry('Settings', origin, `${origin}/account/delete`)).toBe(false);
    expect(mayTry('Go', origin, `${origin}/api/logout`)).toBe(false);
    expect(mayTry('Go', origin, 'not a url')).toBe(false);
  });

  it('refuses a click when the control was renamed since the scan, or its form or link leads to another origin', () => {
    const planned = { selector: '#go', how: 'id' as const, name: 'Try it' };
    const page = `${origin}/demo`;
    expect(refusedClick(planned, { name: 'Try it', target: `${origin}/demo`, href: null }, page)).toBeNull();
    expect(refusedClick(planned, { name: 'Delete everything', target: null, href: null }, page)).toMatch(/its name is now "Delete everything"/);
    expect(refusedClick(planned, { name: '', target: null, href: null }, page)).not.toBeNull();
    expect(refusedClick(planned, { name: 'Try it', target: 'https://evil.example/collect', href: null }, page)).toBe('it leads to another origin (https://evil.example)');
    expect(refusedClick(planned, { name: 'Try it', target: null, href: 'https://evil.example/' }, page)).toBe('it leads to another origin (https://evil.example)');
  });
});

describe('what --watch records (review finding 11)', () => {
  const origin = 'https://shop.example.com';
  const click = {
    url: `${origin}/login`,
    title: 'Shop',
    link: false,
    control: { selector: '#go', how: 'id', name: 'Sign in' },
    form: { selector: 'form', how: 'form', name: '', fields: [{ selector: '#user', how: 'id', name: 'Username', kind: 'username' }], submit: null },
    values: { '#user': 'alice' },
  };
  it("records the top frame's clicks on the start origin, in the recorder's shape only", () => {
    expect(recordable(true, `${origin}/login`, origin, click)).toBe(true);
    expect(recordable(false, `${origin}/frame`, origin, click)).toBe(false);
    expect(recordable(true, 'https://ads.example/x', origin, click)).toBe(false);
    expect(recordable(true, `${origin}/login`, origin, { ...click, control: { selector: '#go', how: 'xpath', name: 'Sign in' } })).toBe(false);
    expect(recordable(true, `${origin}/login`, origin, { ...click, values: { '#user': 42 } })).toBe(false);
    expect(recordable(true, `${origin}/login`, origin, 'click')).toBe(false);
  });
});
