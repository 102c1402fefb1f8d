// Given accounts (issue 17): read from a file, the environment or the profile, secrets from the
// file or environment variables and never in an error message; the pool gives each check an
// account in a state it can start from, one check at a time, and says why when it cannot.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHECKS } from '../../qa/checks/index.ts';
import { AccountPool } from '../../qa/checks/support/given-accounts.ts';
import type { AccountUse } from '../../qa/checks/types.ts';
import { AccountsError, givenAccountSpecs, resolveAccounts } from '../../qa/profile/accounts.ts';
import { loadProfile, ProfileError } from '../../qa/profile/load.ts';
import { BUNDLED_PROFILE, tempDir, writeProfile } from './cli-harness.ts';

const dir = tempDir('accounts');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = 'hunter2-very-secret';
const TOTP = 'JBSWY3DPEHPK3PXP';

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function problems(action: () => unknown): string[] {
  try {
    action();
  } catch (error) {
    if (error instanceof AccountsError || error instanceof ProfileError) return error.problems;
    throw error;
  }
  throw new Error('accepted');
}

describe('reading given accounts', () => {
  it('reads a YAML file, a JSON list in PAIRKEY_QA_ACCOUNTS, and secrets from the environment', () => {
    const yaml = file('accounts.yaml', `accounts:\n  - { username: alice, email: alice@example.com, password: ${SECRET}, state: password-only }\n  - { username: bob@example.com, password: { env: QA_BOB_PASSWORD }, state: totp-enrolled, totpSecret: { env: QA_BOB_TOTP } }\n`);
    const env = { QA_BOB_PASSWORD: 'bobs-password', QA_BOB_TOTP: TOTP };
    const fromFile = givenAccountSpecs(yaml, env, undefined)!;
    expect(fromFile.source).toBe(yaml);
    expect(resolveAccounts(fromFile.specs, env, fromFile.source)).toEqual([
      { username: 'alice', email: 'alice@example.com', password: SECRET, state: 'password-only', otpauth: null },
      { username: 'bob@example.com', email: 'bob@example.com', password: 'bobs-password', state: 'totp-enrolled', otpauth: `otpauth://totp/QA%3Abob%40example.com?secret=${TOTP}&issuer=QA` },
    ]);
    // The variable holds the list itself (a CI secret), or the path of a file.
    const inline = givenAccountSpecs(undefined, { PAIRKEY_QA_ACCOUNTS: JSON.stringify([{ username: 'carol', password: SECRET, state: 'password-only' }]) }, undefined)!;
    expect(inline.source).toBe('PAIRKEY_QA_ACCOUNTS');
    expect(inline.specs.map((a) => a.username)).toEqual(['carol']);
    expect(givenAccountSpecs(undefined, { PAIRKEY_QA_ACCOUNTS: yaml }, undefined)!.specs).toHaveLength(2);
    // --accounts wins over the variable, which wins over the profile.
    expect(givenAccountSpecs(yaml, { PAIRKEY_QA_ACCOUNTS: '[]' }, undefined)!.source).toBe(yaml);
    expect(givenAccountSpecs(undefined, {}, [{ username: 'dan', password: { env: 'X' }, state: 'password-only' }])!.source).toBe("the profile's accounts");
    expect(givenAccountSpecs(undefined, {}, undefined)).toBeNull();
  });

  it('refuses bad accounts naming fields and variables, never quoting a secret', () => {
    const syntax = problems(() => givenAccountSpecs(file('broken.yaml', `- username: alice\n  password: "${SECRET}\n  state: password-only\n`), {}, undefined));
    expect(syntax).toEqual([expect.stringMatching(/^not valid YAML or JSON( \(line \d+\))?$/)]);
    const shape = problems(() => givenAccountSpecs(file('bad.yaml', `- { username: alice, password: ${SECRET}, state: admin }\n`), {}, undefined));
    expect(shape.length).toBeGreaterThan(0);
    for (const problem of shape) expect(problem).toMatch(/^accounts field "accounts\[0\]\.state": /);
    expect(problems(() => givenAccountSpecs(file('no-totp.yaml', '- { username: bob, password: x, state: totp-enrolled }\n'), {}, undefined))).toEqual([
      'accounts field "accounts[0].totpSecret": a totp-enrolled account needs its authenticator app\'s secret',
    ]);
    const twice = JSON.stringify([{ username: 'eve', password: SECRET, state: 'password-only' }, { username: 'EVE', password: SECRET, state: 'password-only' }]);
    expect(problems(() => givenAccountSpecs(file('twice.json', twice), {}, undefined))).toEqual(['accounts field "accounts[1].username": "EVE" is given twice']);
    const unset = problems(() => resolveAccounts([{ username: 'frank', password: { env: 'QA_FRANK_PASSWORD' }, state: 'password-only' }], {}, 'accounts.yaml'));
    expect(unset).toEqual(['accounts[0] (frank).password: the environment variable QA_FRANK_PASSWORD is not set']);
    expect([...syntax, ...shape].join('\n')).not.toContain(SECRET);
  });

  it('refuses an authenticator secret it cannot use naming the field, never quoting the secret (review finding 6)', () => {
    const bad = [
      `OTPAUTH://TOTP?secret=${TOTP}`, // no label: @otplib/uri throws a message quoting the URI
      `otpauth://totp?secret=${TOTP}`,
      `otpauth://totp/x?secret=${SECRET}`, // not base32
      `otpauth://hotp/x?secret=${TOTP}&counter=1`,
      `${SECRET}!`, // a bare value that is not base32
    ];
    for (const value of bad) {
      const found = problems(() => resolveAccounts([{ username: 'gina', password: 'x', state: 'totp-enrolled', totpSecret: { env: 'QA_GINA_TOTP' } }], { QA_GINA_TOTP: value }, 'accounts.yaml'));
      expect(found).toEqual([expect.stringMatching(/^accounts\[0\] \(gina\)\.totpSecret: is neither /)]);
      expect(found.join('\n')).not.toContain(TOTP);
      expect(found.join('\n')).not.toContain(SECRET);
    }
    // Upper-case scheme with a label is fine (and normalised for the parser).
    const upper = resolveAccounts([{ username: 'gina', password: 'x', state: 'totp-enrolled', totpSecret: `OTPAUTH://totp/QA:gina?secret=${TOTP}` }], {}, 'accounts.yaml');
    expect(upper[0]!.otpauth).toBe(`otpauth://totp/QA:gina?secret=${TOTP}`);
    expect(() => new AccountPool(upper)).not.toThrow();
  });

  it('never echoes PAIRKEY_QA_ACCOUNTS when it is neither a file nor a list (review finding 7)', () => {
    const value = `- {username: a, password: ${SECRET}, state: password-only}`;
    let caught: unknown;
    try {
      givenAccountSpecs(undefined, { PAIRKEY_QA_ACCOUNTS: value }, undefined);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AccountsError);
    const error = caught as AccountsError;
    expect(error.source).toBe('PAIRKEY_QA_ACCOUNTS');
    expect(error.problems).toEqual(['is neither a readable file nor a list of accounts']);
    expect(`${error.message} ${error.source}`).not.toContain(SECRET);
    // An --accounts path that cannot be read is named (it is the person's own argument), with the code only.
    expect(problems(() => givenAccountSpecs(join(dir, 'missing.yaml'), {}, undefined))).toEqual(['cannot be read (ENOENT)']);
  });

  it('lets a profile without sign-up load when accounts are given, and only then', () => {
    const noSignUp = writeProfile(dir, (p) => {
      delete p.signUp;
      delete p.verifyEmail;
    }, 'no-signup.yaml');
    expect(problems(() => loadProfile(noSignUp))).toEqual([
      'profile: needs a way to get test accounts: "signUp" (a form), "passkey.signUp" (a passkey-only site), or given accounts ("accounts", --accounts FILE or PAIRKEY_QA_ACCOUNTS)',
    ]);
    expect(loadProfile(noSignUp, { givenAccounts: true }).signUp).toBeUndefined();
    const withAccounts = writeProfile(dir, (p) => {
      delete p.signUp;
      p.accounts = [{ username: 'alice', password: { env: 'QA_ALICE_PASSWORD' }, state: 'password-only' }];
    }, 'with-accounts.yaml');
    expect(loadProfile(withAccounts).accounts).toHaveLength(1);
  });
});

