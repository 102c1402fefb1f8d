// Sign-up: username, email, password. The account is signed in at once and the Security page
// explains the verification email.
import { $, api, busy, loadHeader, setStatus, t } from './common.js';

void loadHeader();

$('signup-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void busy(async () => {
    setStatus(t('Creating your account…'));
    await api.post('/api/signup', {
      username: $('signup-username').value.trim(),
      email: $('signup-email').value.trim(),
      password: $('signup-password').value,
    });
    location.assign('/security');
  });
});
