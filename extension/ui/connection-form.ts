// The Connection form (relay URL, phone app URL), shared by the popup and the options page: the
// background checks both values and answers either "saved" or an error naming the field and what
// is wrong, shown beside the form; the error's code stays in data-error-code for QA.
import type { UiEvent, UiState } from '../runtime-messages.ts';
import type { Send } from './client.ts';
import { t } from './i18n.ts';

export interface ConnectionForm {
  render: (state: UiState) => void;
  /** Handles the events about this form; false for others. */
  onEvent: (event: Exclude<UiEvent, { type: 'state' }>) => boolean;
}

export function connectionForm(form: HTMLFormElement, send: () => Send): ConnectionForm {
  const field = (name: string) => form.querySelector<HTMLInputElement>(`[data-testid="${name}"]`)!;
  const status = form.querySelector<HTMLElement>('[data-testid="settings-status"]')!;
  const relay = field('relay-url');
  const phone = field('phone-url');
  // The page's own messages, not the browser's validation bubble (which accepts `localhost:38787`
  // as a URL with the scheme "localhost:" and rejects other slips without saying which).
  form.noValidate = true;
  let saving = false;

  const show = (text: string, kind: 'saved' | 'error' | 'none', code = '') => {
    status.textContent = text;
    status.hidden = kind === 'none';
    status.className = kind === 'error' ? 'status-line error-text' : 'status-line';
    if (code) status.dataset.errorCode = code;
    else delete status.dataset.errorCode;
  };
  const clearInvalid = () => {
    for (const input of [relay, phone]) input.removeAttribute('aria-invalid');
  };
  for (const input of [relay, phone]) input.addEventListener('input', () => show('', 'none'));

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearInvalid();
    show('', 'none');
    saving = true;
    send()({ type: 'save-connection', relayUrl: relay.value, phoneUrl: phone.value });
  });

  return {
    render(state) {
      relay.value ||= state.relayUrl;
      phone.value ||= state.phoneUrl;
    },
    onEvent(event) {
      if (!saving) return false;
      if (event.type === 'saved') {
        saving = false;
        show(t('saved'), 'saved');
        return true;
      }
      if (event.field !== 'relay-url' && event.field !== 'phone-url') return false;
      saving = false;
      const input = event.field === 'relay-url' ? relay : phone;
      input.setAttribute('aria-invalid', 'true');
      status.id ||= `${form.id}-status`;
      input.setAttribute('aria-describedby', status.id);
      show(event.message, 'error', event.code);
      input.focus();
      return true;
    },
  };
}
