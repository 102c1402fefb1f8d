// Home page: where to go next.
import { $, enforce, loadHeader, t } from './common.js';

const { account } = await loadHeader();
if (account) {
  enforce(account);
  $('home-2fa').textContent = account.twoFactor.enabled
    ? t('Two-factor authentication is on.')
    : t('Two-factor authentication is off: turn it on from the Security page.');
}
