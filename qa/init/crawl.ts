// The headless crawl of `pairkey qa init`: scan the start page and the same-origin pages it links
// to (one level), then use what looks safe the way a person trying the site would, with the
// paired phone answering through the extension:
//   1. every visible button outside a password form (except sign-out and anything that sounds
//      destructive) is clicked once with the phone set to DENY: a button that starts a WebAuthn
//      call shows up as a request on the phone, and the page's reaction is the site's failure text;
//   2. an account is created: with the button that registered a passkey (phone approves), else
//      with a password sign-up form (a generated username, email and password);
//   3. signed in, the sign-out button is used; then the passkey sign-in button (phone approves) and
//      the password sign-in form, each with the new account, and signed out again.
// Forms and buttons that sound destructive (delete, remove, disable, reset, pay…) are never used.
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import type { ButtonFinding, Crawl, FieldKind, FormFinding, Intent, PageScan, Probe } from './findings.ts';
import { SCAN } from './page-scripts.ts';
import { probeClick, type Answer, type PhoneWatch } from './probe.ts';

const SIGN_OUT = /\b(sign|log)\s*-?\s*(out|off)\b/i;
const SIGN_UP = /\b(sign\s*-?\s*up|register|create|join|get started|new account|enrol)/i;
const SIGN_IN = /\b(sign\s*-?\s*in|log\s*-?\s*in|continue|authenticate|use (a |your )?(passkey|security key))/i;
/** Never clicked by the crawl: the site's data or the person's money could suffer. */
export const DESTRUCTIVE = /\b(delete|remove|disable|revoke|reset|cancel|unsubscribe|deactivate|close (my |your )?account|pay|buy|purchase|order|checkout|check out|transfer|send|regenerate|forgot|recover|lost|unpair|decline|leave|erase|wipe|destroy|terminate)\b/i;
/**
 * Not tried by the crawl either: these commit something (a post, a setting, a subscription) that
 * a person choosing to use them in --watch means, but a crawl clicking blindly does not.
 */
const COMMITS = /\b(submit|save|confirm|checkout|subscribe|post|publish|update|change|donate|approve|accept|archive|block|report|invite|share|upload)\b/i;

/**
 * Whether step 1 may click a control (or the crawl follow a link): it has a name (an unnamed or
 * icon-only control could do anything), the name sounds neither destructive nor like signing
 * out, and a URL it leads to (a link, or its form's action) is on `origin` and its path sounds
 * harmless too.
 */
export function mayTry(name: string, origin: string, url: string | null = null): boolean {
  if (name.trim() === '' || SIGN_OUT.test(name) || DESTRUCTIVE.test(name) || COMMITS.test(name)) return false;
  if (url === null) return true;
  let to: URL;
  try {
    to = new URL(url);
  } catch {
    return false;
  }
  const words = decodeURIComponent(to.pathname + to.search).replace(/[/_\-.?&=]+/g, ' ');
  return to.origin === origin && !SIGN_OUT.test(words) && !DESTRUCTIVE.test(words) && !COMMITS.test(words);
}

/** Storage a click could have left behind: cookies and this origin's web storage. */
async function forget(page: Page): Promise<void> {
  await page.context().clearCookies();
  // A string, as the page scripts are (tsx's transform may add helpers the page lacks).
  await page.evaluate('localStorage.clear(); sessionStorage.clear()').catch(() => undefined);
}

/** At most this many linked pages are scanned besides the start page. */
const MAX_LINKED_PAGES = 8;

export function intentOf(name: string, form: FormFinding | null): Intent {
  if (SIGN_OUT.test(name)) return 'sign-out';
  if (form?.fields.some((f) => f.kind === 'new-password')) return 'sign-up';
  if (SIGN_UP.test(name)) return 'sign-up';
  if (SIGN_IN.test(name)) return 'sign-in';
  return 'other';
}

export interface Account {
  username: string;
  email: string;
  password: string;
}

export function newAccount(): Account {
  const username = `qa${randomBytes(5).toString('hex')}`;
  return { username, email: `${username}@example.com`, password: randomBytes(12).toString('base64url') };
}

/** What to type into each field of a form for `account` (fields of unknown use get the username). */
export function valuesFor(form: FormFinding | null, account: Account): Record<string, string> {
  const typed: Record<string, string> = {};
  const value: Record<FieldKind, string | null> = {
    username: account.username,
    email: account.email,
    password: account.password,
    'new-password': account.password,
    text: account.username,
    otp: null,
    choice: null,
  };
  for (const field of form?.fields ?? []) {
    const v = value[field.kind];
    if (v !== null) typed[field.selector] = v;
  }
  return typed;
}

const hasPassword = (form: FormFinding | null) => !!form?.fields.some((f) => f.kind === 'password' || f.kind === 'new-password');

async function scan(page: Page, url: string | null): Promise<PageScan> {
  if (url !== null) await page.goto(url, { waitUntil: 'load' });
  return page.evaluate<PageScan>(SCAN);
}

export interface CrawlOptions {
  start: URL;
  page: Page;
  watch: PhoneWatch;
  log: (line: string) => void;
}

