// The Security page: email verification, changing the password, two-factor status, security keys and passkeys,
// the authenticator app, backup codes (shown once), turning 2FA off, and the activity log.
import { startAuthentication, startRegistration } from '/vendor/simplewebauthn-browser/index.js';
import { $, api, busy, el, formatTime, loadHeader, setStatus, withTestId } from './common.js';

const TOTAL_BACKUP_CODES = 10;
let account = null;

async function refresh() {
  account = await api.get('/api/account');
  const { twoFactor } = account;

  $('enforcement-banner').hidden = account.mustSetUp2faFor.length === 0;
  $('enforcement-banner').textContent =
    `${account.mustSetUp2faFor.join(', ')} requires two-factor authentication. ` +
    'Add a security key or an authenticator app to continue using your account, or leave the organisation on the Teams page.';

  $('recovery-pending').hidden = account.recovery === null;
  if (account.recovery) {
    $('recovery-pending-text').textContent = `A reset of your two-factor authentication is scheduled: it can be completed from ${formatTime(account.recovery.availableAt)}. If you did not ask for it, cancel it.`;
  }

  $('email-address').textContent = account.email ?? '(no email address)';
  $('email-status').textContent = account.emailVerified ? 'Verified' : 'Not verified';
  $('email-resend').hidden = account.emailVerified || !account.email;

  $('twofa-status').textContent = twoFactor.enabled ? 'On' : 'Off';
  $('twofa-hint').textContent = twoFactor.enabled
    ? 'Signing in needs your password and a second factor (or a passkey).'
    : account.emailVerified
      ? 'Add a security key or an authenticator app below to turn it on.'
      : 'Verify your email address first: open the link we sent you.';
  $('twofa-disable').hidden = !twoFactor.enabled;

  const otp = twoFactor.otp;
  $('otp-status').textContent = otp
    ? `On: ${otp.kind.toUpperCase()}, ${otp.algorithm.toUpperCase()}, ${otp.digits} digits${otp.kind === 'totp' ? `, every ${otp.period} s` : ''}. Last used: ${formatTime(otp.lastUsedAt)}.`
    : 'Not set up.';
  $('otp-setup-start').textContent = otp ? 'Reconfigure (the old app stops working)' : 'Set up';
  $('otp-remove').hidden = !otp;

  $('backup-remaining').textContent = twoFactor.enabled
    ? `${twoFactor.backupCodes.remaining} of ${TOTAL_BACKUP_CODES} backup codes left.`
    : 'Backup codes are issued when you turn on two-factor authentication.';
  $('backup-low-warning').hidden = !twoFactor.backupCodes.low;
  $('backup-regenerate-form').hidden = !twoFactor.enabled;

  renderKeys((await api.get('/api/keys')).keys);
  // The activity log is not available until an enforced 2FA setup is done.
  const audit = account.mustSetUp2faFor.length === 0 ? await api.get('/api/audit') : { entries: [] };
  renderAudit(audit.entries);
}

function isLastFactor() {
  const { twoFactor } = account;
  return twoFactor.securityKeys + (twoFactor.otp ? 1 : 0) === 1;
}

function renderKeys(keys) {
  const list = $('key-list');
  list.replaceChildren();
  if (keys.length === 0) list.append(el('li', { className: 'hint', textContent: 'No security key or passkey yet.' }));
  for (const key of keys) {
    const name = withTestId(el('strong', { textContent: key.name }), 'key-name');
    const details = el(
      'span',
      { className: 'hint' },
      ` — ${key.kind === 'passkey' ? 'passkey' : 'security key'}, added ${formatTime(key.createdAt)}, `,
      withTestId(el('span', { textContent: `last used ${formatTime(key.lastUsedAt)}` }), 'key-last-used'),
    );
    const item = withTestId(el('li', {}, name, details), 'key-item');
    item.dataset.keyId = key.id;
    if (key.cloneWarningAt) {
      item.append(withTestId(el('p', { className: 'warning', textContent: `Its signature counter went backwards on ${formatTime(key.cloneWarningAt)}: it may have been copied.` }), 'key-clone-warning'));
    }
    const rename = withTestId(el('button', { type: 'button', textContent: 'Rename' }), 'key-rename');
    rename.addEventListener('click', () => startRename(item, key));
    const remove = withTestId(el('button', { type: 'button', className: 'danger', textContent: 'Remove' }), 'key-remove');
    remove.addEventListener('click', () => {
      void busy(async () => {
        const last = isLastFactor();
        const auth = await reauthenticate(`Remove "${key.name}"${last ? ' (this turns two-factor authentication off)' : ''}`, last);
        if (!auth) return;
        const result = await api.post(`/api/keys/${encodeURIComponent(key.id)}/remove`, auth);
        await refresh();
        setStatus(`Removed "${key.name}"${result.twoFactorEnabled ? '' : '. Two-factor authentication is now off'}.`);
      });
    });
    item.append(el('div', {}, rename, remove));
    list.append(item);
  }
}

