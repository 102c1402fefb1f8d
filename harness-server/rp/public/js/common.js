// Shared by every page: the header (navigation, who is signed in, sign-out), the QA-mode
// banner, the status line, the JSON API client (with the CSRF header) and the 2FA
// enforcement redirect. Plain ES module, no build step; pages hold no inline script (CSP).
import { formatClock, formatDateTime, hasTranslation, t, translateDocument } from './i18n.js';

export { t };

export const $ = (id) => document.getElementById(id);

/** A new element with properties and children. */
export const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

/** Marks `node` with a data-testid (docs/rp.md lists them) and returns it. */
export const withTestId = (node, id) => {
  node.dataset.testid = id;
  return node;
};

// Static markup only: user data is always set with textContent.
document.getElementById('site-header').innerHTML = `
  <a href="/" class="brand">Pairkey Demo</a>
  <nav>
    <a href="/security" class="when-in" data-testid="nav-security">Security</a>
    <a href="/teams" class="when-in" data-testid="nav-teams">Teams</a>
    <a href="/dev/outbox" id="nav-outbox" data-testid="nav-outbox" hidden>Email outbox</a>
    <span class="when-in">Signed in as <strong data-testid="current-user" id="current-user"></strong></span>
    <button type="button" id="signout" data-testid="signout" class="when-in">Sign out</button>
    <a href="/signin" class="when-out" data-testid="nav-signin">Sign in</a>
    <a href="/signup" class="when-out" data-testid="nav-signup">Sign up</a>
  </nav>`;
document.getElementById('site-header').insertAdjacentHTML(
  'afterend',
  '<div id="qa-banner" data-testid="qa-banner" class="qa-banner" role="alert" hidden></div>' +
    '<p role="status" aria-live="polite" data-testid="status" id="status"></p>',
);

translateDocument();

/** An error from our own API (`{ error, code, …details }`); its name reaches QA as `data-error`. */
export class ServerError extends Error {
  constructor(message, status, body) {
    super(message);
    this.name = 'ServerError';
    this.status = status;
    this.code = body.code;
    this.body = body;
  }
}

/**
 * Shows a result. Success clears the error marks; a failure is shown as a sentence and marked
 * red, with the error's name (ServerError, NotAllowedError, …) and code in `data-error` and
 * `data-error-code` for QA tools and tests.
 */
export function setStatus(text, error = null) {
  const status = $('status');
  status.textContent = text;
  status.classList.toggle('error', error !== null);
  if (error) {
    status.dataset.error = error.name;
    if (error.code) status.dataset.errorCode = error.code;
    else delete status.dataset.errorCode;
  } else {
    delete status.dataset.error;
    delete status.dataset.errorCode;
  }
}

/** Words for the errors the browser's WebAuthn calls end with (by DOMException name). */
const WEBAUTHN_WORDS = {
  NotAllowedError: 'Nothing was signed: the request was cancelled, refused or timed out. Try again when your security key or phone is ready.',
  AbortError: 'The request was cancelled.',
  SecurityError: 'This browser refused the request for this site.',
  NotSupportedError: 'This browser or security key cannot do what this site asked for.',
  ConstraintError: 'Your security key cannot do what this site asked for (for example, verifying you with a PIN).',
  UnknownError: 'Your security key reported an error. Try again.',
  TypeError: 'The request was not valid.',
};

/**
 * The sentence a person reads for `error`. `context.keys`: the account's keys, to name the one
 * an authenticator already holds when a registration is refused with InvalidStateError.
 */