export async function crawl({ start, page, watch, log }: CrawlOptions): Promise<Crawl> {
  const probes: Probe[] = [];
  log(`Scanning ${start.href}`);
  const first = await scan(page, start.href);
  // A start page that redirects elsewhere would have the crawl act on another site.
  if (new URL(first.url).origin !== start.origin) throw new Error(`the start page went to ${new URL(first.url).origin}, another origin; give that as --site if it is the site to draft`);
  const pages: PageScan[] = [first];
  const linked = [...new Set(pages[0]!.links.filter((l) => mayTry(l.name, start.origin, l.href)).map((l) => l.href))]
    .filter((href) => href !== start.href.split('#')[0])
    .slice(0, MAX_LINKED_PAGES);
  for (const href of linked) {
    try {
      const scanned = await scan(page, href);
      if (new URL(scanned.url).origin !== start.origin) {
        log(`Not scanned: ${new URL(href).pathname} went to another origin`);
        continue;
      }
      if (scanned.url.split('#')[0] !== href && pages.some((p) => p.url === scanned.url)) continue;
      pages.push(scanned);
      log(`Scanned ${href}: ${scanned.forms.length} forms, ${scanned.buttons.length} buttons`);
    } catch (error) {
      log(`Could not scan ${href}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  const use = async (pageUrl: string | null, button: ButtonFinding | { selector: string; how: ButtonFinding['how']; name: string }, form: FormFinding | null, answer: Answer, account: Account | null, trying = false): Promise<Probe> => {
    const typed = account ? valuesFor(form, account) : {};
    const on = pageUrl ?? page.url();
    const allowed = trying ? (name: string, url: string | null) => mayTry(name, start.origin, url) : undefined;
    const result = await probeClick(page, watch, pageUrl, { fill: typed, click: button, answer, username: account?.username ?? null, ...(allowed ? { allowed } : {}) });
    const probe: Probe = {
      page: on,
      control: { selector: button.selector, how: button.how, name: button.name },
      form,
      intent: intentOf(button.name, form),
      answer,
      typed,
      username: account?.username ?? null,
      result,
    };
    probes.push(probe);
    const what = result.webauthn ? `a WebAuthn ${result.webauthn.kind} reached the phone (${answer === 'approve' ? 'approved' : 'denied'})` : 'no WebAuthn call';
    log(`Clicked "${button.name}" on ${new URL(probe.page).pathname}: ${what}`);
    return probe;
  };

  // 1. Which buttons start WebAuthn calls: each once, the phone denying.
  const tried = new Set<string>();
  for (const scanned of pages) {
    for (const button of scanned.buttons) {
      const form = button.form === null ? null : (scanned.forms[button.form] ?? null);
      const key = `${button.selector}\u0000${button.name}`;
      if (tried.has(key) || !mayTry(button.name, start.origin) || hasPassword(form)) continue;
      tried.add(key);
      try {
        // Each try starts signed out and with nothing stored, so no click builds on another's.
        await forget(page);
        await use(scanned.url, button, form, 'deny', newAccount(), true);
      } catch (error) {
        log(`Could not use "${button.name}" on ${scanned.url}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  const webauthn = (kind: 'registration' | 'sign-in') => probes.find((p) => p.result.webauthn?.kind === kind && p.answer === 'deny');

  // 2. An account: by registering a passkey, else through a password sign-up form.
  await forget(page);
  const account = newAccount();
  let signedUp: Probe | null = null;
  const registration = webauthn('registration');
  if (registration) {
    signedUp = await use(registration.page, registration.control as ButtonFinding, registration.form, 'approve', account).catch(() => null);
  } else {
    const signUpForm = pages.flatMap((p) => p.forms.map((form) => ({ page: p.url, form }))).find(({ form }) => form.submit && hasPassword(form) && intentOf(form.submit.name, form) === 'sign-up');
    if (signUpForm) signedUp = await use(signUpForm.page, signUpForm.form.submit!, signUpForm.form, 'approve', account).catch(() => null);
  }

  const signOut = async () => {
    const here = await scan(page, null).catch(() => null);
    const button = here?.buttons.find((b) => SIGN_OUT.test(b.name));
    if (!button) return null;
    return use(null, button, null, 'deny', { ...account }).catch(() => null);
  };

  if (signedUp) {
    await signOut();
    // 3. Sign in again, with the passkey and with the password, signing out after each.
    const passkeySignIn = webauthn('sign-in');
    if (passkeySignIn && signedUp.result.webauthn?.kind === 'registration') {
      const signedIn = await use(passkeySignIn.page, passkeySignIn.control as ButtonFinding, passkeySignIn.form, 'approve', account).catch(() => null);
      if (signedIn) await signOut();
    }
    const signInForm = pages
      .flatMap((p) => p.forms.map((form) => ({ page: p.url, form })))
      .find(({ form }) => form.submit && form.fields.some((f) => f.kind === 'password') && intentOf(form.submit.name, form) !== 'sign-up');
    if (signInForm && !signedUp.result.webauthn) {
      const signedIn = await use(signInForm.page, signInForm.form.submit!, signInForm.form, 'approve', account).catch(() => null);
      if (signedIn) await signOut();
    }
  }
  return { start: start.href, title: pages[0]!.title, pages, probes, mode: 'crawl' };
}
