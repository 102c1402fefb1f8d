// Teams: the admin requires 2FA; a member without it is sent to set it up before anything
// else; the admin sees everyone's 2FA status.
import { addKey, expect, PASSWORD, readQr, signInWithPassword, signUpVerified, test } from './rp-fixtures.ts';

test('an admin enforces 2FA and a member is sent to set it up first', async ({ browser, page, rp, addAuthenticator, totp }) => {
  // The member signs up in their own browser.
  const memberContext = await browser.newContext();
  const member = await memberContext.newPage();
  await signUpVerified(member, rp, 'erin');

  // The admin needs 2FA before enforcing it.
  await addAuthenticator(page);
  await signUpVerified(page, rp, 'frank');
  await page.goto(`${rp.url}/teams`);
  await page.getByTestId('org-name').fill('Acme');
  await page.getByTestId('org-create').click();
  const acme = page.getByTestId('org-item').filter({ hasText: 'Acme' });
  await acme.getByTestId('org-add-username').fill('erin');
  await acme.getByTestId('org-add-submit').click();
  await expect(acme.getByTestId('org-member')).toHaveCount(2);
  await acme.getByTestId('org-enforce').check();
  await expect(page.getByTestId('status')).toHaveText('ServerError: Turn on two-factor authentication for your own account first');
  await expect(acme.getByTestId('org-enforce')).not.toBeChecked();

  await page.goto(`${rp.url}/security`);
  await addKey(page, 'Admin key');
  await page.goto(`${rp.url}/teams`);
  await acme.getByTestId('org-enforce').check();
  await expect(page.getByTestId('status')).toHaveText('Acme now requires two-factor authentication');
  await expect(acme.locator('[data-username="erin"]').getByTestId('member-2fa')).toHaveText('Off');
  await expect(acme.locator('[data-username="frank"]').getByTestId('member-2fa')).toHaveText('On (1 key(s))');

  // Erin signs in: straight to the Security page, and other pages send her back there.
  await member.goto(`${rp.url}/signin`);
  await signInWithPassword(member, rp, 'erin');
  await expect(member).toHaveURL(`${rp.url}/security`);
  await expect(member.getByTestId('enforcement-banner')).toContainText('Acme requires two-factor authentication');
  await member.goto(`${rp.url}/teams`);
  await expect(member).toHaveURL(`${rp.url}/security`);

  // She enrols an authenticator app from the QR code; the restriction lifts.
  await member.getByTestId('otp-setup-password').fill(PASSWORD);
  await member.getByTestId('otp-setup-start').click();
  const secret = new URL(await readQr(member.getByTestId('otp-qr'))).searchParams.get('secret')!;
  await member.getByTestId('otp-confirm-code').fill(await totp(secret));
  await member.getByTestId('otp-confirm-submit').click();
  await expect(member.getByTestId('backup-codes-panel')).toBeVisible();
  await member.getByTestId('backup-done').click();
  await expect(member.getByTestId('enforcement-banner')).toBeHidden();
  await member.goto(`${rp.url}/teams`);
  await expect(member).toHaveURL(`${rp.url}/teams`);
  await expect(member.getByTestId('org-item')).toContainText('Two-factor authentication is required for members.');

  await page.reload();
  await expect(acme.locator('[data-username="erin"]').getByTestId('member-2fa')).toHaveText('On (authenticator app)');
  await memberContext.close();
});
