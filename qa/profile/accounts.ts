// Given accounts: existing accounts on the site under test (a staging site with seeded users),
// from the profile's `accounts`, an accounts file (--accounts FILE) or PAIRKEY_QA_ACCOUNTS (a
// file's path, or the YAML/JSON itself, e.g. a CI secret). Secrets are resolved here, from the
// file or the environment, and are never part of an error message: a YAML error names the line,
// not the text around it.
import { readFileSync } from 'node:fs';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseOtpauth } from '@otplib/uri';
import { parse as parseYaml } from 'yaml';
import { fieldName, givenAccountProblems } from './load.ts';
import { GivenAccount, type GivenAccountSpec, type GivenAccountState, type SecretSpec } from './schema.ts';

/** An accounts file: a list of accounts, or `{ accounts: [...] }`. */
const AccountsFile = Type.Union([
  Type.Array(GivenAccount, { minItems: 1 }),
  Type.Object({ accounts: Type.Array(GivenAccount, { minItems: 1 }) }, { additionalProperties: false }),
]);

/** A given account with its secrets read. */
export interface ResolvedAccount {
  readonly username: string;
  readonly email: string;
  readonly password: string;
  readonly state: GivenAccountState;
  /** The authenticator app as an otpauth:// URI (a bare base32 secret is SHA-1, 6 digits, 30 s). */
  readonly otpauth: string | null;
}

export type Env = Readonly<Record<string, string | undefined>>;

export class AccountsError extends Error {
  override name = 'AccountsError';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`Invalid given accounts (${source}):\n  - ${problems.join('\n  - ')}`);
  }
}

function parseAccountsText(source: string, text: string): unknown {
  try {
    return source.endsWith('.json') || /^\s*[[{]/.test(text) ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    // Never the parser's message: it quotes the text, which holds passwords.
    const line = (error as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw new AccountsError(source, [`not valid ${source.endsWith('.json') ? 'JSON' : 'YAML or JSON'}${line ? ` (line ${line})` : ''}`]);
  }
}

/** Validates a parsed accounts file or variable; `source` names it in errors. */
export function validateAccounts(value: unknown, source: string): GivenAccountSpec[] {
  if (!Value.Check(AccountsFile, value)) {
    const list = Array.isArray(value) ? value : (value as { accounts?: unknown } | null)?.accounts;
    const schema = Type.Array(GivenAccount, { minItems: 1 });
    const problems = Array.isArray(list)
      ? [...Value.Errors(schema, list)].map((e) => `accounts field "${fieldName(`/accounts${e.path}`)}": ${e.message}`)
      : ['must be a list of accounts, or { accounts: [...] }'];
    throw new AccountsError(source, [...new Set(problems)]);
  }
  const accounts = Array.isArray(value) ? value : value.accounts;
  const problems = givenAccountProblems(accounts, 'accounts field "accounts');
  if (problems.length > 0) throw new AccountsError(source, problems);
  return accounts;
}

/**
 * The given accounts of a run: --accounts FILE, else PAIRKEY_QA_ACCOUNTS (a path, or the list
 * itself when it starts with `[`, `{` or holds a line break), else the profile's; null for none.
 */
export function givenAccountSpecs(file: string | undefined, env: Env, fromProfile: readonly GivenAccountSpec[] | undefined): { specs: GivenAccountSpec[]; source: string } | null {
  const variable = env.PAIRKEY_QA_ACCOUNTS;
  if (file === undefined && variable !== undefined && variable.trim() !== '' && (/^\s*[[{]/.test(variable) || variable.includes('\n'))) {
    return { specs: validateAccounts(parseAccountsText('PAIRKEY_QA_ACCOUNTS', variable), 'PAIRKEY_QA_ACCOUNTS'), source: 'PAIRKEY_QA_ACCOUNTS' };
  }
  const path = file ?? (variable?.trim() || undefined);
  if (path !== undefined) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      // The variable may hold the accounts themselves (a one-line YAML list is not told apart
      // from a path): never echo it, nor the file system's message, which quotes it.
      if (file === undefined) throw new AccountsError('PAIRKEY_QA_ACCOUNTS', ['is neither a readable file nor a list of accounts']);
      const code = (error as NodeJS.ErrnoException).code;
      throw new AccountsError(path, [`cannot be read${code ? ` (${code})` : ''}`]);
    }
    return { specs: validateAccounts(parseAccountsText(path, text), path), source: path };
  }
  return fromProfile ? { specs: [...fromProfile], source: 'the profile\'s accounts' } : null;
}

function secret(value: SecretSpec, env: Env, field: string, problems: string[]): string {
  if (typeof value === 'string') return value;
  const found = env[value.env];
  if (found === undefined || found === '') problems.push(`${field}: the environment variable ${value.env} is not set`);
  return found ?? '';
}

const BASE32 = /^[A-Z2-7]+=*$/;

/**
 * The authenticator app as the otpauth:// URI it would scan: a bare base32 secret becomes one
 * (SHA-1, 6 digits, 30 s). Null when the value is neither a parseable otpauth:// URI with a
 * base32 secret nor a base32 secret: the caller names the field. The parser's own message quotes
 * the whole URI, secret included, so it is never passed on.
 */
function otpauthOf(totp: string, username: string): string | null {
  let uri = totp.trim();
  if (/^otpauth:\/\//i.test(uri)) uri = `otpauth://${uri.slice('otpauth://'.length)}`;
  else {
    const base32 = uri.replace(/[\s-]/g, '').toUpperCase();
    if (!BASE32.test(base32)) return null;
    uri = `otpauth://totp/${encodeURIComponent(`QA:${username}`)}?secret=${base32}&issuer=QA`;
  }
  try {
    const { type, params } = parseOtpauth(uri);
    return type === 'totp' && BASE32.test(params.secret.toUpperCase()) ? uri : null;
  } catch {
    return null;
  }
}

/** Reads every secret (from the value or the environment); problems name fields and variables only. */
export function resolveAccounts(specs: readonly GivenAccountSpec[], env: Env, source: string): ResolvedAccount[] {
  const problems: string[] = [];
  const accounts = specs.map((spec, i): ResolvedAccount => {
    const field = `accounts[${i}] (${spec.username})`;
    const totp = spec.totpSecret === undefined ? null : secret(spec.totpSecret, env, `${field}.totpSecret`, problems);
    const otpauth = totp ? otpauthOf(totp, spec.username) : null;
    if (totp && otpauth === null) problems.push(`${field}.totpSecret: is neither an otpauth://totp/ URI with a label and a base32 secret nor a base32 secret`);
    return {
      username: spec.username,
      email: spec.email ?? (spec.username.includes('@') ? spec.username : ''),
      password: secret(spec.password, env, `${field}.password`, problems),
      state: spec.state,
      otpauth,
    };
  });
  if (problems.length > 0) throw new AccountsError(source, problems);
  return accounts;
}
