// The options page: phones (rename, unpair, pair another), per-site rules, and the connection.
import type { SiteRule, UiState } from '../runtime-messages.ts';
import { connectUi, showAlert, type PageEvent } from './client.ts';
import { renderList, renderPairing, renderPhones } from './components.ts';
import { connectionForm } from './connection-form.ts';
import { button, el, localize, t } from './i18n.ts';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
localize();

const RULES: SiteRule[] = ['phone', 'ask', 'browser'];
const RULE_KEYS: Record<SiteRule, string> = { phone: 'rulePhone', ask: 'ruleAsk', browser: 'ruleBrowser' };

let addingPhone = false;
let last: UiState | null = null;
/** The last error the background sent for a command (shown until the next one, or a pairing error). */
let commandError: Extract<PageEvent, { type: 'error' }> | null = null;
const form = connectionForm($<HTMLFormElement>('settings'), () => send);

function ruleRow(site: string, rule: SiteRule): HTMLElement {
  const select = el('select', { testid: 'rule-select', attrs: { 'aria-label': t('ruleFor', site) } });
  for (const r of RULES) {
    const option = el('option', { text: t(RULE_KEYS[r]), attrs: { value: r } });
    option.selected = r === rule;
    select.append(option);
  }
  select.addEventListener('change', () => send({ type: 'set-site-rule', site, rule: select.value as SiteRule }));
  return el(
    'tr',
    { testid: 'rule-row', attrs: { 'data-site': site } },
    el('td', { text: site, testid: 'rule-site-name' }),
    el('td', {}, select),
    el('td', {}, button(t('remove'), 'rule-remove', () => send({ type: 'set-site-rule', site, rule: null }))),
  );
}

function render(state: UiState): void {
  last = state;
  showAlert($('error'), state.pairingError ? { message: state.pairingError, code: 'pairing' } : commandError);
  $('no-phones').hidden = state.phones.length > 0;
  renderPhones($('phone-list'), state, send, { rename: true });
  const confirming = state.phones.some((p) => p.status === 'unconfirmed');
  const wantPairing = addingPhone && !confirming;
  if (confirming) addingPhone = false;
  $('add-phone').hidden = wantPairing || confirming;
  void renderPairing($('pairing'), state, wantPairing);
  $<HTMLSelectElement>('default-rule').value = state.defaultRule;
  $('default-rule').dataset.saved = state.defaultRule;
  renderList($('rule-list'), state.siteRules, (r) => ruleRow(r.site, r.rule));
  form.render(state);
  $('proxy-row').hidden = !state.proxy.available;
  $('proxy-hint').hidden = !state.proxy.available;
  $<HTMLInputElement>('proxy').checked = state.proxy.enabled;
  $('proxy-hint').textContent = state.proxy.attached ? t('proxyAttached') : t('proxyDetached');
}

const send = connectUi(render, (event) => {
  if (form.onEvent(event) || event.type !== 'error') return;
  commandError = event;
  showAlert($('error'), event);
});

$('add-phone').addEventListener('click', () => {
  addingPhone = true;
  send({ type: 'start-pairing' });
  if (last) render(last);
});
$('renew').addEventListener('click', () => send({ type: 'start-pairing' }));
$('default-rule').addEventListener('change', () => send({ type: 'set-default-rule', rule: $<HTMLSelectElement>('default-rule').value as SiteRule }));
$('add-rule').addEventListener('submit', (event) => {
  event.preventDefault();
  commandError = null;
  send({ type: 'set-site-rule', site: $<HTMLInputElement>('rule-site').value.trim(), rule: $<HTMLSelectElement>('rule-choice').value as SiteRule });
  $<HTMLInputElement>('rule-site').value = '';
});
$('proxy').addEventListener('change', () => send({ type: 'set-proxy', enabled: $<HTMLInputElement>('proxy').checked }));