function startRename(item, key) {
  const input = withTestId(el('input', { value: key.name, maxLength: 64 }), 'key-rename-input');
  const save = withTestId(el('button', { type: 'submit', textContent: 'Save' }), 'key-rename-save');
  const form = el('form', {}, input, save);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(async () => {
      await api.post(`/api/keys/${encodeURIComponent(key.id)}/rename`, { name: input.value.trim() });
      await refresh();
      setStatus(`Renamed to "${input.value.trim()}"`);
    });
  });
  item.append(form);
  input.focus();
}

function renderAudit(entries) {
  const body = $('audit-log');
  body.replaceChildren();
  for (const entry of entries) {
    const detail = Object.entries(entry.detail).map(([k, v]) => `${k}: ${v}`).join(', ');
    const row = withTestId(el('tr', {}, el('td', { textContent: formatTime(entry.at) }), el('td', { textContent: entry.event }), el('td', { textContent: detail }), el('td', { textContent: entry.ip ?? '' })), 'audit-entry');
    row.dataset.event = entry.event;
    body.append(row);
  }
}

/** Shows the backup codes once, with download, copy and print. */
function showBackupCodes(codes) {
  const text = `${document.title}\nBackup codes for ${account.username} (each works once):\n\n${codes.join('\n')}\n`;
  $('backup-codes').replaceChildren(...codes.map((code) => withTestId(el('li', { textContent: code }), 'backup-code')));
  $('backup-download').href = `data:text/plain;charset=utf-8,${encodeURIComponent(text)}`;
  $('backup-copy').onclick = () => {
    void busy(async () => {
      await navigator.clipboard.writeText(text);
      setStatus('Backup codes copied');
    });
  };
  $('backup-codes-panel').hidden = false;
  $('backup-codes-panel').scrollIntoView();
}

$('backup-print').addEventListener('click', () => window.print());
$('backup-done').addEventListener('click', () => {
  $('backup-codes-panel').hidden = true;
  $('backup-codes').replaceChildren();
  $('backup-download').href = '#';
});

/**
 * Asks for the password (and, when `needsProof`, a second factor); resolves with the body
 * fields the API expects, or null when cancelled.
 */
async function reauthenticate(title, needsProof) {
  const dialog = $('reauth-dialog');
  $('reauth-title').textContent = title;
  $('reauth-proof').hidden = !needsProof;
  $('reauth-password').value = '';
  $('reauth-code').value = '';
  const { twoFactor } = account;
  $('reauth-proof-type').value = twoFactor.otp ? 'otp' : twoFactor.securityKeys > 0 ? 'security-key' : 'backup-code';
  dialog.returnValue = '';
  dialog.showModal();
  const confirmed = await new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true }));
  if (!confirmed) return null;
  const password = $('reauth-password').value;
  if (!needsProof) return { password };
  const type = $('reauth-proof-type').value;
  if (type !== 'security-key') return { password, proof: { type, code: $('reauth-code').value.trim() } };
  setStatus('Waiting for your security key…');
  const optionsJSON = await api.post('/api/reauth/key/options');
  return { password, proof: { type, credential: await startAuthentication({ optionsJSON }) } };
}
$('reauth-cancel').addEventListener('click', () => $('reauth-dialog').close('cancel'));
$('reauth-proof-type').addEventListener('change', () => {
  $('reauth-code').disabled = $('reauth-proof-type').value === 'security-key';
});