export function describeError(error, context = {}) {
  const name = error && typeof error.name === 'string' ? error.name : 'Error';
  const message = error && typeof error.message === 'string' ? error.message : String(error);
  if (error instanceof ServerError) {
    if (error.code === 'account-locked' && error.body.lockedUntil) {
      return t('Too many failed attempts: this account is locked until {time}. A passkey still signs in.', { time: formatClock(error.body.lockedUntil) });
    }
    if (error.body.availableAt) return t('The two-factor reset can be completed from {time}.', { time: formatDateTime(error.body.availableAt) });
    return hasTranslation(message) ? t(message.replace(/\s+/g, ' ').trim()) : message;
  }
  if (name === 'InvalidStateError') {
    const keys = context.keys ?? [];
    if (keys.length === 1) return t('This security key or phone already holds a key for this account: "{name}". One authenticator holds one key per account; use another one, or remove "{name}" first.', { name: keys[0].name });
    if (keys.length > 1) return t('This security key or phone already holds one of your keys for this account ({names}). One authenticator holds one key per account; use another one.', { names: keys.map((key) => `"${key.name}"`).join(', ') });
    return t('This security key or phone is already registered for this account.');
  }
  if (WEBAUTHN_WORDS[name]) return t(WEBAUTHN_WORDS[name]);
  return hasTranslation(message) ? t(message) : message;
}

export function showError(error, context = {}) {
  const name = error && typeof error.name === 'string' ? error.name : 'Error';
  setStatus(describeError(error, context), { name, code: error?.code });
}

let csrfToken;
async function csrf() {
  csrfToken ??= (await request('GET', '/api/csrf')).token;
  return csrfToken;
}

async function request(method, path, body, token) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers['x-csrf-token'] = token;
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new ServerError(data.error ?? t('The server answered {status}.', { status: response.status }), response.status, data);
    // An organisation requires 2FA: nothing else works until it is set up.
    if (error.code === 'two-factor-required' && location.pathname !== '/security') location.assign('/security');
    throw error;
  }
  return data;
}

export const api = {
  get: (path) => request('GET', path),
  post: async (path, body = {}) => request('POST', path, body, await csrf()),
};

/**
 * Disables the page's buttons while a task runs, so a double click cannot start two. Dialog
 * buttons stay usable: a task may be waiting for the person's answer in one.
 */
export async function busy(task, errorContext = () => ({})) {
  const buttons = [...document.querySelectorAll('button')].filter((b) => !b.disabled && !b.closest('dialog'));
  buttons.forEach((b) => (b.disabled = true));
  try {
    await task();
  } catch (error) {
    showError(error, errorContext());
  } finally {
    buttons.forEach((b) => (b.disabled = false));
  }
}

export const formatTime = (isoText) => (isoText ? formatDateTime(isoText) : t('never'));
export { formatClock, formatDateTime };

/** The signed-in account (or null), filled into the header. */
export async function loadHeader() {
  const info = await api.get('/api/server-info').catch(() => null);
  if (info && info.insecure.length > 0) {
    const banner = $('qa-banner');
    banner.textContent = t('INSECURE QA MODE — protections off: {list}. Never use this server for real accounts.', { list: info.insecure.join(', ') });
    banner.hidden = false;
  }
  if (info?.devOutbox) $('nav-outbox').hidden = false;
  let account = null;
  try {
    account = await api.get('/api/account');
  } catch {
    account = null;
  }
  $('current-user').textContent = account ? account.username : '';
  document.body.classList.toggle('signed-in', account !== null);
  return { account, info };
}

/** Pages that are of no use while 2FA setup is required send the person to /security. */
export function enforce(account) {
  if (account && account.mustSetUp2faFor.length > 0) location.assign('/security');
}

$('signout').addEventListener('click', () => {
  void busy(async () => {
    await api.post('/api/signout');
    $('current-user').textContent = '';
    document.body.classList.remove('signed-in');
    // A page of the account (email, keys, activity with addresses) must not stay on screen.
    if (document.body.classList.contains('account-page')) {
      document.querySelector('main').replaceChildren(
        withTestId(
          el('section', {}, el('h1', { textContent: t('You are signed out') }), el('p', {}, el('a', { href: '/signin', textContent: t('Sign in again') }))),
          'signed-out',
        ),
      );
    }
    setStatus(t('Signed out'));
  });
});
