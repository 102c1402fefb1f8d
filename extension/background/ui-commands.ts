// What each command from an extension page (popup, options, prompt) does. The UI server has
// already checked the sender and the schema; a UserFacingError's message is shown to the person.
import type { UiCommand, UiEvent } from '../runtime-messages.ts';
import { t } from '../translate.ts';
import { UserFacingError } from '../user-facing-error.ts';
import { acceptConnection, declineConnection } from './connect-offer.ts';
import { forgetPhone } from './forget-phone.ts';
import { safeOrigin } from './origins.ts';
import { cancelPairing, confirmPhone, startPairing } from './pairing.ts';
import { phones } from './phones.ts';
import { choose } from './requests.ts';
import { setConnection, setDefaultRule, setPhoneUrl, setProxyEnabled, setRelayUrl, setSiteRule, updatePhone } from './storage.ts';
import { updateProxy } from './webauthn-proxy.ts';

/** Runs one command; what it returns is sent to the page that sent the command only. */
export async function runUiCommand(command: UiCommand): Promise<UiEvent | void> {
  switch (command.type) {
    case 'keepalive':
      return;
    case 'start-pairing':
      // Not awaited: a slow relay must not hold up the page's next commands. Failures are shown
      // through pairingError().
      startPairing().catch(() => undefined);
      return;
    case 'confirm-pairing':
      await confirmPhone(command.phoneId);
      await phones.sync();
      await updateProxy();
      return;
    case 'reject-pairing':
    case 'unpair':
      await forgetPhone(command.phoneId);
      return;
    case 'rename-phone':
      await updatePhone(command.phoneId, { name: command.name.trim() || 'Phone' });
      return;
    case 'set-relay':
      cancelPairing();
      await setRelayUrl(command.relayUrl);
      await phones.sync();
      return;
    case 'set-phone-url':
      cancelPairing();
      await setPhoneUrl(command.phoneUrl);
      return;
    case 'save-connection':
      await setConnection(command.relayUrl, command.phoneUrl);
      // Whatever offer was showing used the old settings.
      cancelPairing();
      await phones.sync();
      return { type: 'saved', what: 'connection' };
    case 'accept-connect':
      await acceptConnection(command.offerId);
      return;
    case 'decline-connect':
      await declineConnection(command.offerId);
      return;
    case 'set-default-rule':
      await setDefaultRule(command.rule);
      return;
    case 'set-site-rule': {
      const site = safeOrigin(command.site.includes('://') ? command.site : `https://${command.site}`);
      if (!site) throw new UserFacingError(t('errSite'), 'site-invalid', 'rule-site');
      await setSiteRule(site, command.rule);
      return;
    }
    case 'set-proxy':
      await setProxyEnabled(command.enabled);
      await updateProxy();
      return;
    case 'choose':
      await choose(command.requestId, command.choice, command.remember === true);
      return;
  }
}
