// The Security page: email verification, changing the password, two-factor status, security keys and passkeys,
// the authenticator app, backup codes (shown once), turning 2FA off, and the activity log.
import { startAuthentication, startRegistration } from '/vendor/simplewebauthn-browser/index.js';
import { $, api, busy, describeError, el, formatTime, loadHeader, ServerError, setStatus, t, withTestId } from './common.js';

const TOTAL_BACKUP_CODES = 10;
let account = null;
/** The account's keys as last shown: named when an authenticator already holds one of them. */
let keys = [];

/** Audit events in words; the event's id stays in the row's data-event. */
const EVENT_WORDS = {
  'account.created': 'Account created',
  'account.locked': 'Account locked after failed attempts',
  'email.verified': 'Email address verified',
  'signin.succeeded': 'Signed in',
  'signin.failed': 'Sign-in refused',
  signout: 'Signed out',
  'reauth.failed': 'Confirmation refused',
  'factor.added': 'Second factor added',
  'factor.renamed': 'Key renamed',
  'factor.removed': 'Second factor removed',
  'backup-codes.generated': 'New backup codes generated',
  'backup-code.used': 'Backup code used',
  'two-factor.disabled': 'Two-factor authentication turned off',
  'password.changed': 'Password changed',
  'password.reset-requested': 'Password reset requested',
  'password.reset': 'Password reset',
  'recovery.requested': 'Two-factor reset requested',
  'recovery.confirmed': 'Two-factor reset confirmed',
  'recovery.cancelled': 'Two-factor reset cancelled',
  'recovery.completed': 'Two-factor reset completed',
  'key.sign-count-regression': 'Key signature counter went backwards',
  'org.created': 'Organisation created',
  'org.member-added': 'Member added',
  'org.member-removed': 'Member removed',
  'org.enforcement-changed': 'Organisation 2FA rule changed',
  'org.invited': 'Invitation',
  'org.invitation-accepted': 'Invitation accepted',
  'org.invitation-declined': 'Invitation declined',
  'org.invitation-cancelled': 'Invitation withdrawn',
  'org.member-left': 'Member left',
};

async function refresh() {
  account = await api.get('/api/account');
  const { twoFactor } = account;

  $('enforcement-banner').hidden = account.mustSetUp2faFor.length === 0;
  $('enforcement-banner').textContent = t(
    '{orgs} requires two-factor authentication. Add a security key or an authenticator app to continue using your account, or leave the organisation on the Teams page.',
    { orgs: account.mustSetUp2faFor.join(', ') },
  );

  $('recovery-pending').hidden = account.recovery === null;
  if (account.recovery) {
    $('recovery-pending-text').textContent = t('A reset of your two-factor authentication is scheduled: it can be completed from {time}. If you did not ask for it, cancel it.', { time: formatTime(account.recovery.availableAt) });
  }

  $('email-address').textContent = account.email ?? t('(no email address)');
  $('email-status').textContent = account.emailVerified ? t('Verified') : t('Not verified');
  $('email-resend').hidden = account.emailVerified || !account.email;

  $('twofa-status').textContent = twoFactor.enabled ? t('On') : t('Off');
  $('twofa-hint').textContent = twoFactor.enabled
    ? t('Signing in needs your password and a second factor (or a passkey).')
    : account.emailVerified
      ? t('Add a security key or an authenticator app below to turn it on.')
      : t('Verify your email address first: open the link we sent you.');
  $('twofa-disable').hidden = !twoFactor.enabled;

  const otp = twoFactor.otp;
  $('otp-status').textContent = otp
    ? t(otp.kind === 'totp' ? 'On: {kind}, {algorithm}, {digits} digits, every {period} s. Last used: {time}.' : 'On: {kind}, {algorithm}, {digits} digits. Last used: {time}.', {
        kind: otp.kind.toUpperCase(),
        algorithm: otp.algorithm.toUpperCase(),
        digits: otp.digits,
        period: otp.period,
        time: formatTime(otp.lastUsedAt),
      })
    : t('Not set up.');
  $('otp-setup-start').textContent = otp ? t('Reconfigure (the old app stops working)') : t('Set up');
  $('otp-remove').hidden = !otp;

  $('backup-remaining').textContent = twoFactor.enabled
    ? t('{remaining} of {total} backup codes left.', { remaining: twoFactor.backupCodes.remaining, total: TOTAL_BACKUP_CODES })
    : t('Backup codes are issued when you turn on two-factor authentication.');
  $('backup-low-warning').hidden = !twoFactor.backupCodes.low;
  $('backup-regenerate-form').hidden = !twoFactor.enabled;

  keys = (await api.get('/api/keys')).keys;
  renderKeys(keys);
  // The activity log is not available until an enforced 2FA setup is done: say so.
  if (account.mustSetUp2faFor.length > 0) {
    renderAudit([], t('Your activity is shown once two-factor authentication is set up, as {orgs} requires.', { orgs: account.mustSetUp2faFor.join(', ') }));
  } else {
    renderAudit((await api.get('/api/audit')).entries, t('No activity yet.'));
  }
}

