// Opened from the verification email: the token is in the fragment (never sent to servers,
// never in a Referer) and is posted once.
import { $, api, loadHeader, showError, t } from './common.js';

void loadHeader();
const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? '';
history.replaceState(null, '', location.pathname);
try {
  await api.post('/api/email/verify', { token });
  $('verify-result').textContent = t('Your email address is verified. You can now turn on two-factor authentication.');
} catch (error) {
  $('verify-result').textContent = t('This link did not work.');
  showError(error);
}
