// Sign-in: password, then the second factor the account has — its security key first, with
// "use your authenticator app instead" and "use a backup code" — or a passkey on its own.
// Lost every factor: recovery by email link and waiting period.
import { startAuthentication } from '/vendor/simplewebauthn-browser/index.js';
import { $, api, busy, loadHeader, setStatus } from './common.js';

const STEPS = ['password-step', 'key-step', 'otp-step', 'backup-step', 'recovery-step'];
let methods = null;

void loadHeader().then(({ info }) => {
  $('recovery-wait').textContent = info?.recoveryWait ?? 'some time';
});

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

function offerRecovery(recovery) {
  const ready = recovery?.ready === true;
  $('recovery-complete').hidden = !ready;
  if (recovery && !ready) {
    setStatus(`A confirmed two-factor reset can be completed from ${new Date(recovery.availableAt).toLocaleString()}.`);
  }
  if (ready) setStatus('Your two-factor reset is ready: choose "Reset two-factor authentication and sign in" below.');
}

$('password-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void busy(async () => {
    setStatus('Checking…');
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
    setStatus('Password accepted: now your second factor.');
    show(firstFactorStep());
    offerRecovery(result.recovery);
    if (result.recovery?.ready) show('recovery-step');
  });
});

$('signin-key').addEventListener('click', () => {
  void busy(async () => {
    setStatus('Waiting for your security key…');
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
    setStatus('Waiting for a passkey…');
    const optionsJSON = await api.post('/api/passkey/options');
    const response = await startAuthentication({ optionsJSON });
    done(await api.post('/api/passkey/verify', response));
  });
});

$('recovery-start').addEventListener('click', () => {
  void busy(async () => {
    const result = await api.post('/api/signin/recovery/start');
    setStatus(`We sent a confirmation link to ${result.sentTo}. Open it, then come back after the waiting period.`);
  });
});

$('recovery-complete').addEventListener('click', () => {
  void busy(async () => {
    await api.post('/api/signin/recovery/complete');
    location.assign('/security');
  });
});
