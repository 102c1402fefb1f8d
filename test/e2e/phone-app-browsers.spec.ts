// Paired browsers on the phone: pairing from a pasted link, naming the browser (the name shows on
// each request), and removing it, which the extension learns through the protocol's `unpair`.
import { generateRegistrationOptions } from '@simplewebauthn/server';
import { RP_URL } from './fixtures.ts';
import { confirmPairing, createCredential, expect, test } from './phone-app-fixtures.ts';

test('pairs from a pasted link, names the browser, and removing it unpairs the extension too', async ({ context, popup, phone }) => {
  const app = await phone.open();
  await app.getByTestId('tab-browsers').tap();
  await expect(app.getByTestId('no-browsers')).toBeVisible();

  // Something that is not a pairing link is refused with a reason.
  await app.getByTestId('paste-link').fill('https://example.com/#not-a-pairing-link');
  await app.getByTestId('paste-submit').tap();
  await expect(app.getByTestId('pairing-error')).toContainText('not a Pairkey pairing link');

  await app.getByTestId('paste-link').fill((await popup.getByTestId('pairing-link').textContent())!);
  await app.getByTestId('paste-submit').tap();
  // A pasted link asks first too (it may have come from anyone).
  await expect(app.getByTestId('pairing-consent')).toContainText('Browser 1');
  await app.getByTestId('pairing-continue').tap();
  await confirmPairing(app, popup);
  await expect(app.getByTestId('pairing-error')).toBeHidden();

  const browser = app.getByTestId('browser');
  await browser.getByTestId('browser-name').fill('Work laptop');
  await browser.getByTestId('browser-rename').tap();
  await expect(browser.getByTestId('browser-name')).toHaveValue('Work laptop');

  // Each request says which browser it comes from.
  const rp = await context.newPage();
  await rp.goto(RP_URL);
  const registration = createCredential(rp, await generateRegistrationOptions({ rpName: 'Pairkey test', rpID: 'localhost', userName: 'frank' }));
  await expect(app.getByTestId('request-browser')).toHaveText('Work laptop');
  await app.getByTestId('request-deny').tap();
  expect(await registration).toEqual({ ok: false, error: 'NotAllowedError' });

  // Remove it on the phone: the extension is told and forgets the phone as well.
  await expect(popup.getByTestId('phone-item')).toHaveCount(1);
  await app.getByTestId('tab-browsers').tap();
  await browser.getByTestId('browser-remove').tap();
  await expect(app.getByTestId('confirm-text')).toContainText('Remove Work laptop?');
  await app.getByTestId('confirm-yes').tap();
  await expect(app.getByTestId('browser')).toHaveCount(0);
  await expect(popup.getByTestId('phone-item')).toHaveCount(0);
  await expect(popup.getByTestId('pairing-qr')).toBeVisible();
});