$('email-resend').addEventListener('click', () => {
  void busy(async () => {
    await api.post('/api/email/resend');
    setStatus(`We sent a new verification link to ${account.email}`);
  });
});

$('recovery-cancel').addEventListener('click', () => {
  void busy(async () => {
    await api.post('/api/recovery/cancel');
    await refresh();
    setStatus('The two-factor reset was cancelled');
  });
});

$('key-add-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void busy(async () => {
    const name = $('key-add-name').value.trim() || 'Security key';
    const password = $('key-add-password').value;
    $('key-add-password').value = '';
    setStatus('Waiting for your security key…');
    const optionsJSON = await api.post('/api/keys/options', { password, kind: $('key-add-kind').value });
    const credential = await startRegistration({ optionsJSON });
    const result = await api.post('/api/keys/verify', { name, credential });
    await refresh();
    if (result.backupCodes) showBackupCodes(result.backupCodes);
    setStatus(`Added "${name}"`);
  });
});

$('otp-setup-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void busy(async () => {
    const password = $('otp-setup-password').value;
    $('otp-setup-password').value = '';
    const setup = await api.post('/api/otp/setup', { password, kind: $('otp-kind').value });
    $('otp-qr').src = setup.qr;
    $('otp-secret').textContent = setup.secret.replace(/(.{4})/g, '$1 ').trim();
    $('otp-details').textContent =
      `Issuer ${setup.issuer}, account ${setup.label}, ${setup.algorithm.toUpperCase()}, ${setup.digits} digits, ` +
      (setup.kind === 'totp' ? `a new code every ${setup.period} seconds.` : 'counter-based (a new code each time you ask the app).');
    $('otp-enrol').hidden = false;
    $('otp-confirm-code').focus();
    setStatus('Scan the QR code, then enter the code your app shows');
  });
});

$('otp-confirm-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void busy(async () => {
    const result = await api.post('/api/otp/confirm', { code: $('otp-confirm-code').value.trim() });
    $('otp-confirm-code').value = '';
    $('otp-enrol').hidden = true;
    $('otp-qr').removeAttribute('src');
    $('otp-secret').textContent = '';
    await refresh();
    if (result.backupCodes) showBackupCodes(result.backupCodes);
    setStatus('Your authenticator app is on');
  });
});

$('otp-remove').addEventListener('click', () => {
  void busy(async () => {
    const auth = await reauthenticate(`Remove the authenticator app${isLastFactor() ? ' (this turns two-factor authentication off)' : ''}`, true);
    if (!auth) return;
    const result = await api.post('/api/otp/remove', auth);
    await refresh();
    setStatus(`Authenticator app removed${result.twoFactorEnabled ? '' : '. Two-factor authentication is now off'}.`);
  });
});

$('twofa-disable').addEventListener('click', () => {
  void busy(async () => {
    const auth = await reauthenticate('Turn off two-factor authentication', true);
    if (!auth) return;
    await api.post('/api/2fa/disable', auth);
    await refresh();
    setStatus('Two-factor authentication is off');
  });
});

$('password-change-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void busy(async () => {
    const newPassword = $('password-new').value;
    // The current password, plus a second factor when 2FA is on (the server insists either way).
    const auth = await reauthenticate('Change your password', account.twoFactor.enabled);
    if (!auth) return;
    await api.post('/api/password/change', { ...auth, newPassword });
    $('password-new').value = '';
    await refresh();
    setStatus('Your password was changed; every other browser was signed out');
  });
});

$('backup-regenerate-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void busy(async () => {
    const password = $('backup-regenerate-password').value;
    $('backup-regenerate-password').value = '';
    const { codes } = await api.post('/api/backup-codes/regenerate', { password });
    await refresh();
    showBackupCodes(codes);
    setStatus('New backup codes generated: the old ones no longer work');
  });
});

const { account: signedIn } = await loadHeader();
if (!signedIn) location.assign('/signin');
else await refresh();
