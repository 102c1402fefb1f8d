// The requests the paired browsers send, one card each: what is asked (sign-in or a new passkey),
// for which site, which account, from which browser, until when; Approve (with the PIN when one
// is set, or the phone's screen lock when that is on) or Deny. Cards are kept by key across updates, so a half-typed PIN survives.
import { toB64url, fromB64url } from '../../../../shared/bytes.ts';
import { displayText } from '../../../../shared/display-text.ts';
import type { HistoryEntry, Outcome, PendingRequest, Phone } from '../phone.ts';
import { PinError } from '../pin-guard.ts';
import { ScreenLockError } from '../unlock/screen-lock.ts';
import { locale, t } from '../i18n.ts';
import { byId, formatTime, h, messageOf } from './dom.ts';

const OUTCOME_TEXT: Record<Outcome, string> = {
  approved: t('approved'),
  denied: t('denied'),
  failed: t('failed'),
  cancelled: t('cancelled by the browser'),
  expired: t('expired'),
  disconnected: t('ended: the browser disconnected'),
};

function secondsLeft(request: PendingRequest): number {
  return Math.max(0, Math.ceil((request.incoming.expiresAt - Date.now()) / 1000));
}

/**
 * Text the page chose (names) goes through displayText and into an isolating <bdi>: bidi
 * overrides and invisible characters cannot make it, or the verified text beside it, read as
 * something else (issue 11.7).
 */
function pageText(value: string, testid?: string): HTMLElement {
  return h('bdi', { dir: 'auto', ...(testid ? { testid } : {}) }, displayText(value));
}

function accountText(request: PendingRequest): (string | HTMLElement)[] {
  const { request: message } = request.incoming;
  if (message.type === 'make-credential') {
    const { name, displayName } = message.user;
    return displayName && displayName !== name ? [pageText(name), ' (', pageText(displayName), ')'] : [pageText(name)];
  }
  const [only, ...others] = request.accounts ?? [];
  if (!only) return [t('No passkey for this site on this phone')];
  if (others.length === 0) return [pageText(only.userName)];
  return [t('{count} accounts', { count: (request.accounts ?? []).length })];
}

export class RequestsView {
  private readonly cards = new Map<string, { element: HTMLLIElement; countdown: HTMLElement }>();
  private readonly list = byId<HTMLUListElement>('request-list');

  constructor(
    private readonly phone: Phone,
    private readonly onNewRequest: () => void,
  ) {
    phone.changed.on((topic) => {
      if (topic === 'requests') this.render();
      if (topic === 'history') this.renderHistory();
    });
    this.render();
    // Kept from before a reload.
    this.renderHistory();
  }

  render(): void {
    const pending = this.phone.pendingRequests();
    const keys = new Set(pending.map((r) => r.key));
    for (const [key, card] of this.cards) {
      if (!keys.has(key)) {
        card.element.remove();
        this.cards.delete(key);
      }
    }
    let arrived = false;
    for (const request of pending) {
      if (this.cards.has(request.key)) continue;
      const card = this.card(request);
      this.cards.set(request.key, card);
      this.list.append(card.element);
      arrived = true;
    }
    byId('no-requests').hidden = pending.length > 0;
    const badge = byId('request-count');
    badge.hidden = pending.length === 0;
    badge.textContent = String(pending.length);
    if (arrived) this.onNewRequest();
  }

  /** Called every second: the countdowns. */
  tick(): void {
    for (const request of this.phone.pendingRequests()) {
      const card = this.cards.get(request.key);
      if (card) card.countdown.textContent = t('{seconds} s left', { seconds: secondsLeft(request) });
    }
  }