describe('the pool', () => {
  const accounts = resolveAccounts(
    [
      { username: 'alice', password: SECRET, state: 'password-only' },
      { username: 'bob', password: SECRET, state: 'totp-enrolled', totpSecret: TOTP },
    ],
    {},
    'accounts.yaml',
  );
  const use = (from: AccountUse['from'], leaves: AccountUse['leaves']): AccountUse => ({ from, leaves, changes: 'test' });

  it('gives an account in the first state that has one, to one check at a time, and follows what checks leave', () => {
    const pool = new AccountPool(accounts);
    const addPasskey = use(['password-only'], 'passkey-registered');
    const first = pool.reserve('passkey-sign-in', addPasskey)!;
    expect(first.account.username).toBe('alice');
    // Held: no other check gets alice, even in a state she is in.
    expect(pool.reserve('other', use(['password-only'], 'password-only'))).toBeNull();
    expect(pool.refusal(use(['password-only'], 'password-only'), 'accounts.yaml')).toBe(
      'needs a given account that is password-only; accounts.yaml offers alice (password-only, in use by passkey-sign-in), bob (totp-enrolled)',
    );
    pool.release(first, 'passkey-sign-in', true);
    expect(first.account.holdsPasskey).toBe(true);
    const replay = pool.reserve('totp-replay', use(['totp-enrolled', 'password-only'], 'totp-enrolled'))!;
    expect([replay.account.username, replay.state, replay.account.otpauth]).toEqual(['bob', 'totp-enrolled', expect.stringContaining(`secret=${TOTP}`)]);
    // A check that fails leaves the account in a state nobody knows: used up.
    pool.release(replay, 'totp-replay', false);
    expect(pool.refusal(use(['password-only', 'totp-enrolled'], 'spent'), 'accounts.yaml')).toBe(
      'needs a given account that is password-only or totp-enrolled; accounts.yaml offers alice (passkey-registered), bob (used up by totp-replay)',
    );
    expect(pool.reserve('user-verification', use(['passkey-registered', 'password-only'], 'passkey-registered'))!.account.username).toBe('alice');
    expect(pool.summary()).toEqual(['alice: passkey-sign-in → passkey-registered', 'bob: totp-replay → used up']);
  });

  it('every check declares how it uses an account, from the states given accounts can reach', () => {
    const profile = loadProfile(BUNDLED_PROFILE);
    const states = ['password-only', 'totp-enrolled', 'passkey-registered', 'security-key-registered'];
    for (const check of CHECKS) {
      const declared = check.account(profile);
      expect(declared, check.id).not.toBeNull();
      expect(declared!.from.length, check.id).toBeGreaterThan(0);
      for (const state of declared!.from) expect(states, check.id).toContain(state);
      expect([...states, 'spent'], check.id).toContain(declared!.leaves);
    }
  });
});
