// Whole 2FA flows on the bundled RP in Chromium: keys from Chrome's virtual authenticator,
// the authenticator app enrolled from the QR *image*, codes from otplib.
import { addKey, backupCodesShown, expect, PASSWORD, readQr, signInWithPassword, signOut, signUpVerified, test } from './rp-fixtures.ts';

test('security key first, fall back to the authenticator app, then a backup code that works once', async ({ page, rp, addAuthenticator, totp }) => {
  const key = await addAuthenticator(page);
  await signUpVerified(page, rp, 'alice');

  // The first factor turns 2FA on and shows the 10 backup codes once, with download/copy/print.
  await page.getByTestId('key-add-name').fill('Blue key');
  await page.getByTestId('key-add-kind').selectOption('security-key');
  await page.getByTestId('key-add-password').fill(PASSWORD);
  await page.getByTestId('key-add-submit').click();
  await expect(page.getByTestId('backup-codes-panel')).toBeVisible();
  await expect(page.getByTestId('backup-download')).toHaveAttribute('href', /^data:text\/plain/);
  await expect(page.getByTestId('backup-copy')).toBeVisible();
  await expect(page.getByTestId('backup-print')).toBeVisible();
  const codes = await backupCodesShown(page);
  expect(codes).toHaveLength(10);
  await expect(page.getByTestId('twofa-status')).toHaveText('On');
  await expect(page.getByTestId('key-name')).toHaveText(['Blue key']);
  await expect(page.getByTestId('key-last-used')).toHaveText('last used never');

  // Enrol the authenticator app from the QR image.
  await page.getByTestId('otp-setup-password').fill(PASSWORD);
  await page.getByTestId('otp-setup-start').click();
  const uri = new URL(await readQr(page.getByTestId('otp-qr')));
  expect(uri.protocol).toBe('otpauth:');
  expect(uri.host).toBe('totp');
  expect(decodeURIComponent(uri.pathname)).toBe('/Pairkey Demo:alice');
  const secret = uri.searchParams.get('secret')!;
  await expect(page.getByTestId('otp-secret')).toHaveText(secret.replace(/(.{4})/g, '$1 ').trim());
  await page.getByTestId('otp-confirm-code').fill(await totp(secret));
  await page.getByTestId('otp-confirm-submit').click();
  await expect(page.getByTestId('status')).toHaveText('Your authenticator app is on');
  await expect(page.getByTestId('otp-status')).toContainText('On: TOTP, SHA1, 6 digits, every 30 s');
  // Not the first factor: no new backup codes.
  await expect(page.getByTestId('backup-codes-panel')).toBeHidden();
  await signOut(page);

  // Sign in: the key is asked for first. The key answers with a bad signature, so fall back.
  rp.advance(30_000);
  await signInWithPassword(page, rp, 'alice');
  await expect(page.getByTestId('signin-key-step')).toBeVisible();
  await key.cdp.send('WebAuthn.setResponseOverrideBits', { authenticatorId: key.id, isBogusSignature: true });
  await page.getByTestId('signin-key').click();
  // A sentence for people; the error's name stays in data-error for QA tools.
  await expect(page.getByTestId('status')).toHaveText('The security key signature is not valid');
  await expect(page.getByTestId('status')).toHaveAttribute('data-error', 'ServerError');
  await page.getByTestId('signin-use-otp').click();
  await page.getByTestId('signin-otp-code').fill(await totp(secret));
  await page.getByTestId('signin-otp-submit').click();
  await expect(page).toHaveURL(`${rp.url}/`);
  await expect(page.getByTestId('current-user')).toHaveText('alice');
  await signOut(page);

  // A backup code gets in once; the same code is refused the second time.
  await signInWithPassword(page, rp, 'alice');
  await page.getByTestId('signin-use-backup').click();
  await page.getByTestId('signin-backup-code').fill(codes[0]!);
  await page.getByTestId('signin-backup-submit').click();
  await expect(page.getByTestId('current-user')).toHaveText('alice');
  await signOut(page);
  await signInWithPassword(page, rp, 'alice');
  await page.getByTestId('signin-use-backup').click();
  await page.getByTestId('signin-backup-code').fill(codes[0]!);
  await page.getByTestId('signin-backup-submit').click();
  await expect(page.getByTestId('status')).toHaveText('Wrong or already used backup code');
  await expect(page.getByTestId('status')).toHaveAttribute('data-error-code', 'wrong-code');

  // The key works again once it signs properly; the page records its use.
  await key.cdp.send('WebAuthn.setResponseOverrideBits', { authenticatorId: key.id, isBogusSignature: false });
  await page.getByTestId('signin-back').click();
  await page.getByTestId('signin-key').click();
  await expect(page.getByTestId('current-user')).toHaveText('alice');
  await page.goto(`${rp.url}/security`);
  await expect(page.getByTestId('key-last-used')).not.toHaveText('last used never');
  await expect(page.getByTestId('backup-remaining')).toHaveText('9 of 10 backup codes left.');
  const events = await page.getByTestId('audit-entry').evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.event));
  expect(events).toEqual(expect.arrayContaining(['backup-code.used', 'signin.failed', 'factor.added', 'signin.succeeded']));
});

