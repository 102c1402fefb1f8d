// Opened from the recovery email: confirms the two-factor reset, which becomes available
// after the waiting period.
import { $, api, loadHeader, showError } from './common.js';

void loadHeader();
const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? '';
history.replaceState(null, '', location.pathname);
try {
  const { availableAt } = await api.post('/api/recovery/confirm', { token });
  const result = $('recover-result');
  result.dataset.availableAt = availableAt;
  result.textContent = `Confirmed. Two-factor authentication can be reset from ${new Date(availableAt).toLocaleString()}.`;
} catch (error) {
  $('recover-result').textContent = 'This link did not work.';
  showError(error);
}
