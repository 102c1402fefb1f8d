// One-time codes in the phone app: a TOTP account scanned from an otpauth:// QR code on the
// computer's screen, an HOTP account typed in; every code shown is checked with otplib, as a site
// would; the PIN hides the codes; accounts and the HOTP counter survive a reload, offline.
//
// First with a QR code from a small page of this test (every code checked with otplib), then end
// to end with the bundled RP's TOTP enrolment and sign-in.
import { generate, generateSecret, generateURI, verify } from 'otplib';
import QRCode from 'qrcode';
import { RP_URL } from './fixtures.ts';
import { expect, RP_PASSWORD, rpSignOut, rpSignUp, scanWithPhone, setAppPin, test } from './phone-app-fixtures.ts';

test('TOTP by QR code and HOTP by key: codes verify, copy, hide behind the PIN, persist and work offline', async ({ context, phone }) => {
  // The computer shows an enrolment QR code, like a site's "set up your authenticator app" page.
  const secret = generateSecret();
  const uri = generateURI({ issuer: 'Pairkey Demo', label: 'alice', secret });
  const site = await context.newPage();
  await site.setContent(`<h1>Scan this with your authenticator app</h1><img data-testid="otp-qr" src="${await QRCode.toDataURL(uri, { margin: 2, scale: 4 })}">`);

  const app = await phone.open();
  await app.getByTestId('tab-codes').tap();
  await expect(app.getByTestId('no-otp')).toBeVisible();
  await scanWithPhone(phone, await site.getByTestId('otp-qr').screenshot(), app.getByTestId('scan-otp'));

  const totp = app.getByTestId('otp-account').filter({ hasText: 'Pairkey Demo' });
  await expect(totp.getByTestId('otp-title')).toHaveText('Pairkey Demo (alice)');
  await expect(totp.getByTestId('otp-code')).toHaveText(/^\d{6}$/);
  await expect(totp.getByTestId('otp-countdown')).toHaveText(/^\d+ s$/);
  const token = (await totp.getByTestId('otp-code').textContent())!;
  // One step of tolerance: the code may have rolled over between reading and checking.
  expect((await verify({ secret, token, epochTolerance: 30 })).valid).toBe(true);

  await totp.getByTestId('otp-copy').tap();
  await expect(app.getByTestId('toast')).toHaveText('Code copied.');
  expect(await app.evaluate(() => navigator.clipboard.readText())).toMatch(/^\d{6}$/);

  // HOTP, typed: each tap shows the code for the next counter value.
  const hotpSecret = generateSecret();
  await app.getByTestId('otp-add').locator('summary').first().tap();
  await app.getByTestId('otp-add-type').selectOption('hotp');
  await app.getByTestId('otp-add-issuer').fill('Bank');
  await app.getByTestId('otp-add-account').fill('alice');
  await app.getByTestId('otp-add-secret').fill(hotpSecret.toLowerCase().replace(/(.{4})/g, '$1 '));
  await app.getByTestId('otp-add').getByText('Advanced').tap();
  await app.getByTestId('otp-add-counter').fill('5');
  await app.getByTestId('otp-add-submit').tap();
  const hotp = app.getByTestId('otp-account').filter({ hasText: 'Bank' });
  await expect(hotp.getByTestId('otp-counter')).toHaveText('next: #5');
  for (const counter of [5, 6]) {
    await hotp.getByTestId('otp-next').tap();
    await expect(hotp.getByTestId('otp-counter')).toHaveText(`#${counter}`);
    await expect(hotp.getByTestId('otp-code')).toHaveText(await generate({ strategy: 'hotp', secret: hotpSecret, counter }));
  }

  // With a PIN, the codes hide until it is entered.
  await setAppPin(app, '2468');
  await app.getByTestId('tab-codes').tap();
  await app.getByTestId('lock-now').tap();
  await expect(app.getByTestId('unlock-form')).toBeVisible();
  await expect(app.getByTestId('otp-account')).toHaveCount(0);
  await app.getByTestId('unlock-pin').fill('1357');
  await app.getByTestId('unlock-submit').tap();
  await expect(app.getByTestId('unlock-error')).toHaveText('Wrong PIN.');

  // Offline, after a reload: the service worker serves the app shell; still locked, then every
  // account is there and the HOTP counter went on.
  await expect.poll(() => app.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  await phone.context.setOffline(true);
  await app.reload();
  expect(await app.evaluate(() => fetch('./manifest.webmanifest?uncached').then(() => 'network', () => 'no network'))).toBe('no network');
  await app.getByTestId('tab-codes').tap();
  await expect(app.getByTestId('unlock-form')).toBeVisible();
  await app.getByTestId('unlock-pin').fill('2468');
  await app.getByTestId('unlock-submit').tap();
  await expect(app.getByTestId('otp-account')).toHaveCount(2);
  await hotp.getByTestId('otp-next').tap();
  await expect(hotp.getByTestId('otp-counter')).toHaveText('#7');
  await expect(hotp.getByTestId('otp-code')).toHaveText(await generate({ strategy: 'hotp', secret: hotpSecret, counter: 7 }));
  const later = (await totp.getByTestId('otp-code').textContent())!;
  expect((await verify({ secret, token: later, epochTolerance: 30 })).valid).toBe(true);

  // Deleting an account asks first.
  await hotp.getByTestId('otp-delete').tap();
  await app.getByTestId('confirm-yes').tap();
  await expect(app.getByTestId('otp-account')).toHaveCount(1);
});

test('scans the RP’s TOTP enrolment QR code, turns it on with the phone’s code, then signs in with a later one', async ({ context, phone }) => {
  // The RP refuses a second code from the time step it already accepted: the sign-in waits for
  // the phone's next code, up to one 30-second step.
  test.setTimeout(120_000);
  const rp = await context.newPage();
  await rpSignUp(rp, 'erin');
  await rp.getByTestId('otp-setup-password').fill(RP_PASSWORD);
  await rp.getByTestId('otp-kind').selectOption('totp');
  await rp.getByTestId('otp-setup-start').click();
  await expect(rp.getByTestId('otp-enrol')).toBeVisible();

  const app = await phone.open();
  await app.getByTestId('tab-codes').tap();
  await scanWithPhone(phone, await rp.getByTestId('otp-qr').screenshot(), app.getByTestId('scan-otp'));
  const account = app.getByTestId('otp-account');
  await expect(account.getByTestId('otp-title')).toContainText('erin');
  const code = account.getByTestId('otp-code');
  await expect(code).toHaveText(/^\d{6}$/);
  const enrolmentCode = (await code.textContent())!;
  await rp.getByTestId('otp-confirm-code').fill(enrolmentCode);
  await rp.getByTestId('otp-confirm-submit').click();
  await expect(rp.getByTestId('status')).toHaveText('Your authenticator app is on');
  await rp.getByTestId('backup-done').click();
  await rpSignOut(rp);

  await rp.goto(`${RP_URL}/signin`);
  await rp.getByTestId('signin-username').fill('erin');
  await rp.getByTestId('signin-password').fill(RP_PASSWORD);
  await rp.getByTestId('signin-submit').click();
  await expect(rp.getByTestId('signin-otp-code')).toBeVisible();
  await expect(code).not.toHaveText(enrolmentCode, { timeout: 35_000 });
  await rp.getByTestId('signin-otp-code').fill((await code.textContent())!);
  await rp.getByTestId('signin-otp-submit').click();
  await expect(rp.getByTestId('current-user')).toHaveText('erin');
});
