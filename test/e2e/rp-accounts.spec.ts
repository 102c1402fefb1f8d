// Accounts a person can use: sign up, verify the email from the outbox page, sign out and in,
// the lockout message, and the QA-mode banner.
import { expect, PASSWORD, signInWithPassword, signOut, test } from './rp-fixtures.ts';

test('sign up, verify the email from the outbox page, sign out and back in', async ({ page, rp }) => {
  await page.goto(rp.url);
  await page.getByTestId('home-signup').click();
  await page.getByTestId('signup-username').fill('gina');
  await page.getByTestId('signup-email').fill('gina@example.com');
  await page.getByTestId('signup-password').fill('short');
  await page.getByTestId('signup-submit').click();
  await expect(page.getByTestId('status')).toHaveText('ServerError: Use at least 12 characters');
  await page.getByTestId('signup-password').fill(PASSWORD);
  await page.getByTestId('signup-submit').click();
  await expect(page).toHaveURL(`${rp.url}/security`);
  await expect(page.getByTestId('current-user')).toHaveText('gina');
  await expect(page.getByTestId('email-status')).toHaveText('Not verified');
  await expect(page.getByTestId('twofa-status')).toHaveText('Off');
  // 2FA waits for the verified address.
  await page.getByTestId('otp-setup-password').fill(PASSWORD);
  await page.getByTestId('otp-setup-start').click();
  await expect(page.getByTestId('status')).toHaveText('ServerError: Verify your email address before turning on two-factor authentication');

  await page.getByTestId('nav-outbox').click();
  await page.getByTestId('outbox-message').filter({ hasText: 'Verify your email address' }).getByRole('link').click();
  await expect(page.getByTestId('verify-result')).toHaveText('Your email address is verified. You can now turn on two-factor authentication.');
  await page.getByTestId('nav-security').click();
  await expect(page.getByTestId('email-status')).toHaveText('Verified');

  await signOut(page);
  await expect(page.getByTestId('nav-signin')).toBeVisible();
  await signInWithPassword(page, rp, 'gina');
  await expect(page).toHaveURL(`${rp.url}/`);
  await expect(page.getByTestId('home-2fa')).toHaveText('Two-factor authentication is off: turn it on from the Security page.');
});

test('five wrong passwords lock the account with a clear message', async ({ page, rp }) => {
  await page.goto(`${rp.url}/signup`);
  await page.getByTestId('signup-username').fill('hank');
  await page.getByTestId('signup-email').fill('hank@example.com');
  await page.getByTestId('signup-password').fill(PASSWORD);
  await page.getByTestId('signup-submit').click();
  await expect(page).toHaveURL(`${rp.url}/security`);
  await signOut(page);

  await page.goto(`${rp.url}/signin`);
  await page.getByTestId('signin-username').fill('hank');
  for (let i = 1; i <= 5; i++) {
    await page.getByTestId('signin-password').fill(`wrong password ${i}`);
    await page.getByTestId('signin-submit').click();
    await expect(page.getByTestId('status')).toHaveText(
      i < 5 ? 'ServerError: Wrong username or password' : /^ServerError: Too many failed attempts: this account is locked until .* \(about 15 minutes\)/,
    );
  }
});

test.describe('with a protection off', () => {
  test.use({ rpEnv: { QA_ORIGIN_CHECK: 'off', PAIRKEY_INSECURE_QA: '1' } });

  test('every page shows the insecure-mode banner', async ({ page, rp }) => {
    for (const path of ['/', '/signin', '/security']) {
      await page.goto(`${rp.url}${path}`);
      await expect(page.getByTestId('qa-banner')).toHaveText('INSECURE QA MODE — protections off: QA_ORIGIN_CHECK. Never use this server for real accounts.');
    }
  });
});
