// Reading the site's emails to a test account from a mailbox API: Mailpit's HTTP API, or any
// JSON list of messages (the bundled relying party's development outbox is one). A check takes
// a snapshot of the account's messages before the action that sends mail, then waits for a new
// one (see wait.ts).
import type { MailboxSpec } from '../profile/schema.ts';
import { jsonMailbox } from './json.ts';
import { mailpitMailbox } from './mailpit.ts';

/** One message as listed; its body may need another request. */
export interface MailSummary {
  readonly id: string;
  /** The recipients' addresses, lower case; empty when the listing does not say. */
  readonly to: readonly string[];
}

export interface Mailbox {
  /** For messages: where the mail is read (the API's base, never its credentials). */
  readonly where: string;
  /** The messages to `address`, in the order the API lists them. */
  list(address: string): Promise<MailSummary[]>;
  /** A message's text (plain text and HTML together). */
  body(message: MailSummary): Promise<string>;
}

export type Env = Readonly<Record<string, string | undefined>>;

export class MailboxError extends Error {
  override name = 'MailboxError';
}

/** Header values from the profile: literal, or read from the environment. */
export function mailboxHeaders(spec: MailboxSpec, env: Env): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json' };
  for (const [name, value] of Object.entries(spec.headers ?? {})) {
    if (typeof value === 'string') headers[name] = value;
    else {
      const found = env[value.env];
      if (!found) throw new MailboxError(`The mailbox header ${name} names the environment variable ${value.env}, which is not set`);
      headers[name] = found;
    }
  }
  return headers;
}

/**
 * Why a profile's mailbox `url` cannot be used, or null: an http(s) URL without credentials in it
 * (fetch would refuse it with an error quoting them; they belong in `headers`), or a path on the
 * site — `//host/x` (or `/\\host/x`) is another host, where the headers' secrets would go.
 */
export function mailboxUrlProblem(text: string): string | null {
  if (text.startsWith('/')) return /^\/[/\\]/.test(text) ? 'must be an http(s) URL or a path on the site, not //host/…' : null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an http(s) URL or a path on the site';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http(s) URL or a path on the site';
  if (url.username !== '' || url.password !== '') return 'must not hold a user name or password (put credentials in "headers")';
  return null;
}

/**
 * GET `url` as JSON; a failure is a sentence naming the URL (without any query, which may name
 * the account). Redirects are refused: the headers (credentials) must reach only the mailbox.
 */
export async function getJson(url: URL, headers: Record<string, string>): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { headers, redirect: 'error' });
  } catch (error) {
    // Not fetch's own text: it may quote the request. Its cause's code (ECONNREFUSED…) is enough.
    const code = (error as { cause?: { code?: unknown } }).cause?.code;
    const why = typeof code === 'string' && /^[A-Z_]+$/.test(code) ? ` (${code})` : ' (no answer, or it answered with a redirect, which is refused)';
    throw new MailboxError(`The mailbox at ${url.origin}${url.pathname} could not be reached${why}`);
  }
  if (!response.ok) throw new MailboxError(`The mailbox at ${url.origin}${url.pathname} answered ${response.status}`);
  try {
    return await response.json();
  } catch {
    throw new MailboxError(`The mailbox at ${url.origin}${url.pathname} did not answer JSON`);
  }
}

/** The mailbox a profile describes; a relative `url` is on the site. */
export function openMailbox(spec: MailboxSpec, site: URL, env: Env = process.env): Mailbox {
  const problem = mailboxUrlProblem(spec.url);
  if (problem) throw new MailboxError(`The mailbox URL ${problem}`);
  const headers = mailboxHeaders(spec, env);
  return spec.kind === 'mailpit' ? mailpitMailbox(new URL(spec.url, site), headers) : jsonMailbox(spec, site, headers);
}
