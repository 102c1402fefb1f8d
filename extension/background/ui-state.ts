// What the extension pages render, assembled from storage and the live state of links, pairing
// and requests. Pages get a fresh copy on every change through their UI port.
import type { PhoneView, UiState } from '../runtime-messages.ts';
import { currentConnectOffer } from './connect-offer.ts';
import { lastHandoff } from './handoff.ts';
import { currentPairing, pairingError } from './pairing.ts';
import { phones } from './phones.ts';
import { requestViews } from './requests.ts';
import { phoneUrlProblem } from './settings-urls.ts';
import { getPhones, getSettings, getSiteRules } from './storage.ts';
import { proxyState } from './webauthn-proxy.ts';

export async function uiState(): Promise<UiState> {
  const [settings, stored, rules] = await Promise.all([getSettings(), getPhones(), getSiteRules()]);
  const phoneViews: PhoneView[] = stored.map((p) => ({
    id: p.id,
    name: p.name,
    status: p.confirmed ? phones.status(p.id) : 'unconfirmed',
    confirmationCode: p.confirmationCode,
    pairedAt: p.pairedAt,
  }));
  return {
    relayUrl: settings.relayUrl,
    phoneUrl: settings.phoneUrl,
    defaultRule: settings.defaultRule,
    siteRules: Object.entries(rules)
      .map(([site, rule]) => ({ site, rule }))
      .sort((a, b) => a.site.localeCompare(b.site)),
    proxy: proxyState(settings.proxyEnabled),
    phones: phoneViews,
    pairing: currentPairing(),
    pairingError: pairingError(),
    requests: requestViews(),
    phoneUrlProblem: phoneUrlProblem(settings.phoneUrl),
    connectOffer: currentConnectOffer(),
    handoff: lastHandoff(),
  };
}
