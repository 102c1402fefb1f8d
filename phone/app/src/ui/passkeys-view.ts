// The passkeys this phone holds: site, account, when made, when last used; delete one.
import { displayText } from '../../../../shared/display-text.ts';
import type { PasskeyInfo, Phone } from '../phone.ts';
import { t } from '../i18n.ts';
import { byId, confirmAction, formatTime, h } from './dom.ts';

export class PasskeysView {
  constructor(private readonly phone: Phone) {
    phone.changed.on((topic) => {
      if (topic === 'passkeys') void this.render();
    });
    void this.render();
  }

  async render(): Promise<void> {
    const passkeys = await this.phone.passkeys();
    byId('no-passkeys').hidden = passkeys.length > 0;
    byId('passkey-list').replaceChildren(...passkeys.map((p) => this.item(p)));
  }

  private item(passkey: PasskeyInfo): HTMLLIElement {
    const remove = h('button', { type: 'button', class: 'danger', testid: 'passkey-delete' }, t('Delete'));
    remove.addEventListener('click', () => {
      const question = t('Delete the passkey for {account} on {site}? You will no longer be able to sign in there with it.', { account: displayText(passkey.userName), site: passkey.rpId });
      void confirmAction(question, t('Delete')).then((yes) => {
        if (yes) void this.phone.deletePasskey(passkey.id);
      });
    });
    // Names the site chose: made display-safe (issue 11.7), the rpId beside them is verified.
    const name = displayText(passkey.userName);
    const shownDisplayName = displayText(passkey.userDisplayName ?? '');
    const account = shownDisplayName && shownDisplayName !== name ? `${name} (${shownDisplayName})` : name;
    return h(
      'li',
      { testid: 'passkey', class: 'card' },
      h('h3', { testid: 'passkey-site' }, passkey.rpId),
      h(
        'dl',
        {},
        h('dt', {}, t('Account')),
        h('dd', { testid: 'passkey-account' }, h('bdi', { dir: 'auto' }, account)),
        h('dt', {}, t('Created')),
        h('dd', { testid: 'passkey-created' }, formatTime(passkey.createdAt)),
        h('dt', {}, t('Last used')),
        h('dd', { testid: 'passkey-last-used' }, formatTime(passkey.lastUsedAt)),
        h('dt', {}, t('Uses')),
        h('dd', { testid: 'passkey-sign-count' }, String(passkey.signCount)),
      ),
      h('div', { class: 'actions' }, remove),
    );
  }
}
