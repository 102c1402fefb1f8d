// The whole wire: page → extension → relay → virtual phone → back, checked by the bundled RP.
// The account is created with a password (and a verified email, which 2FA requires); the
// passkey is then added on the Security page and signs in on its own.
import type { Page } from '@playwright/test';
import { addPasskey, signUpVerified } from '../qa/fixtures-rp.ts';
import { addVirtualAuthenticator } from '../support/virtual-authenticator.ts';
import { expectAccessible, tabTo } from '../support/a11y.ts';
import { expect, RP_URL, test } from './fixtures.ts';

async function keysOnServer(page: Page): Promise<{ kind: string; name: string }[]> {
  return ((await (await page.request.get(`${RP_URL}/api/keys`)).json()) as { keys: { kind: string; name: string }[] }).keys;
}

test('a passkey held by the paired phone is registered (sent to the phone from the prompt window by keyboard alone), then signs the person in after a phone restart', async ({
  context,
  extensionId,
  pairPhone,
  servePhone,
}) => {
  const { phone: pairedPhone, storePath } = await pairPhone();
  let phone = pairedPhone;
  // "Ask me each time": the prompt window asks where the request goes.
  const options = await context.newPage();
  await options.goto(`chrome-extension://${extensionId}/extension/ui/options.html`);
  await expect(options.getByTestId('paired-phone')).toBeVisible();
  await expectAccessible(options, 'options page');
  await options.getByTestId('default-rule').selectOption('ask');
  await expect(options.getByTestId('default-rule')).toHaveAttribute('data-saved', 'ask');
  await options.close();
  const page = await context.newPage();
  await signUpVerified(page, 'alice');

  const prompted = context.waitForEvent('page', (opened) => opened.url().includes('/extension/ui/prompt.html'));
  await addPasskey(page, 'My phone');
  const prompt = await prompted;
  await expect(prompt.getByTestId('prompt-heading')).toHaveText(/^localhost:\d+ wants to create a passkey$/);
  await expectAccessible(prompt, 'prompt window');
  // Keyboard alone: Tab to "Remember for this site", Space, Tab to "Use my phone", Enter.
  await tabTo(prompt, 'prompt-remember');
  await prompt.keyboard.press('Space');
  await tabTo(prompt, 'prompt-phone');
  await prompt.keyboard.press('Enter');
  await expect(page.getByTestId('status')).toHaveText('Added "My phone"');
  await phone.waitForLog(/request registration http:\/\/localhost:\d+ \(localhost\) for alice: approve/);
  // The first factor turns 2FA on: the backup codes are shown once.
  await expect(page.getByTestId('backup-code')).toHaveCount(10);
  await page.getByTestId('backup-done').click();
  // Checked server-side: the credential is stored as a passkey.
  expect(await keysOnServer(page)).toEqual([expect.objectContaining({ kind: 'passkey', name: 'My phone' })]);

  await page.getByTestId('signout').click();
  await expect(page.getByTestId('current-user')).toHaveText('');
  expect((await page.request.get(`${RP_URL}/api/me`)).status()).toBe(401);

  // The phone goes offline and comes back from its store: pairing and passkey survive.
  await phone.stop();
  phone = await servePhone(storePath);

  // No username, no password: the phone finds alice's passkey.
  await page.goto(`${RP_URL}/signin`);
  await page.getByTestId('signin-passkey').click();
  await expect(page.getByTestId('current-user')).toHaveText('alice');
  await phone.waitForLog(/request sign-in http:\/\/localhost:\d+ \(localhost\): approve/);
  expect(await (await page.request.get(`${RP_URL}/api/me`)).json()).toMatchObject({ username: 'alice' });
});

test('when the phone denies, the page sees NotAllowedError and no passkey is registered', async ({ context, pairPhone }) => {
  await pairPhone(['--deny']);
  const page = await context.newPage();
  await signUpVerified(page, 'bob');

  await addPasskey(page, 'Denied phone');
  await expect(page.getByTestId('status')).toHaveAttribute('data-error', 'NotAllowedError');
  expect(await keysOnServer(page)).toEqual([]);
  await expect(page.getByTestId('twofa-status')).toHaveText('Off');
});

test('without a paired phone, WebAuthn calls go to the browser untouched', async ({ context, extensionId }) => {
  expect(extensionId).toBeTruthy();
  const page = await context.newPage();
  await page.goto(RP_URL);
  // The browser's own authenticator, independent of Pairkey: Chrome's DevTools virtual one.
  const browserAuthenticator = await addVirtualAuthenticator(page, 'internal');

  // The extension's override is installed, yet it hands the call to the browser.
  expect(await page.evaluate(() => CredentialsContainer.prototype.create.toString().includes('[native code]'))).toBe(false);
  await signUpVerified(page, 'carol');
  await addPasskey(page, 'Laptop');
  await expect(page.getByTestId('status')).toHaveText('Added "Laptop"');
  const credentials = await browserAuthenticator.credentials();
  expect(credentials).toHaveLength(1);
  expect(credentials[0]?.isResidentCredential).toBe(true);
});
