// From what the crawl (or a person, with --watch) saw to a draft profile: which button registered
// a passkey and which signed in with one, the forms, where the site writes results, what "signed
// in" looks like, and the requests that verify. Every guess gets a TODO comment for the person who
// edits the draft; a flow that was not found is named in the header (its checks will be skipped).
import type { FormSpec, MarkerSpec, Profile } from '../profile/schema.ts';
import type { Crawl, FormFinding, Located, Probe, SeenResponse } from './findings.ts';

export interface DraftComment {
  /** Path of the profile field the comment goes above. */
  path: string[];
  text: string;
}

export interface Draft {
  profile: Profile;
  comments: DraftComment[];
  /** Lines for the top of the file. */
  header: string[];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A pattern for `text` with the username in it replaced by {username}. */
export function textPattern(text: string, username: string | null): string {
  const parts = username ? text.split(username) : [text];
  return `^${parts.map(escapeRegExp).join('{username}')}$`;
}

/**
 * A failure pattern from a failure text the site showed: its opening words, up to the first
 * punctuation (the rest usually names the particular error).
 */
export function failurePattern(text: string): string {
  const opening = text.split(/[:(,.;!—–-]/)[0]!.trim().split(/\s+/).slice(0, 3).join(' ');
  return `^${escapeRegExp(opening || text.slice(0, 20))}`;
}

const pathOf = (url: string, site: URL) => {
  const u = new URL(url);
  return u.origin === site.origin ? `${u.pathname}${u.search}` : u.href;
};

/** The site's verification answer in a probe: a 2xx answer to a POST after the WebAuthn call. */
function verification(probe: Probe): SeenResponse | null {
  const posts = probe.result.responses.filter((r) => r.method !== 'GET' && r.status >= 200 && r.status < 300);
  return posts.find((r) => /verif|finish|complete|result/i.test(new URL(r.url).pathname)) ?? posts.at(-1) ?? null;
}

/** A body pattern for a JSON answer: the key holding the username, else a key that is true. */
function bodyPattern(body: string, username: string | null): string | null {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return null;
  }
  const entries: [string, unknown][] = [];
  const walk = (value: unknown) => {
    if (typeof value !== 'object' || value === null) return;
    for (const [key, child] of Object.entries(value)) {
      entries.push([key, child]);
      walk(child);
    }
  };
  walk(json);
  const named = username ? entries.find(([, v]) => v === username) : undefined;
  if (named) return `"${escapeRegExp(named[0])}":\\s*"{username}"`;
  const yes = entries.find(([k, v]) => v === true && /verif|ok|success|signed|valid/i.test(k)) ?? entries.find(([, v]) => v === true);
  return yes ? `"${escapeRegExp(yes[0])}":\\s*true` : null;
}

const urlPattern = (urls: string[]) => {
  const paths = [...new Set(urls.map((u) => escapeRegExp(new URL(u).pathname)))];
  return paths.length === 1 ? `${paths[0]}$` : `(${paths.join('|')})$`;
};

const succeeded = (probe: Probe | undefined): probe is Probe =>
  !!probe && (probe.result.usernameShown !== null || verification(probe) !== null || probe.result.url !== probe.page);

export function draftProfile(crawl: Crawl): Draft {
  const site = new URL(crawl.start);
  const comments: DraftComment[] = [];
  const header: string[] = [];
  const todo = (path: string[], text: string) => comments.push({ path, text: `TODO: ${text}` });
  const note = (path: string[], text: string) => comments.push({ path, text });
  const describe = (what: string, el: Located) => `${what} "${el.name}"`;
  /** A selector, with a TODO when it is only a position in the page. */
  const sel = (path: string[], what: string, el: Located) => {
    if (el.how === 'structure') todo(path, `${describe(what, el)} has nothing stable to select it by; this is its position in the page. Check it, or ask for a stable attribute (an id, a name, an aria-label).`);
    else note(path, describe(what, el));
    return el.selector;
  };

  const probes = crawl.probes;
  // A crawl finds WebAuthn buttons by clicking with the phone denying; a recorded visit only
  // ever approves, so any probe whose click reached the phone names its button.
  const withCall = probes.filter((p) => p.result.webauthn);
  const denied = withCall.filter((p) => p.answer === 'deny');
  const registrationButton = withCall.find((p) => p.result.webauthn!.kind === 'registration');
  const signInButton = withCall.find((p) => p.result.webauthn!.kind === 'sign-in');
  const passkeySignUp = probes.find((p) => p.answer === 'approve' && p.result.webauthn?.kind === 'registration');
  const passkeySignIn = probes.find((p) => p.answer === 'approve' && p.result.webauthn?.kind === 'sign-in');
  const passwordSignUp = probes.find((p) => p.answer === 'approve' && !p.result.webauthn && p.intent === 'sign-up');
  const passwordSignIn = probes.find((p) => p.answer === 'approve' && !p.result.webauthn && p.intent !== 'sign-up' && p.form?.fields.some((f) => f.kind === 'password'));
  const signOut = probes.find((p) => p.intent === 'sign-out');

  // Where results are written: a status element (role=status/alert, aria-live) that showed text,
  // else elements that appeared after a click (toasts).
  const statusSeen = probes.flatMap((p) => p.result.status);
  const statusEl = statusSeen.find((s) => s.how !== 'structure') ?? statusSeen[0] ?? crawl.pages.flatMap((p) => p.status)[0] ?? null;
  const failures = denied.map((p) => ({ probe: p, status: p.result.status.find((s) => statusEl && s.selector === statusEl.selector), appeared: p.result.appeared[0] }));
  const toast = statusEl ? null : (failures.find((f) => f.appeared)?.appeared ?? probes.flatMap((p) => p.result.appeared)[0] ?? null);
  const failureSeen = failures.find((f) => f.status)?.status ?? failures.find((f) => f.appeared)?.appeared ?? null;

  const status: Profile['status'] = { selector: 'TODO', failure: '^(Error|Sorry|Could not|Failed)' };
  if (statusEl) {
    status.selector = statusEl.selector;
    if (statusEl.how === 'structure') todo(['status', 'selector'], 'the element where the site wrote its results has nothing stable to select it by; this is its position in the page');
    else note(['status', 'selector'], `where the site wrote its results (last seen: "${statusEl.text.slice(0, 80)}")`);
  }
  else if (toast) {
    status.selector = toast.selector;
    note(['status', 'selector'], `no status element: results appear in ${describe('an element that comes and goes', toast)} (a toast); success is read from the site's answers instead`);
  } else todo(['status', 'selector'], 'no status element and no message seen: name the element where the site writes results and errors');
  if (failureSeen) {
    status.failure = failurePattern(failureSeen.text);
    todo(['status', 'failure'], `guessed from what the site showed when the phone declined: "${failureSeen.text.slice(0, 120)}". Make it match every failure, not only this one.`);
    const marks: string[] = 'marks' in failureSeen ? (failureSeen.marks as string[]) : [];
    if (marks.length > 0 && statusEl) {
      status.failureSelector = `${statusEl.selector}${marks[0]}`;
      note(['status', 'failureSelector'], `the status element was marked ${marks[0]} while it showed the failure`);
    }
  } else todo(['status', 'failure'], 'no failure was seen: a pattern of the text the site shows when something goes wrong');

  // What "signed in" looks like: the element that showed the new username, else the verification
  // answers (sites that show results only in toasts).
  const successes = [passkeySignUp, passkeySignIn, passwordSignUp, passwordSignIn].filter(succeeded);
  const shown = successes.map((p) => ({ p, el: p.result.usernameShown })).find((s) => s.el);
  let signedIn: MarkerSpec;
  const verifications = successes.filter((p) => p.result.webauthn).map((p) => ({ p, r: verification(p) })).filter((v) => v.r);
  if (shown?.el) {
    signedIn = { selector: sel(['signedIn', 'selector'], 'the element that showed the username once signed in', shown.el), text: textPattern(shown.el.text, shown.p.username) };
  } else if (verifications.length > 0) {
    const body = bodyPattern(verifications[0]!.r!.body, verifications[0]!.p.username);
    signedIn = { response: { url: urlPattern(verifications.map((v) => v.r!.url)), ...(body ? { body } : {}) } };
    note(['signedIn', 'response'], `nothing on the page showed the username; the site's own answers to its WebAuthn verification requests say who signed in: ${verifications.map((v) => `${v.r!.method} ${new URL(v.r!.url).pathname} → ${shapeOf(v.r!.body)}`).join('; ')}`);
  } else {
    signedIn = { selector: 'TODO', text: '{username}' };
    todo(['signedIn'], 'no sign-in was seen to succeed: name what shows the signed-in user');
  }

  const formOf = (base: string[], probe: Probe, submitWhat: string, fill: boolean): FormSpec => {
    const form: FormSpec = { url: pathOf(probe.page, site) };
    if (fill && probe.form && probe.form.fields.length > 0) {
      const values = templatesFor(probe.form);
      if (Object.keys(values).length > 0) form.fields = values;
      for (const field of probe.form.fields) {
        if (field.how === 'structure') todo([...base, 'fields', field.selector], `${describe('the field', field)} has nothing stable to select it by`);
        else note([...base, 'fields', field.selector], `${describe('the field', field)} (${field.kind})`);
      }
      for (const field of probe.form.fields.filter((f) => f.kind === 'text' || f.kind === 'choice')) todo([...base, 'fields'], `${describe('the field', field)}: its use was guessed (${field.kind === 'choice' ? 'left alone' : 'the username typed'})`);
    }
    form.submit = sel([...base, 'submit'], submitWhat, probe.control);
    return form;
  };

  const profile: Profile = { name: `${crawl.title || site.host} (drafted by pairkey qa init)`, site: site.origin, status, signedIn, signOut: {} };
  note(['name'], `Drafted by \`pairkey qa init\` from a ${crawl.mode === 'watch' ? 'recorded visit' : 'headless crawl'} of ${crawl.start}`);

  // Creating accounts: the passkey registration button (passkey-only sites), else the password sign-up form.
  if (registrationButton) {
    const probe = passkeySignUp ?? registrationButton;
    profile.passkey = { signUp: formOf(['passkey', 'signUp'], probe, 'the button that registered a passkey', true) };
    if (!succeeded(passkeySignUp)) todo(['passkey', 'signUp'], 'the registration was not seen to succeed: check the form and its success marker');
  } else if (passwordSignUp) {
    profile.signUp = formOf(['signUp'], passwordSignUp, 'the sign-up button', true);
    if (!succeeded(passwordSignUp)) todo(['signUp'], 'the sign-up was not seen to succeed: check its fields (rules on usernames and passwords?) and add a success marker');
  } else {
    profile.signUp = { url: '/TODO', submit: 'TODO' };
    todo(['signUp'], 'no way to create an account was found (no button registered a passkey, no sign-up form with a password): describe it');
  }
  if (passwordSignIn || (passwordSignUp && !registrationButton)) {
    const form = passwordSignIn ?? null;
    if (form) {
      profile.signIn = { password: formOf(['signIn', 'password'], form, 'the sign-in button', true) };
      if (!succeeded(passwordSignIn)) todo(['signIn', 'password'], 'the sign-in was not seen to succeed');
      todo(['signIn'], 'accounts with two-factor authentication are asked for a second factor after the password: add signIn.secondFactor (the marker of that prompt)');
    }
  }
  if (signInButton) {
    profile.passkey = { ...profile.passkey, signIn: formOf(['passkey', 'signIn'], passkeySignIn ?? signInButton, 'the button that started a passkey sign-in', false) };
    if (!passkeySignIn && registrationButton) todo(['passkey', 'signIn'], 'signing in with the new passkey was not seen to succeed');
  }
  if (!registrationButton && profile.signUp) {
    todo(['passkey'], `no button registered a passkey before sign-in; adding one after signing in (passkey.add, securityKey.add: forms on a signed-in settings page) is not crawled: describe them, or the passkey checks are skipped`);
    if (!profile.passkey) profile.passkey = {};
  }

  if (signOut) {
    const success = signOutMarker(signOut, statusEl !== null, status.selector);
    profile.signOut = { submit: sel(['signOut', 'submit'], 'the sign-out button', signOut.control), ...(success ? { success } : {}) };
    if (!success) todo(['signOut'], 'no sign of being signed out was seen: add a success marker');
  } else {
    profile.signOut = { submit: 'TODO' };
    todo(['signOut'], 'no sign-out button was found');
  }
  if (profile.passkey && Object.keys(profile.passkey).length === 0) delete profile.passkey;

  header.push(`Draft site profile for ${crawl.start}, written by \`pairkey qa init\` (docs/qa.md, "Drafting a profile").`);
  header.push('Lines marked TODO are guesses or gaps: check each, edit, then run `pairkey qa --profile <this file>`.');
  const webauthnButtons = [...new Set(withCall.map((p) => `"${p.control.name}" (${p.result.webauthn!.kind}, ${pathOf(p.page, site)})`))];
  header.push(webauthnButtons.length > 0 ? `Buttons that started a WebAuthn call (seen by the paired phone): ${webauthnButtons.join(', ')}.` : 'No button started a WebAuthn call the phone could see.');
  const missing = [!profile.signIn?.password && 'password sign-in', !profile.totp && 'authenticator app (totp)', !profile.backupCodes && 'backup codes', !profile.securityKey && 'security keys'].filter(Boolean);
  if (missing.length > 0) header.push(`Not found (their checks are skipped until described): ${missing.join(', ')}.`);
  return { profile, comments, header };
}

/** Field values as templates: what kind of field each is, not the values typed in the crawl. */
function templatesFor(form: FormFinding): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of form.fields) {
    const template = { username: '{username}', email: '{email}', password: '{password}', 'new-password': '{password}', text: '{username}', otp: null, choice: null }[field.kind];
    if (template !== null) out[field.selector] = template;
  }
  return out;
}

function signOutMarker(probe: Probe, statusOnPage: boolean, statusSelector: string): MarkerSpec | null {
  const text = probe.result.status.find((s) => s.selector === statusSelector)?.text;
  if (statusOnPage && text) return { selector: statusSelector, text: textPattern(text, null) };
  const answer = probe.result.responses.find((r) => r.method !== 'GET' && r.status >= 200 && r.status < 300);
  if (answer) {
    const body = bodyPattern(answer.body, null);
    return { response: { url: `${escapeRegExp(new URL(answer.url).pathname)}$`, ...(body ? { body } : {}) } };
  }
  if (probe.result.url !== probe.page) return { url: pathOf(probe.result.url, new URL(probe.page)) };
  return null;
}

/**
 * The JSON answer's keys, never its values: a verification answer may carry a session token, and
 * the draft is a file people commit.
 */
function shapeOf(body: string): string {
  try {
    const json: unknown = JSON.parse(body);
    if (typeof json === 'object' && json !== null && !Array.isArray(json)) return `{ ${Object.keys(json).join(', ')} }`;
  } catch {
    // not JSON
  }
  return 'a non-JSON answer';
}
