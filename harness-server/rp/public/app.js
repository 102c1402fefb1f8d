// Pairkey Demo page: sign up / sign in with a passkey through @simplewebauthn/browser.
// Plain ES module, no build step. Every outcome is written to [data-testid="status"]:
// "Signed in as NAME", "Signed out", or "ErrorName: message" (browser errors keep their
// DOMException name, e.g. NotAllowedError, which the e2e tests assert).
import { startAuthentication, startRegistration } from '/vendor/simplewebauthn-browser/index.js';

const $ = (id) => document.getElementById(id);

/** Show a result; `error` marks it red. */
function setStatus(text, error = false) {
  const status = $('status');
  status.textContent = text;
  status.classList.toggle('error', error);
}

function showError(error) {
  const name = error && typeof error.name === 'string' ? error.name : 'Error';
  const message = error && typeof error.message === 'string' ? error.message : String(error);
  setStatus(`${name}: ${message}`, true);
}

function setCurrentUser(username) {
  $('current-user').textContent = username ?? '';
}

/** An error from our own API: `{ error }` bodies become "ServerError: …". */
class ServerError extends Error {
  constructor(message, status) {
    super(message);
    this.name = 'ServerError';
    this.status = status;
  }
}

async function api(path, body) {
  const init = body === undefined
    ? { method: 'GET' }
    : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  const response = await fetch(path, { ...init, credentials: 'same-origin' });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ServerError(data.error ?? `HTTP ${response.status}`, response.status);
  return data;
}

async function refreshCurrentUser() {
  try {
    const me = await api('/api/me');
    setCurrentUser(me.username);
  } catch {
    setCurrentUser(null);
  }
}

/** Disable the buttons while a ceremony runs so a double click cannot start two. */
async function busy(task) {
  const buttons = document.querySelectorAll('button');
  buttons.forEach((b) => (b.disabled = true));
  try {
    await task();
  } catch (error) {
    showError(error);
  } finally {
    buttons.forEach((b) => (b.disabled = false));
  }
}

$('signup-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const username = $('signup-username').value.trim();
  void busy(async () => {
    setStatus('Creating a passkey…');
    const optionsJSON = await api('/api/signup/options', { username });
    const response = await startRegistration({ optionsJSON });
    const result = await api('/api/signup/verify', response);
    setCurrentUser(result.username);
    setStatus(`Signed in as ${result.username}`);
  });
});

$('signin-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const username = $('signin-username').value.trim();
  void busy(async () => {
    setStatus('Waiting for a passkey…');
    const optionsJSON = await api('/api/signin/options', username ? { username } : {});
    const response = await startAuthentication({ optionsJSON });
    const result = await api('/api/signin/verify', response);
    setCurrentUser(result.username);
    setStatus(`Signed in as ${result.username}`);
  });
});

$('signout').addEventListener('click', () => {
  void busy(async () => {
    await api('/api/signout', {});
    setCurrentUser(null);
    setStatus('Signed out');
  });
});

void refreshCurrentUser();
