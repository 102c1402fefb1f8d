// The passkeys this phone holds: site, account, when made, when last used; delete one.
import type { PasskeyInfo, Phone } from '../phone.ts';
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
    const remove = h('button', { type: 'button', class: 'danger', testid: 'passkey-delete' }, 'Delete');
    remove.addEventListener('click', () => {
      const question = `Delete the passkey for ${passkey.userName} on ${passkey.rpId}? You will no longer be able to sign in there with it.`;
      void confirmAction(question, 'Delete').then((yes) => {
        if (yes) void this.phone.deletePasskey(passkey.id);
      });
    });
    const account = passkey.userDisplayName && passkey.userDisplayName !== passkey.userName ? `${passkey.userName} (${passkey.userDisplayName})` : passkey.userName;
    return h(
      'li',
      { testid: 'passkey', class: 'card' },
      h('h3', { testid: 'passkey-site' }, passkey.rpId),
      h(
        'dl',
        {},
        h('dt', {}, 'Account'),
        h('dd', { testid: 'passkey-account' }, account),
        h('dt', {}, 'Created'),
        h('dd', { testid: 'passkey-created' }, formatTime(passkey.createdAt)),
        h('dt', {}, 'Last used'),
        h('dd', { testid: 'passkey-last-used' }, formatTime(passkey.lastUsedAt)),
        h('dt', {}, 'Uses'),
        h('dd', { testid: 'passkey-sign-count' }, String(passkey.signCount)),
      ),
      h('div', { class: 'actions' }, remove),
    );
  }
}
