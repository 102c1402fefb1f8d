// The whole wire: page → extension → relay → virtual phone → back, checked by the bundled RP.
import { expect, RP_URL, test } from './fixtures.ts';

async function signUp(page: import('@playwright/test').Page, username: string): Promise<void> {
  await page.getByTestId('signup-username').fill(username);
  await page.getByTestId('signup-submit').click();
}

test('a passkey held by the paired phone signs a person up, out and back in', async ({ context, pairPhone, servePhone }) => {
  const { phone: pairedPhone, storePath } = await pairPhone();
  let phone = pairedPhone;
  const page = await context.newPage();
  await page.goto(RP_URL);

  await signUp(page, 'alice');
  await expect(page.getByTestId('current-user')).toHaveText('alice');
  await phone.waitForLog(/request registration http:\/\/localhost:\d+ \(localhost\) for alice: approve/);

  // Checked server-side: the session is real and the credential is stored.
  const me = await page.request.get(`${RP_URL}/api/me`);
  expect(await me.json()).toMatchObject({ username: 'alice' });
  const credentials = (await (await page.request.get(`${RP_URL}/api/credentials`)).json()) as { credentials: unknown[] };
  expect(credentials.credentials).toHaveLength(1);

  await page.getByTestId('signout').click();
  await expect(page.getByTestId('current-user')).toHaveText('');
  expect((await page.request.get(`${RP_URL}/api/me`)).status()).toBe(401);

  // The phone goes offline and comes back from its store: pairing and passkey survive.
  await phone.stop();
  phone = await servePhone(storePath);

  await page.getByTestId('signin-passkey').click();
  await expect(page.getByTestId('current-user')).toHaveText('alice');
  await phone.waitForLog(/request sign-in http:\/\/localhost:\d+ \(localhost\): approve/);
  expect(await (await page.request.get(`${RP_URL}/api/me`)).json()).toMatchObject({ username: 'alice' });
});

test('when the phone denies, the page sees NotAllowedError and nobody is signed up', async ({ context, pairPhone }) => {
  await pairPhone(['--deny']);
  const page = await context.newPage();
  await page.goto(RP_URL);

  await signUp(page, 'bob');
  await expect(page.getByTestId('status')).toContainText('NotAllowedError');
  expect((await page.request.get(`${RP_URL}/api/me`)).status()).toBe(401);
});

test('without a paired phone, WebAuthn calls go to the browser untouched', async ({ context, extensionId }) => {
  expect(extensionId).toBeTruthy();
  const page = await context.newPage();
  await page.goto(RP_URL);
  // The browser's own authenticator, independent of Pairkey: Chrome's DevTools virtual one.
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });

  expect(await page.evaluate(() => CredentialsContainer.prototype.create.toString().includes('[native code]'))).toBe(false);
  await signUp(page, 'carol');
  await expect(page.getByTestId('current-user')).toHaveText('carol');
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  expect(credentials).toHaveLength(1);
});
