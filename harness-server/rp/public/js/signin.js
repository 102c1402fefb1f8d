// Sign-in: password, then the second factor the account has — its security key first, with
// "use your authenticator app instead" and "use a backup code" — or a passkey on its own.
// Lost every factor: recovery by email link and waiting period.
import { startAuthentication } from '/vendor/simplewebauthn-browser/index.js';
import { $, api, busy, formatDateTime, loadHeader, setStatus, t } from './common.js';

const STEPS = ['password-step', 'key-step', 'otp-step', 'backup-step', 'recovery-step'];
let methods = null;

void loadHeader().then(({ info }) => {
  $('recovery-wait').textContent = info?.recoveryWait ? waitInWords(info.recoveryWait) : t('some time');
});

/** The server's "3 days" / "1 hour" in the page's language. */
function waitInWords(text) {
  const match = /^(\d+) (day|hour|minute)s?$/.exec(text);
  if (!match) return t(text);
  const n = Number(match[1]);
  return t(n === 1 ? `1 ${match[2]}` : `{n} ${match[2]}s`, { n });
}

function show(step) {
  for (const id of STEPS) $(id).hidden = id !== step;
  $('recovery-link').hidden = step === 'password-step' || step === 'recovery-step';
  const focus = $(step).querySelector('input');
  if (focus) focus.focus();
}

const firstFactorStep = () => (methods.securityKey ? 'key-step' : methods.otp ? 'otp-step' : 'backup-step');

function done(result) {
  location.assign(result.mustSetUp2fa ? '/security' : '/');
}

for (const button of document.querySelectorAll('[data-step]')) {
  button.addEventListener('click', () => show(button.dataset.step === 'first' ? firstFactorStep() : button.dataset.step));
}

/**
 * A confirmed reset either waits (its time is said, and no new link is offered: that would
 * only start the wait again) or is ready to complete.
 */
function offerRecovery(recovery) {
  const ready = recovery?.ready === true;
  $('recovery-complete').hidden = !ready;
  $('recovery-start').hidden = recovery !== null && recovery !== undefined;
  $('recovery-pending-note').hidden = !recovery || ready;
  if (recovery && !ready) {
    const text = t('A confirmed two-factor reset can be completed from {time}.', { time: formatDateTime(recovery.availableAt) });
    $('recovery-pending-note').textContent = text;
    setStatus(text);
  }
  if (ready) setStatus(t('Your two-factor reset is ready: choose "Reset two-factor authentication and sign in" below.'));
}

$('password-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void busy(async () => {
    setStatus(t('Checking…'));
    const result = await api.post('/api/signin/password', {
      username: $('signin-username').value.trim(),
      password: $('signin-password').value,
    });
    $('signin-password').value = '';
    if (result.status === 'signed-in') return done(result);
    methods = result.methods;
    for (const el of document.querySelectorAll('[data-testid="signin-use-otp"]')) el.hidden = !methods.otp;
    for (const el of document.querySelectorAll('[data-testid="signin-use-key"]')) el.hidden = !methods.securityKey;
    for (const el of document.querySelectorAll('[data-step="backup-step"]')) el.hidden = !methods.backupCode;
    setStatus(t('Password accepted: now your second factor.'));
    show(firstFactorStep());
    offerRecovery(result.recovery);
    if (result.recovery?.ready) show('recovery-step');
  });
});

$('signin-key').addEventListener('click', () => {
  void busy(async () => {
    setStatus(t('Waiting for your security key…'));
    const optionsJSON = await api.post('/api/signin/key/options');
    const response = await startAuthentication({ optionsJSON });
    done(await api.post('/api/signin/key/verify', response));
  });
});

$('otp-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void busy(async () => done(await api.post('/api/signin/otp', { code: $('signin-otp-code').value.trim() })));
});

$('backup-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void busy(async () => done(await api.post('/api/signin/backup-code', { code: $('signin-backup-code').value.trim() })));
});

$('signin-passkey').addEventListener('click', () => {
  void busy(async () => {
    setStatus(t('Waiting for a passkey…'));
    const optionsJSON = await api.post('/api/passkey/options');
    const response = await startAuthentication({ optionsJSON });
    done(await api.post('/api/passkey/verify', response));
  });
});

$('recovery-start').addEventListener('click', () => {
  void busy(async () => {
    const result = await api.post('/api/signin/recovery/start');
    setStatus(t('We sent a confirmation link to {email}. Open it, then come back after the waiting period.', { email: result.sentTo }));
  });
});

$('recovery-complete').addEventListener('click', () => {
  void busy(async () => {
    await api.post('/api/signin/recovery/complete');
    // The Security page says what the reset did.
    location.assign('/security#recovered');
  });
});
