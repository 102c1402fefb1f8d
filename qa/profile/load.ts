// Reads a site profile from JSON or YAML and validates it, so a typo fails before any browser
// starts, with a message naming the field.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { mailboxUrlProblem } from '../mailbox/mailbox.ts';
import { ProfileSchema, type GivenAccountSpec, type MarkerSpec, type Profile } from './schema.ts';

export class ProfileError extends Error {
  override name = 'ProfileError';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`Invalid profile ${file}:\n  - ${problems.join('\n  - ')}`);
  }
}

/** `/signIn/password/submit` → `signIn.password.submit`; record keys are quoted. */
export function fieldName(pointer: string): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (parts.length === 0) return '(the whole profile)';
  return parts.map((p, i) => (/^[A-Za-z_][\w]*$/.test(p) ? (i === 0 ? p : `.${p}`) : /^\d+$/.test(p) ? `[${p}]` : `[${JSON.stringify(p)}]`)).join('');
}

function parseText(file: string, text: string): unknown {
  const ext = extname(file).toLowerCase();
  try {
    return ext === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ProfileError(file, [`not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${error instanceof Error ? error.message : String(error)}`]);
  }
}

/** Every marker in the profile with its field name, for the checks the schema cannot express. */
function* markers(value: unknown, path: string): Generator<[string, MarkerSpec]> {
  if (typeof value !== 'object' || value === null) return;
  for (const [key, child] of Object.entries(value)) {
    const childPath = path ? `${path}.${key}` : key;
    if (['success', 'signedIn', 'secondFactor', 'twoFactorOn'].includes(key)) yield [childPath, child as MarkerSpec];
    else if (key !== 'fields' && key !== 'select') yield* markers(child, childPath);
  }
}

function* patterns(value: unknown, path: string): Generator<[string, string]> {
  if (typeof value !== 'object' || value === null) return;
  for (const [key, child] of Object.entries(value)) {
    const childPath = path ? `${path}.${key}` : key;
    const pattern =
      ['text', 'failure', 'lockout', 'link'].includes(key) ||
      ((key === 'url' || key === 'body') && path.endsWith('response')) ||
      (key === 'email' && path === 'passwordReset');
    if (typeof child === 'string' && pattern) yield [childPath, child];
    // Given accounts hold values, not patterns; fields and select hold templates.
    else if (key !== 'fields' && key !== 'select' && key !== 'accounts') yield* patterns(child, childPath);
  }
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export interface LoadOptions {
  /** Accounts are given from outside the profile (--accounts, PAIRKEY_QA_ACCOUNTS): no sign-up needed. */
  givenAccounts?: boolean;
}

/** Checks beyond the schema: markers say something, patterns compile, URLs are http(s). */
function semanticProblems(profile: Profile, options: LoadOptions): string[] {
  const problems: string[] = [];
  for (const [path, marker] of markers(profile, '')) {
    if (!marker.url && !marker.selector && !marker.response) problems.push(`profile field "${path}": needs a url, a selector or a response`);
    if (marker.text !== undefined && !marker.selector) problems.push(`profile field "${path}.text": needs a selector to read the text from`);
  }
  for (const [path, source] of patterns(profile, '')) {
    try {
      new RegExp(source.replace(/\{[a-zA-Z]+\}/g, 'x'));
    } catch (error) {
      problems.push(`profile field "${path}": not a valid regular expression (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  if (!profile.signUp && !profile.passkey?.signUp && !profile.accounts && !options.givenAccounts) {
    problems.push('profile: needs a way to get test accounts: "signUp" (a form), "passkey.signUp" (a passkey-only site), or given accounts ("accounts", --accounts FILE or PAIRKEY_QA_ACCOUNTS)');
  }
  problems.push(...givenAccountProblems(profile.accounts ?? [], 'profile field "accounts'));
  if (profile.verifyEmail && !profile.verifyEmail.outbox && !profile.mailbox) problems.push('profile field "verifyEmail": needs "outbox" or the profile\'s "mailbox" to read the link from');
  if (profile.passwordReset && !profile.mailbox) problems.push('profile field "passwordReset": needs the profile\'s "mailbox" to read the email from');
  const mailboxProblem = profile.mailbox ? mailboxUrlProblem(profile.mailbox.url) : null;
  if (mailboxProblem) problems.push(`profile field "mailbox.url": ${mailboxProblem}`);
  if (profile.site !== undefined && !isHttpUrl(profile.site)) problems.push(`profile field "site": must be an http(s) URL (got "${profile.site}")`);
  const sibling = profile.webauthn?.siblingOrigin;
  if (sibling !== undefined && !isHttpUrl(sibling)) problems.push(`profile field "webauthn.siblingOrigin": must be an http(s) URL (got "${sibling}")`);
  return problems;
}

/** What the schema cannot say about given accounts; `field` is the start of each problem's field name. */
export function givenAccountProblems(accounts: readonly GivenAccountSpec[], field: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [i, account] of accounts.entries()) {
    if (account.state === 'totp-enrolled' && account.totpSecret === undefined) problems.push(`${field}[${i}].totpSecret": a totp-enrolled account needs its authenticator app's secret`);
    if (seen.has(account.username.toLowerCase())) problems.push(`${field}[${i}].username": "${account.username}" is given twice`);
    seen.add(account.username.toLowerCase());
  }
  return problems;
}

/** Validates an already parsed profile; `file` names it in errors. */
export function validateProfile(value: unknown, file: string, options: LoadOptions = {}): Profile {
  if (!Value.Check(ProfileSchema, value)) {
    const problems = [...Value.Errors(ProfileSchema, value)].map((e) => `profile field "${fieldName(e.path)}": ${e.message}`);
    // One message per field: TypeBox may report a missing object twice (required, then type).
    throw new ProfileError(file, [...new Set(problems)]);
  }
  const problems = semanticProblems(value, options);
  if (problems.length > 0) throw new ProfileError(file, problems);
  return value;
}

export function loadProfile(file: string, options: LoadOptions = {}): Profile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ProfileError(file, [`cannot be read: ${error instanceof Error ? error.message : String(error)}`]);
  }
  return validateProfile(parseText(file, text), file, options);
}