  private card(request: PendingRequest): { element: HTMLLIElement; countdown: HTMLElement } {
    const { view } = request.incoming;
    const registration = view.kind === 'registration';
    const countdown = h('span', { testid: 'request-countdown', class: 'countdown' }, t('{seconds} s left', { seconds: secondsLeft(request) }));
    const error = h('p', { testid: 'request-error', class: 'error', role: 'alert', hidden: true });
    const pin = request.asksPin
      ? h('input', {
          testid: 'request-pin',
          type: 'password',
          inputmode: 'numeric',
          autocomplete: 'off',
          'aria-label': request.usesScreenLock ? t('Your PIN (or leave empty to use the screen lock)') : t('Your PIN'),
          placeholder: request.usesScreenLock ? t('PIN (optional)') : t('PIN'),
        })
      : null;
    const screenLockHint = request.usesScreenLock
      ? h('p', { class: 'hint', testid: 'request-screen-lock' }, t('Approving asks for this phone’s screen lock (fingerprint, face or screen-lock PIN).'))
      : null;
    const accounts = request.accounts ?? [];
    const picker =
      accounts.length > 1
        ? h('select', { testid: 'request-account-select', 'aria-label': t('Account') }, ...accounts.map((a) => h('option', { value: toB64url(a.credentialId) }, displayText(a.userName))))
        : null;
    const cannotApprove = (!registration && accounts.length === 0) || request.needsPinSetup;
    const approve = h('button', { type: 'button', class: 'primary', testid: 'request-approve', disabled: cannotApprove }, registration ? t('Create passkey') : t('Sign in'));
    const deny = h('button', { type: 'button', testid: 'request-deny' }, t('Deny'));

    const busy = (on: boolean): void => {
      approve.disabled = on || cannotApprove;
      deny.disabled = on;
    };
    approve.addEventListener('click', () => {
      busy(true);
      error.hidden = true;
      const credentialId = picker ? fromB64url(picker.value) : undefined;
      this.phone.decide(request.key, { approve: true, ...(pin ? { pin: pin.value } : {}), ...(credentialId ? { credentialId } : {}) }).catch((e: unknown) => {
        error.textContent = e instanceof PinError || e instanceof ScreenLockError ? t(e.message) : t('Could not approve: {reason}', { reason: t(messageOf(e)) });
        if (e instanceof ScreenLockError) error.dataset.code = e.code;
        error.hidden = false;
        if (pin) pin.value = '';
        busy(false);
      });
    });
    deny.addEventListener('click', () => {
      busy(true);
      void this.phone.decide(request.key, { approve: false });
    });

    const element = h(
      'li',
      { testid: 'request', class: 'card request', 'data-kind': view.kind },
      h('h3', { testid: 'request-kind' }, registration ? t('Create a passkey') : t('Sign in')),
      h(
        'dl',
        {},
        // Verified first: the origin the phone signs over, and the rpId checked against it.
        h('dt', {}, t('Site')),
        h('dd', { testid: 'request-origin', class: 'origin' }, view.origin),
        h('dt', {}, t('Passkey for')),
        h(
          'dd',
          {},
          h('span', { testid: 'request-rp' }, view.rpId),
          // What the page calls itself: its own words, secondary.
          view.rpName ? h('span', { class: 'hint' }, t(' · the site calls itself '), pageText(view.rpName, 'request-rp-name')) : null,
        ),
        h('dt', {}, t('Account')),
        h('dd', { testid: 'request-account' }, ...accountText(request)),
        h('dt', {}, t('From')),
        h(
          'dd',
          {},
          h('span', { testid: 'request-browser' }, request.browser.label),
          h('span', { class: 'hint', testid: 'request-browser-paired' }, t(' · paired {time}', { time: formatTime(request.browser.pairedAt) })),
        ),
      ),
      picker,
      request.needsPinSetup ? h('p', { class: 'hint', testid: 'request-needs-pin' }, t('This site requires user verification: set an app PIN or the screen lock in Settings first.')) : null,
      screenLockHint,
      pin,
      error,
      h('div', { class: 'actions' }, approve, deny, countdown),
    );
    return { element, countdown };
  }

  private renderHistory(): void {
    const entries = this.phone.history.map((entry: HistoryEntry) =>
      h(
        'li',
        { testid: 'history-entry', 'data-outcome': entry.outcome },
        t(entry.kind === 'registration' ? 'New passkey on {site} from {browser}: {outcome} · {time}' : 'Sign-in on {site} from {browser}: {outcome} · {time}', {
          site: entry.origin,
          browser: entry.browser,
          outcome: OUTCOME_TEXT[entry.outcome],
          time: new Date(entry.at).toLocaleTimeString(locale),
        }),
      ),
    );
    byId('request-history').replaceChildren(...entries);
  }
}
