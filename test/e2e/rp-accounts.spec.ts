// Accounts a person can use: sign up, verify the email from the outbox page, sign out and in,
// the lockout message, the QA-mode banner, changing and resetting the password.
import { expect, PASSWORD, signInWithPassword, signOut, signUpVerified, test } from './rp-fixtures.ts';

test('sign up, verify the email from the outbox page, sign out and back in', async ({ page, rp }) => {
  await page.goto(rp.url);
  await page.getByTestId('home-signup').click();
  await page.getByTestId('signup-username').fill('gina');
  await page.getByTestId('signup-email').fill('gina@example.com');
  await page.getByTestId('signup-password').fill('short');
  await page.getByTestId('signup-submit').click();
  await expect(page.getByTestId('status')).toHaveText('Use at least 12 characters');
  await page.getByTestId('signup-password').fill(PASSWORD);
  await page.getByTestId('signup-submit').click();
  await expect(page).toHaveURL(`${rp.url}/security`);
  await expect(page.getByTestId('current-user')).toHaveText('gina');
  await expect(page.getByTestId('email-status')).toHaveText('Not verified');
  await expect(page.getByTestId('twofa-status')).toHaveText('Off');
  // 2FA waits for the verified address.
  await page.getByTestId('otp-setup-password').fill(PASSWORD);
  await page.getByTestId('otp-setup-start').click();
  await expect(page.getByTestId('status')).toHaveText('Verify your email address before turning on two-factor authentication');

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
      i < 5 ? 'Wrong username or password' : /^Too many failed attempts: this account is locked until \d\d?:\d\d( [AP]M)?\. A passkey still signs in\.$/,
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

test('change the password on the Security page: current password asked, other browsers signed out', async ({ browser, page, rp }) => {
  const NEW_PASSWORD = 'a brand new passphrase 77';
  await signUpVerified(page, rp, 'iris');
  // A second browser signed in to the same account.
  const otherContext = await browser.newContext();
  const other = await otherContext.newPage();
  await signInWithPassword(other, rp, 'iris');
  await expect(other).toHaveURL(`${rp.url}/`);

  await page.goto(`${rp.url}/security`);
  await page.getByTestId('password-new').fill('short');
  await page.getByTestId('password-change-submit').click();
  await page.getByTestId('reauth-password').fill(PASSWORD);
  await page.getByTestId('reauth-submit').click();
  await expect(page.getByTestId('status')).toHaveText('Use at least 12 characters');

  await page.getByTestId('password-new').fill(NEW_PASSWORD);
  await page.getByTestId('password-change-submit').click();
  await expect(page.getByTestId('reauth-dialog')).toBeVisible();
  await page.getByTestId('reauth-password').fill(PASSWORD);
  await page.getByTestId('reauth-submit').click();
  await expect(page.getByTestId('status')).toHaveText('Your password was changed; every other browser was signed out');
  await expect(page.getByTestId('audit-entry').first()).toHaveAttribute('data-event', 'password.changed');
  await expect(page.getByTestId('current-user')).toHaveText('iris');

  // The other browser is signed out; the old password no longer works, the new one does.
  await other.goto(`${rp.url}/security`);
  await expect(other).toHaveURL(`${rp.url}/signin`);
  await signInWithPassword(other, rp, 'iris');
  await expect(other.getByTestId('status')).toHaveText('Wrong username or password');
  await other.getByTestId('signin-password').fill(NEW_PASSWORD);
  await other.getByTestId('signin-submit').click();
  await expect(other).toHaveURL(`${rp.url}/`);
  await otherContext.close();
});

test('reset a forgotten password with the emailed link, from the sign-in page', async ({ page, rp }) => {
  const NEW_PASSWORD = 'a brand new passphrase 78';
  await signUpVerified(page, rp, 'jude');
  await signOut(page);
  await page.goto(`${rp.url}/signin`);
  await page.getByTestId('signin-forgot-password').click();
  await page.getByTestId('reset-account').fill('jude@example.com');
  await page.getByTestId('reset-request-submit').click();
  await expect(page.getByTestId('status')).toHaveText(/^If an account with a verified email address matches, we sent it an email/);

  await page.goto(await rp.emailLink(page, 'jude@example.com', '/reset-password'));
  await expect(page).toHaveURL(`${rp.url}/reset-password`);
  await page.getByTestId('reset-new-password').fill(NEW_PASSWORD);
  await page.getByTestId('reset-complete-submit').click();
  await expect(page.getByTestId('status')).toHaveText('Your password was changed and every browser was signed out. Sign in with the new password.');
  await page.goto(`${rp.url}/signin`);
  await page.getByTestId('signin-username').fill('jude');
  await page.getByTestId('signin-password').fill(NEW_PASSWORD);
  await page.getByTestId('signin-submit').click();
  await expect(page).toHaveURL(`${rp.url}/`);
});
