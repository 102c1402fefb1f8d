// The phone web app as the authenticator of the bundled RP: it scans the extension's QR code with
// its camera, the person compares the codes, then the RP's passkey requests show on the phone and
// are approved (with the app PIN: the RP's passkeys require user verification) or denied by tapping.
import { RP_URL } from './fixtures.ts';
import { expectAccessible, tabTo } from '../support/a11y.ts';
import { expect, pairByCamera, RP_PASSWORD, rpSignOut, rpSignUp, setAppPin, test } from './phone-app-fixtures.ts';

const PIN = '482913';

test('pairs by camera, then approves a new passkey by tapping and a sign-in by keyboard alone, with the PIN, and denies one; every screen audited; Recent survives a reload', async ({ context, popup, phone }) => {
  // axe audits take seconds each on a loaded machine.
  test.setTimeout(150_000);
  const app = await pairByCamera(phone, popup);
  await expect(popup.getByTestId('paired-phone')).toHaveText('Pairkey on Android');
  await expect(app.getByTestId('browser-status')).toHaveText(/ready|connected/);
  await setAppPin(app, PIN);
  await expectAccessible(app, 'phone app: settings');

  const rp = await context.newPage();
  await rpSignUp(rp, 'pia');
  await rp.getByTestId('key-add-name').fill('My phone');
  await rp.getByTestId('key-add-kind').selectOption('passkey');
  await rp.getByTestId('key-add-password').fill(RP_PASSWORD);
  await rp.getByTestId('key-add-submit').click();

  // The phone says exactly what it is asked, for which site and account, and from which browser.
  const request = app.getByTestId('request');
  await expect(request).toHaveAttribute('data-kind', 'registration');
  await expect(request.getByTestId('request-origin')).toHaveText(RP_URL);
  await expect(request.getByTestId('request-rp')).toHaveText('localhost');
  await expect(request.getByTestId('request-rp-name')).toHaveText('Pairkey Demo');
  await expect(request.getByTestId('request-account')).toHaveText('pia');
  await expect(request.getByTestId('request-browser')).toHaveText('Browser 1');
  await expect(request.getByTestId('request-browser-paired')).toContainText('paired');
  await expect(request.getByTestId('request-countdown')).toHaveText(/\d+ s left/);
  await expectAccessible(app, 'phone app: a registration request');
  await request.getByTestId('request-pin').fill(PIN);
  await request.getByTestId('request-approve').tap();
  await expect(rp.getByTestId('key-name')).toHaveText('My phone');
  await expect(request).toHaveCount(0);
  // The RP shows backup codes once, with its first second factor.
  await rp.getByTestId('backup-done').click();

  await app.getByTestId('tab-passkeys').tap();
  const passkey = app.getByTestId('passkey');
  await expect(passkey.getByTestId('passkey-site')).toHaveText('localhost');
  await expect(passkey.getByTestId('passkey-account')).toHaveText('pia');
  await expect(passkey.getByTestId('passkey-last-used')).toHaveText('never');
  await expectAccessible(app, 'phone app: passkeys');
  await app.getByTestId('tab-codes').tap();
  // Unlocked: the PIN was just typed when it was set.
  await expect(app.getByTestId('no-otp')).toBeVisible();
  await expectAccessible(app, 'phone app: codes');

  // Sign in with the passkey alone: the request arrives, the app switches to it.
  await rpSignOut(rp);
  await rp.goto(`${RP_URL}/signin`);
  await rp.getByTestId('signin-passkey').click();
  await expect(request).toHaveAttribute('data-kind', 'sign-in');
  await expect(request.getByTestId('request-account')).toHaveText('pia');
  await expect(request.getByTestId('request-rp')).toHaveText('localhost');
  // Approved with the keyboard alone: Tab to the PIN, type it, Tab to "Sign in", Enter.
  await tabTo(app, 'request-pin');
  await app.keyboard.type(PIN);
  await tabTo(app, 'request-approve');
  await app.keyboard.press('Enter');
  await expect(rp.getByTestId('current-user')).toHaveText('pia');
  await app.getByTestId('tab-passkeys').tap();
  await expect(passkey.getByTestId('passkey-last-used')).not.toHaveText('never');
  await expect(passkey.getByTestId('passkey-sign-count')).toHaveText('1');

  // Deny: the page gets NotAllowedError and nobody is signed in.
  await rpSignOut(rp);
  await rp.goto(`${RP_URL}/signin`);
  await rp.getByTestId('signin-passkey').click();
  await request.getByTestId('request-deny').tap();
  await expect(rp.getByTestId('status')).toHaveAttribute('data-error', 'NotAllowedError');
  await expect(rp.getByTestId('nav-signin')).toBeVisible();
  await expect(app.getByTestId('history-entry').first()).toHaveAttribute('data-outcome', 'denied');

  // "Recent" survives a reload: the same entries, newest first.
  const recent = app.getByTestId('history-entry');
  await expect(recent).toHaveCount(3);
  const before = await recent.allTextContents();
  expect(before[2]).toMatch(/^New passkey on http:\/\/localhost:\d+ from Browser 1: approved/);
  await app.reload();
  await expect(recent).toHaveText(before);
  await expect(recent.first()).toHaveAttribute('data-outcome', 'denied');
  await expectAccessible(app, 'phone app: requests with recent history');
});