function isLastFactor() {
  const { twoFactor } = account;
  return twoFactor.securityKeys + (twoFactor.otp ? 1 : 0) === 1;
}

function renderKeys() {
  const list = $('key-list');
  list.replaceChildren();
  if (keys.length === 0) list.append(el('li', { className: 'hint', textContent: t('No security key or passkey yet.') }));
  for (const key of keys) {
    const name = withTestId(el('strong', { textContent: key.name }), 'key-name');
    const details = el(
      'span',
      { className: 'hint' },
      ` — ${t(key.kind === 'passkey' ? 'passkey, added {time},' : 'security key, added {time},', { time: formatTime(key.createdAt) })} `,
      withTestId(el('span', { textContent: t('last used {time}', { time: formatTime(key.lastUsedAt) }) }), 'key-last-used'),
    );
    const item = withTestId(el('li', {}, name, details), 'key-item');
    item.dataset.keyId = key.id;
    if (key.cloneWarningAt) {
      item.append(withTestId(el('p', { className: 'warning', textContent: t('Its signature counter went backwards on {time}: it may have been copied.', { time: formatTime(key.cloneWarningAt) }) }), 'key-clone-warning'));
    }
    const rename = withTestId(el('button', { type: 'button', textContent: t('Rename') }), 'key-rename');
    rename.addEventListener('click', () => startRename(item, key));
    const remove = withTestId(el('button', { type: 'button', className: 'danger', textContent: t('Remove') }), 'key-remove');
    remove.addEventListener('click', () => {
      void busy(async () => {
        const last = isLastFactor();
        const title = t(last ? 'Remove "{name}" (this turns two-factor authentication off)' : 'Remove "{name}"', { name: key.name });
        const result = await reauthenticate(title, last, (auth) => api.post(`/api/keys/${encodeURIComponent(key.id)}/remove`, auth));
        if (!result) return;
        await refresh();
        setStatus(t(result.twoFactorEnabled ? 'Removed "{name}".' : 'Removed "{name}". Two-factor authentication is now off.', { name: key.name }));
      });
    });
    item.append(el('div', {}, rename, remove));
    list.append(item);
  }
}

function startRename(item, key) {
  const input = withTestId(el('input', { value: key.name, maxLength: 64 }), 'key-rename-input');
  const save = withTestId(el('button', { type: 'submit', textContent: t('Save') }), 'key-rename-save');
  const form = el('form', {}, input, save);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(async () => {
      await api.post(`/api/keys/${encodeURIComponent(key.id)}/rename`, { name: input.value.trim() });
      await refresh();
      setStatus(t('Renamed to "{name}"', { name: input.value.trim() }));
    });
  });
  item.append(form);
  input.focus();
}

/** The log's rows; `empty` says why there are none. */
function renderAudit(entries, empty) {
  const body = $('audit-log');
  body.replaceChildren();
  if (entries.length === 0) {
    body.append(withTestId(el('tr', {}, el('td', { colSpan: 4, className: 'hint', textContent: empty })), 'audit-empty'));
  }
  for (const entry of entries) {
    const detail = Object.entries(entry.detail).map(([k, v]) => `${k}: ${v}`).join(', ');
    const event = EVENT_WORDS[entry.event] ? t(EVENT_WORDS[entry.event]) : entry.event;
    const row = withTestId(el('tr', {}, el('td', { textContent: formatTime(entry.at) }), el('td', { textContent: event }), el('td', { textContent: detail, translate: false }), el('td', { textContent: entry.ip ?? '' })), 'audit-entry');
    row.dataset.event = entry.event;
    body.append(row);
  }
}

