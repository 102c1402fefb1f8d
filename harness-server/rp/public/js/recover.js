// Opened from the recovery email: confirms the two-factor reset, which becomes available
// after the waiting period.
import { $, api, formatDateTime, loadHeader, showError, t } from './common.js';

void loadHeader();
const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? '';
history.replaceState(null, '', location.pathname);
try {
  const { availableAt } = await api.post('/api/recovery/confirm', { token });
  const result = $('recover-result');
  result.dataset.availableAt = availableAt;
  result.textContent = t('Confirmed. Two-factor authentication can be reset from {time}.', { time: formatDateTime(availableAt) });
} catch (error) {
  $('recover-result').textContent = t('This link did not work.');
  showError(error);
}
