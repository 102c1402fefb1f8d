// The RP's screens as a person meets them: plain sentences for errors (names only in data-error),
// the re-auth dialog, the key-name field, sign-out leaving nothing of the account on screen, an
// authenticator that already holds a key, a favicon, axe audits of every page, and German.
import type { Page } from '@playwright/test';
import { visibleTexts } from '../support/visible-texts.ts';
import { readFileSync } from 'node:fs';
import { expectAccessible } from '../support/a11y.ts';
import { addKey, expect, PASSWORD, signInWithPassword, signUpVerified, test } from './rp-fixtures.ts';

const GERMAN = JSON.parse(readFileSync(new URL('../../harness-server/rp/public/i18n/de.json', import.meta.url), 'utf8')) as Record<string, string>;

test('security page: key names, an authenticator already used, the re-auth dialog, sign-out; every page audited', async ({ page, rp, addAuthenticator }) => {
  test.setTimeout(150_000);
  for (const path of ['/', '/signin', '/signup', '/reset-password']) {
    await page.goto(`${rp.url}${path}`);
    await expect(page.locator('#site-header nav')).toBeVisible();
    await expectAccessible(page, path);
  }
  const icon = await page.request.get(`${rp.url}/favicon.ico`);
  expect([icon.status(), icon.headers()['content-type']]).toEqual([200, 'image/svg+xml']);
  await expect(page.locator('link[rel="icon"]')).toHaveAttribute('href', '/favicon.svg');

  await addAuthenticator(page);
  await signUpVerified(page, rp, 'ivy');
  await expectAccessible(page, '/security');

  // The name follows the chosen kind until the person types one; after an add it starts over.
  const name = page.getByTestId('key-add-name');
  await expect(name).toHaveValue('Security key');
  await page.getByTestId('key-add-kind').selectOption('passkey');
  await expect(name).toHaveValue('Passkey');
  await name.fill('My phone');
  await page.getByTestId('key-add-kind').selectOption('security-key');
  await expect(name).toHaveValue('My phone');
  await addKey(page, 'My phone');
  await expect(name).toHaveValue('Security key');

  // The same authenticator again: WebAuthn refuses it (excludeCredentials); the page names the key.
  await name.fill('Second try');
  await page.getByTestId('key-add-password').fill(PASSWORD);
  await page.getByTestId('key-add-submit').click();
  const status = page.getByTestId('status');
  await expect(status).toHaveText('This security key or phone already holds a key for this account: "My phone". One authenticator holds one key per account; use another one, or remove "My phone" first.');
  await expect(status).toHaveAttribute('data-error', 'InvalidStateError');

  // Re-auth: centred, no code field for a security key, and a wrong password keeps it open.
  await page.getByTestId('twofa-disable').click();
  const dialog = page.getByTestId('reauth-dialog');
  await expect(dialog).toBeVisible();
  await expect(page.getByTestId('reauth-proof-type')).toHaveValue('security-key');
  await expect(page.getByTestId('reauth-code')).toBeHidden();
  const box = (await dialog.boundingBox())!;
  const viewport = page.viewportSize()!;
  expect(Math.abs(box.x + box.width / 2 - viewport.width / 2)).toBeLessThan(2);
  expect(box.y).toBeGreaterThan((await page.locator('#site-header').boundingBox())!.height);
  await expectAccessible(page, 're-auth dialog');
  await page.getByTestId('reauth-proof-type').selectOption('backup-code');
  await expect(page.getByTestId('reauth-code')).toBeEnabled();
  await page.getByTestId('reauth-password').fill(PASSWORD);
  await page.getByTestId('reauth-code').fill('aaaaa-aaaaa');
  await page.getByTestId('reauth-submit').click();
  await expect(page.getByTestId('reauth-error')).toHaveText('Wrong or already used backup code');
  await expect(dialog).toBeVisible();
  await expect(page.getByTestId('reauth-password')).toHaveValue(PASSWORD);
  await expect(page.getByTestId('reauth-code')).toHaveValue('');
  await page.getByTestId('reauth-cancel').click();
  await expect(dialog).toBeHidden();

  // Signing out leaves nothing of the account on screen.
  await page.getByTestId('signout').click();
  await expect(status).toHaveText('Signed out');
  await expect(page.getByTestId('signed-out')).toBeVisible();
  for (const id of ['email-address', 'key-list', 'backup-remaining', 'audit-log']) await expect(page.getByTestId(id)).toHaveCount(0);
  await expect(page.locator('main')).not.toContainText('ivy@example.com');
});

// translate="no": data shown as recorded (the audit log's details), not page text.
const pageTexts = (page: Page) => visibleTexts(page, '[translate="no"]');

/** English left on a German page: catalog entries shown untranslated, or common English words. */
function english(texts: string[]): string[] {
  const untranslated = new Set(Object.entries(GERMAN).filter(([en, de]) => en !== de).map(([en]) => en));
  return texts.filter((text) => untranslated.has(text) || /\b(the|and|your|you|with|sign|account|key)\b/i.test(text));
}

test.describe('in German', () => {
  test.use({ locale: 'de-DE' });

  test('every page follows the browser language, with no English left', async ({ page, rp, addAuthenticator }) => {
    test.setTimeout(150_000);
    for (const path of ['/', '/signin', '/signup', '/reset-password']) {
      await page.goto(`${rp.url}${path}`);
      await expect(page.locator('html')).toHaveAttribute('lang', 'de');
      await expect(page.getByTestId('nav-signin')).toHaveText('Anmelden');
      expect(english(await pageTexts(page)), path).toEqual([]);
    }
    await addAuthenticator(page);
    await page.goto(`${rp.url}/signup`);
    await page.getByTestId('signup-username').fill('jonas');
    await page.getByTestId('signup-email').fill('jonas@example.com');
    await page.getByTestId('signup-password').fill('kurz');
    await page.getByTestId('signup-submit').click();
    await expect(page.getByTestId('status')).toHaveText('Verwenden Sie mindestens 12 Zeichen');
    await page.getByTestId('signup-password').fill(PASSWORD);
    await page.getByTestId('signup-submit').click();
    await expect(page).toHaveURL(`${rp.url}/security`);
    await expect(page.getByTestId('email-status')).toHaveText('Nicht bestätigt');
    await page.goto(await rp.emailLink(page, 'jonas@example.com', '/verify-email'));
    await expect(page.getByTestId('verify-result')).toHaveText('Ihre E-Mail-Adresse ist bestätigt. Sie können jetzt die Zwei-Faktor-Authentifizierung einschalten.');
    await page.goto(`${rp.url}/security`);
    await expect(page.getByTestId('key-add-name')).toHaveValue('Sicherheitsschlüssel');
    await page.getByTestId('key-add-password').fill(PASSWORD);
    await page.getByTestId('key-add-submit').click();
    await expect(page.getByTestId('status')).toHaveText('„Sicherheitsschlüssel“ hinzugefügt');
    await page.getByTestId('backup-done').click();
    expect(english(await pageTexts(page)), '/security').toEqual([]);
    await page.goto(`${rp.url}/teams`);
    await page.getByTestId('org-name').fill('Firma');
    await page.getByTestId('org-create').click();
    await expect(page.getByTestId('status')).toHaveText('Firma gegründet');
    expect(english(await pageTexts(page)), '/teams').toEqual([]);
    await expectAccessible(page, '/teams in German');
  });
});
