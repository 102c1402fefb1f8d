// Home page: where to go next.
import { $, enforce, loadHeader } from './common.js';

const { account } = await loadHeader();
if (account) {
  enforce(account);
  $('home-2fa').textContent = account.twoFactor.enabled
    ? 'Two-factor authentication is on.'
    : 'Two-factor authentication is off: turn it on from the Security page.';
}
