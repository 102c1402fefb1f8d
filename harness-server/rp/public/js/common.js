// Shared by every page: the header (navigation, who is signed in, sign-out), the QA-mode
// banner, the status line, the JSON API client (with the CSRF header) and the 2FA
// enforcement redirect. Plain ES module, no build step; pages hold no inline script (CSP).

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

/** An error from our own API: `{ error, code }` bodies become "ServerError: …". */
export class ServerError extends Error {
  constructor(message, status, body) {
    super(message);
    this.name = 'ServerError';
    this.status = status;
    this.code = body.code;
    this.body = body;
  }
}

/** Shows a result; `error` marks it red. Browser errors keep their DOMException name. */
export function setStatus(text, error = false) {
  const status = $('status');
  status.textContent = text;
  status.classList.toggle('error', error);
}

export function showError(error) {
  const name = error && typeof error.name === 'string' ? error.name : 'Error';
  const message = error && typeof error.message === 'string' ? error.message : String(error);
  setStatus(`${name}: ${message}`, true);
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
    const error = new ServerError(data.error ?? `HTTP ${response.status}`, response.status, data);
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
export async function busy(task) {
  const buttons = [...document.querySelectorAll('button')].filter((b) => !b.disabled && !b.closest('dialog'));
  buttons.forEach((b) => (b.disabled = true));
  try {
    await task();
  } catch (error) {
    showError(error);
  } finally {
    buttons.forEach((b) => (b.disabled = false));
  }
}

export const formatTime = (isoText) => (isoText ? new Date(isoText).toLocaleString() : 'never');

/** The signed-in account (or null), filled into the header. */
export async function loadHeader() {
  const info = await api.get('/api/server-info').catch(() => null);
  if (info && info.insecure.length > 0) {
    const banner = $('qa-banner');
    banner.textContent = `INSECURE QA MODE — protections off: ${info.insecure.join(', ')}. Never use this server for real accounts.`;
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
    setStatus('Signed out');
  });
});