test('regenerate backup codes, rename and remove keys, then turn 2FA off', async ({ context, page, rp, addAuthenticator }) => {
  await addAuthenticator(page);
  await signUpVerified(page, rp, 'bob');
  const first = await addKey(page, 'Key A');
  expect(first).toHaveLength(10);
  // A second key is a second authenticator (the first is excluded from registering twice):
  // virtual authenticators belong to a tab, so it lives in another tab of the same browser.
  const otherTab = await context.newPage();
  await addAuthenticator(otherTab);
  await otherTab.goto(`${rp.url}/security`);
  expect(await addKey(otherTab, 'Key B')).toEqual([]);
  await otherTab.close();
  await page.reload();

  // Regenerating invalidates every earlier code.
  await page.getByTestId('backup-regenerate-password').fill(PASSWORD);
  await page.getByTestId('backup-regenerate').click();
  await expect(page.getByTestId('status')).toHaveText('New backup codes generated: the old ones no longer work');
  const fresh = await backupCodesShown(page);
  expect(fresh).toHaveLength(10);
  expect(fresh).not.toContain(first[0]);
  await signOut(page);
  await signInWithPassword(page, rp, 'bob');
  await page.getByTestId('signin-use-backup').click();
  await page.getByTestId('signin-backup-code').fill(first[0]!);
  await page.getByTestId('signin-backup-submit').click();
  await expect(page.getByTestId('status')).toHaveText('Wrong or already used backup code');
  await page.getByTestId('signin-backup-code').fill(fresh[0]!);
  await page.getByTestId('signin-backup-submit').click();
  await expect(page.getByTestId('current-user')).toHaveText('bob');

  // Rename.
  await page.goto(`${rp.url}/security`);
  const keyA = page.getByTestId('key-item').filter({ hasText: 'Key A' });
  await keyA.getByTestId('key-rename').click();
  await keyA.getByTestId('key-rename-input').fill('Office key');
  await keyA.getByTestId('key-rename-save').click();
  await expect(page.getByTestId('key-name')).toHaveText(['Office key', 'Key B']);

  // Removing one of two keys needs the password only.
  await page.getByTestId('key-item').filter({ hasText: 'Key B' }).getByTestId('key-remove').click();
  await expect(page.getByTestId('reauth-dialog')).toBeVisible();
  await expect(page.getByTestId('reauth-proof-type')).toBeHidden();
  await page.getByTestId('reauth-password').fill('not my password at all');
  await page.getByTestId('reauth-submit').click();
  // The dialog stays open and says what was wrong; the password is typed again in it.
  await expect(page.getByTestId('reauth-error')).toHaveText('Wrong password');
  await expect(page.getByTestId('status')).toHaveText('Wrong password');
  await expect(page.getByTestId('reauth-dialog')).toBeVisible();
  await expect(page.getByTestId('reauth-password')).toBeFocused();
  await page.getByTestId('reauth-password').fill(PASSWORD);
  await page.getByTestId('reauth-submit').click();
  await expect(page.getByTestId('key-name')).toHaveText(['Office key']);

  // Turning 2FA off needs the password and a second factor: here the security key.
  await page.getByTestId('twofa-disable').click();
  await page.getByTestId('reauth-password').fill(PASSWORD);
  await page.getByTestId('reauth-proof-type').selectOption('security-key');
  await page.getByTestId('reauth-submit').click();
  await expect(page.getByTestId('status')).toHaveText('Two-factor authentication is off');
  await expect(page.getByTestId('twofa-status')).toHaveText('Off');
  await expect(page.getByTestId('key-list')).toContainText('No security key or passkey yet.');
  await signOut(page);

  // Password alone signs in now.
  await signInWithPassword(page, rp, 'bob');
  await expect(page.getByTestId('current-user')).toHaveText('bob');
});

test('a passkey signs in with no username or password', async ({ page, rp, addAuthenticator }) => {
  const authenticator = await addAuthenticator(page);
  await signUpVerified(page, rp, 'carol');
  await addKey(page, 'Laptop passkey', 'passkey');
  const [credential] = await authenticator.credentials();
  expect(credential?.isResidentCredential).toBe(true);
  await signOut(page);

  await page.goto(`${rp.url}/signin`);
  await page.getByTestId('signin-passkey').click();
  await expect(page.getByTestId('current-user')).toHaveText('carol');
  await page.goto(`${rp.url}/security`);
  await expect(page.getByTestId('key-item')).toContainText('passkey');
});
