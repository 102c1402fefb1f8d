// Password reset by email: without a token, ask for a link (the answer never says whether an
// account matched); opened from the email (#token=…, never sent to a server in the URL), set
// the new password.
import { $, api, busy, loadHeader, setStatus, t } from './common.js';

void loadHeader();
let token = null;
function takeToken() {
  const found = new URLSearchParams(location.hash.slice(1)).get('token');
  if (!found) return;
  token = found;
  // Out of the address bar and the history before anything else can read it.
  history.replaceState(null, '', location.pathname);
  $('reset-request-step').hidden = true;
  $('reset-complete-step').hidden = false;
  $('reset-new-password').focus();
}
takeToken();
// The link opened in a tab already showing this page changes only the fragment.
window.addEventListener('hashchange', takeToken);

$('reset-request-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void busy(async () => {
    await api.post('/api/password/reset/request', { account: $('reset-account').value.trim() });
    setStatus(t('If an account with a verified email address matches, we sent it an email. A reset link works once, for one hour.'));
  });
});

$('reset-complete-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void busy(async () => {
    const newPassword = $('reset-new-password').value;
    await api.post('/api/password/reset/complete', { token, newPassword });
    $('reset-new-password').value = '';
    $('reset-complete-step').hidden = true;
    setStatus(t('Your password was changed and every browser was signed out. Sign in with the new password.'));
  });
});
