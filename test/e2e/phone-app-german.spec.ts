// The phone app follows the phone browser's language: in German every screen renders with no
// English left (visible text checked against the English keys of the catalog and common English
// words, as the RP's German test does), from the pairing questions to the settings.
import type { Page } from '@playwright/test';
import { visibleTexts } from '../support/visible-texts.ts';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { createPairingOffer, encodePairingLink, generateStaticKeyPair, PairingResponder } from '../../shared/protocol/index.ts';
import { pairingRelayTarget, RelaySocket, type WebSocketLike } from '../../shared/relay-socket.ts';
import { expectAccessible } from '../support/a11y.ts';
import { PHONE_URL, RP_URL } from './fixtures.ts';
import { expect, test } from './phone-app-fixtures.ts';

const GERMAN = JSON.parse(readFileSync(new URL('../../phone/app/src/i18n/de.json', import.meta.url), 'utf8')) as Record<string, string>;

// bdi, code, output: names, codes and links the person or a browser chose, not page text.
const pageTexts = (page: Page) => visibleTexts(page, 'bdi, code, output');

/** English left: catalog entries shown untranslated, or common English words. */
function english(texts: string[]): string[] {
  const untranslated = new Set(Object.entries(GERMAN).filter(([en, de]) => en !== de).map(([en]) => en.trim()));
  return texts.filter((text) => untranslated.has(text) || /\b(the|and|your|you|with|sign|account|key|browser is|phone)\b/i.test(text));
}

test.describe('in German', () => {
  test.use({ phoneLocale: 'de-DE' });

  test('every phone app screen follows the browser language, with no English left', async ({ phone }) => {
    test.setTimeout(90_000);
    // A browser offering to pair (the protocol's own responder on the real relay).
    const key = generateStaticKeyPair();
    const offer = createPairingOffer(RP_URL, key.publicKey, 120_000);
    const responder = new PairingResponder(key, offer.secret);
    const browser = await RelaySocket.connect((url) => new WebSocket(url) as unknown as WebSocketLike, pairingRelayTarget(RP_URL, offer.secret, 'extension'), {
      onFrame: (frame, relay) => relay.send(responder.respond(frame).reply),
    });
    const app = await phone.open(encodePairingLink(PHONE_URL, offer));
    await expect(app.locator('html')).toHaveAttribute('lang', 'de');
    await expect(app.getByTestId('tab-requests')).toContainText('Anfragen');
    const consent = app.getByTestId('pairing-consent');
    await expect(consent).toContainText('Mit einem Browser koppeln?');
    await expect(app.getByTestId('pairing-consent-text')).toContainText('Ein Kopplungslink hat diese App geöffnet');
    expect(english(await pageTexts(app)), 'pairing question').toEqual([]);
    await app.getByTestId('pairing-continue').tap();
    await expect(app.getByTestId('pairing-code')).toHaveText(/^\d{6}$/);
    await expect(app.getByTestId('pairing-result-text')).toContainText('Nach der Bestätigung heißt er „Browser 1“');
    expect(english(await pageTexts(app)), 'codes to compare').toEqual([]);
    await app.getByTestId('pairing-mismatch').tap();
    await expect(app.getByTestId('no-browsers')).toHaveText('Noch kein Browser gekoppelt.');
    expect(english(await pageTexts(app)), 'browsers').toEqual([]);
    browser.close();

    await app.getByTestId('tab-requests').tap();
    await expect(app.getByTestId('no-requests')).toBeVisible();
    await expect(app.getByTestId('link-status')).toHaveText('nicht gekoppelt');
    expect(english(await pageTexts(app)), 'requests').toEqual([]);
    await app.getByTestId('tab-passkeys').tap();
    await expect(app.getByTestId('no-passkeys')).toBeVisible();
    expect(english(await pageTexts(app)), 'passkeys').toEqual([]);
    await app.getByTestId('tab-codes').tap();
    await app.getByTestId('otp-add').locator('summary').first().tap();
    await app.getByTestId('otp-add-issuer').fill('Beispiel');
    await app.getByTestId('otp-add-secret').fill('ABC');
    await app.getByTestId('otp-add-submit').tap();
    await expect(app.getByTestId('otp-add-error')).toHaveText('Der Schlüssel muss mindestens 16 Base32-Zeichen haben (A–Z, 2–7).');
    expect(english(await pageTexts(app)), 'codes').toEqual([]);
    await app.getByTestId('tab-settings').tap();
    await app.getByTestId('pin-new').fill('482913');
    await app.getByTestId('pin-confirm').fill('482913');
    await app.getByTestId('pin-save').tap();
    await expect(app.getByTestId('pin-status')).toHaveText('PIN festgelegt.');
    expect(english(await pageTexts(app)), 'settings').toEqual([]);
    await expectAccessible(app, 'phone app settings in German');
  });
});
