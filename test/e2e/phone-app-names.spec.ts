// Issue 11.7: the names a page puts in a request (rp.name, user.name, user.displayName) are the
// page's own words. Bidi overrides and invisible characters in them must not make the verified
// site beside them read as another one: the phone shows the verified origin and rpId first, and
// the page's names display-safe (shared/display-text.ts) and isolated, as secondary text.
import { generateRegistrationOptions } from '@simplewebauthn/server';
import { RP_URL } from './fixtures.ts';
import { confirmPairing, createCredential, expect, test } from './phone-app-fixtures.ts';

test('hostile names in a request are neutralised on the phone; the verified site comes first', async ({ context, popup, phone }) => {
  const app = await phone.open((await popup.getByTestId('pairing-link').textContent())!);
  await app.getByTestId('pairing-continue').tap();
  await confirmPairing(app, popup);

  const rp = await context.newPage();
  await rp.goto(RP_URL);
  const options = await generateRegistrationOptions({
    rpName: 'Bank \u202Emoc.elgoog\u202C',
    rpID: 'localhost',
    userName: 'alice\u200B\nadmin',
    userDisplayName: '\u2067Alice\u2069 \u202Emoc.knab',
  });
  const registration = createCredential(rp, options);
  const request = app.getByTestId('request');
  await expect(request.getByTestId('request-origin')).toHaveText(RP_URL);
  await expect(request.getByTestId('request-rp')).toHaveText('localhost');
  await expect(request.getByTestId('request-rp-name')).toHaveText('Bank \uFFFDmoc.elgoog\uFFFD');
  await expect(request.getByTestId('request-account')).toHaveText('alice admin (\uFFFDAlice\uFFFD \uFFFDmoc.knab)');
  // The verified origin is the first thing on the card, before any of the page's words.
  const text = (await request.textContent())!;
  expect(text.indexOf(RP_URL)).toBeLessThan(text.indexOf('Bank'));
  expect(text).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200B-\u200F]/);
  // Each of the page's names sits in its own isolating element.
  await expect(request.locator('bdi[dir="auto"]')).toHaveCount(3);
  await request.getByTestId('request-deny').tap();
  expect(await registration).toEqual({ ok: false, error: 'NotAllowedError' });
});

test('a phone name with bidi and invisible characters is shown neutralised in the extension popup', async ({ popup, pairPhone }) => {
  // The protocol allows any name without C0 controls; the phone chooses it, so the popup must not trust it.
  await pairPhone(['--name', 'Pixel\u200B \u202Eenohp live\u202C']);
  const shown = popup.getByTestId('paired-phone');
  await expect(shown).toHaveText('Pixel \uFFFDenohp live\uFFFD');
  await expect(shown).toHaveAttribute('dir', 'auto');
});