/** Shows the backup codes once, with download, copy and print. */
function showBackupCodes(codes) {
  const text = `${document.title}\n${t('Backup codes for {username} (each works once):', { username: account.username })}\n\n${codes.join('\n')}\n`;
  $('backup-codes').replaceChildren(...codes.map((code) => withTestId(el('li', { textContent: code }), 'backup-code')));
  $('backup-download').href = `data:text/plain;charset=utf-8,${encodeURIComponent(text)}`;
  $('backup-copy').onclick = () => {
    void busy(async () => {
      await navigator.clipboard.writeText(text);
      setStatus(t('Backup codes copied'));
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

/** Refusals the person can correct in the dialog itself, and the field to type again. */
const RETRYABLE = { 'wrong-password': 'reauth-password', 'wrong-code': 'reauth-code', 'code-reused': 'reauth-code' };

/** Shows the proof fields that fit the chosen kind: a security key needs no code. */
function showProofFields() {
  const key = $('reauth-proof-type').value === 'security-key';
  $('reauth-code-field').hidden = key;
  $('reauth-code').disabled = key;
}

/**
 * Asks for the password (and, when `needsProof`, a second factor), then runs `action` with the
 * body fields the API expects. A wrong password or code is said in the dialog, which stays open
 * with what was typed (only the refused field is emptied); resolves with the action's result,
 * or null when cancelled.
 */
async function reauthenticate(title, needsProof, action) {
  const dialog = $('reauth-dialog');
  $('reauth-title').textContent = title;
  $('reauth-proof').hidden = !needsProof;
  $('reauth-password').value = '';
  $('reauth-code').value = '';
  $('reauth-error').hidden = true;
  const { twoFactor } = account;
  $('reauth-proof-type').value = twoFactor.otp ? 'otp' : twoFactor.securityKeys > 0 ? 'security-key' : 'backup-code';
  showProofFields();
  dialog.showModal();
  $('reauth-password').focus();
  return new Promise((resolve, reject) => {
    const form = $('reauth-form');
    const finish = (settle) => {
      form.removeEventListener('submit', onSubmit);
      $('reauth-cancel').removeEventListener('click', onCancel);
      dialog.removeEventListener('cancel', onCancel);
      dialog.close();
      settle();
    };
    const onCancel = (event) => {
      event.preventDefault();
      finish(() => resolve(null));
    };
    const onSubmit = (event) => {
      event.preventDefault();
      $('reauth-submit').disabled = true;
      void (async () => {
        try {
          const auth = await proofOf(needsProof);
          const result = await action(auth);
          finish(() => resolve(result));
        } catch (error) {
          const field = error instanceof ServerError ? RETRYABLE[error.code] : undefined;
          if (!field) return finish(() => reject(error));
          $('reauth-error').textContent = describeError(error);
          $('reauth-error').hidden = false;
          $(field).value = '';
          $(field).focus();
          // The page's status line says it too: it is where QA tools read outcomes.
          setStatus(describeError(error), { name: error.name, code: error.code });
        } finally {
          $('reauth-submit').disabled = false;
        }
      })();
    };
    form.addEventListener('submit', onSubmit);
    $('reauth-cancel').addEventListener('click', onCancel);
    dialog.addEventListener('cancel', onCancel);
  });
}

/** The body fields for the API from the dialog (asking the security key when chosen). */
async function proofOf(needsProof) {
  const password = $('reauth-password').value;
  if (!needsProof) return { password };
  const type = $('reauth-proof-type').value;
  if (type !== 'security-key') return { password, proof: { type, code: $('reauth-code').value.trim() } };
  setStatus(t('Waiting for your security key…'));
  const optionsJSON = await api.post('/api/reauth/key/options');
  return { password, proof: { type, credential: await startAuthentication({ optionsJSON }) } };
}
$('reauth-proof-type').addEventListener('change', showProofFields);

$('email-resend').addEventListener('click', () => {
  void busy(async () => {
    await api.post('/api/email/resend');
    setStatus(t('We sent a new verification link to {email}', { email: account.email }));
  });
});

$('recovery-cancel').addEventListener('click', () => {
  void busy(async () => {
    await api.post('/api/recovery/cancel');
    await refresh();
    setStatus(t('The two-factor reset was cancelled'));
  });
});

/** The name field follows the chosen kind until the person types a name of their own. */
const DEFAULT_KEY_NAMES = { 'security-key': 'Security key', passkey: 'Passkey' };
const defaultKeyName = () => t(DEFAULT_KEY_NAMES[$('key-add-kind').value]);
let keyNameTyped = false;
$('key-add-name').addEventListener('input', () => {
  const typed = $('key-add-name').value.trim();
  keyNameTyped = typed !== '' && typed !== defaultKeyName();
});
$('key-add-kind').addEventListener('change', () => {
  if (!keyNameTyped) $('key-add-name').value = defaultKeyName();
});
$('key-add-name').value = defaultKeyName();

$('key-add-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void busy(
    async () => {
      const name = $('key-add-name').value.trim() || defaultKeyName();
      const password = $('key-add-password').value;
      $('key-add-password').value = '';
      setStatus(t('Waiting for your security key…'));
      const optionsJSON = await api.post('/api/keys/options', { password, kind: $('key-add-kind').value });
      const credential = await startRegistration({ optionsJSON });
      const result = await api.post('/api/keys/verify', { name, credential });
      // The next key starts from the default name again, not this one's.
      keyNameTyped = false;
      $('key-add-name').value = defaultKeyName();
      await refresh();
      if (result.backupCodes) showBackupCodes(result.backupCodes);
      setStatus(t('Added "{name}"', { name }));
    },
    () => ({ keys }),
  );
});

$('otp-setup-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void busy(async () => {
    const password = $('otp-setup-password').value;
    $('otp-setup-password').value = '';
    const setup = await api.post('/api/otp/setup', { password, kind: $('otp-kind').value });
    $('otp-qr').src = setup.qr;
    $('otp-secret').textContent = setup.secret.replace(/(.{4})/g, '$1 ').trim();
    $('otp-details').textContent = t(
      setup.kind === 'totp'
        ? 'Issuer {issuer}, account {label}, {algorithm}, {digits} digits, a new code every {period} seconds.'
        : 'Issuer {issuer}, account {label}, {algorithm}, {digits} digits, counter-based (a new code each time you ask the app).',
      { issuer: setup.issuer, label: setup.label, algorithm: setup.algorithm.toUpperCase(), digits: setup.digits, period: setup.period },
    );
    $('otp-enrol').hidden = false;
    $('otp-confirm-code').focus();
    setStatus(t('Scan the QR code, then enter the code your app shows'));
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
    setStatus(t('Your authenticator app is on'));
  });
});

$('otp-remove').addEventListener('click', () => {
  void busy(async () => {
    const title = t(isLastFactor() ? 'Remove the authenticator app (this turns two-factor authentication off)' : 'Remove the authenticator app');
    const result = await reauthenticate(title, true, (auth) => api.post('/api/otp/remove', auth));
    if (!result) return;
    await refresh();
    setStatus(t(result.twoFactorEnabled ? 'Authenticator app removed.' : 'Authenticator app removed. Two-factor authentication is now off.'));
  });
});

$('twofa-disable').addEventListener('click', () => {
  void busy(async () => {
    const result = await reauthenticate(t('Turn off two-factor authentication'), true, (auth) => api.post('/api/2fa/disable', auth));
    if (!result) return;
    await refresh();
    setStatus(t('Two-factor authentication is off'));
  });
});

$('password-change-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void busy(async () => {
    const newPassword = $('password-new').value;
    // The current password, plus a second factor when 2FA is on (the server insists either way).
    const result = await reauthenticate(t('Change your password'), account.twoFactor.enabled, (auth) => api.post('/api/password/change', { ...auth, newPassword }));
    if (!result) return;
    $('password-new').value = '';
    await refresh();
    setStatus(t('Your password was changed; every other browser was signed out'));
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
    setStatus(t('New backup codes generated: the old ones no longer work'));
  });
});

const { account: signedIn } = await loadHeader();
if (!signedIn) location.assign('/signin');
else {
  await refresh();
  // Arrived from a completed two-factor reset (sign-in page): say what happened and what next.
  if (location.hash === '#recovered') {
    history.replaceState(null, '', location.pathname);
    setStatus(t('Two-factor authentication was reset and every other browser was signed out. Add a security key or an authenticator app to turn it on again.'));
  }
}
