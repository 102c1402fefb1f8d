// The QA Playwright fixture against the bundled relying party, with the real built extension and
// the real harness server: a phone that answers only when the test says so, its view of each
// request, its credentials, and every misbehaviour mode refused by the RP (then an honest ceremony
// working again).
import { tid } from '../../qa/browser/driver.ts';
import { playwrightPage } from '../../qa/browser/driver-playwright.ts';
import { expect, test } from '../../qa/fixtures/playwright.ts';
import type { MisbehaviourMode } from '../../qa/phone.ts';
import { otpauthFromQr } from '../../qa/totp.ts';
import {
  addPasskey,
  auditLog,
  dismissBackupCodes,
  freshUsername,
  keysOnServer,
  PHONE_APP_URL,
  RP_URL,
  signInWithPasskey,
  signOut,
  signUpVerified,
} from './fixtures-rp.ts';

// 'wait': a request the test did not answer stays pending, so each approval below is the test's.
test.use({ pairkey: { relayUrl: RP_URL, phoneAppUrl: PHONE_APP_URL, phone: { policy: 'wait' } } });

test('approveNext registers a passkey and signs in with it; the phone shows what it was asked and what it holds', async ({ page, phone }) => {
  const username = freshUsername('qa-approve');
  await signUpVerified(page, username);

  await addPasskey(page, 'QA phone');
  expect(await phone.nextRequest()).toMatchObject({ kind: 'registration', origin: RP_URL, rpId: 'localhost', userName: username });
  // Held by the 'wait' policy until the test answers.
  await expect(page.getByTestId('status')).not.toHaveText(/Added/);
  phone.approveNext();
  await expect(page.getByTestId('status')).toHaveText('Added "QA phone"');
  await dismissBackupCodes(page);

  const [held, ...others] = await phone.credentials();
  expect(others).toEqual([]);
  expect(held).toMatchObject({ rpId: 'localhost', userName: username, discoverable: true, signCount: 0 });
  expect(held!.createdAt).toBeInstanceOf(Date);
  expect(await keysOnServer(page)).toEqual([expect.objectContaining({ id: held!.credentialId, kind: 'passkey' })]);

  await signOut(page);
  phone.approveNext();
  await signInWithPasskey(page);
  await expect(page.getByTestId('current-user')).toHaveText(username);
  expect(await phone.nextRequest()).toMatchObject({ kind: 'sign-in', origin: RP_URL, rpId: 'localhost', userName: null });
  expect((await phone.credentials())[0]).toMatchObject({ credentialId: held!.credentialId, signCount: 1 });
});

test('denyNext: the page sees NotAllowedError and nothing is registered on either side', async ({ page, phone }) => {
  await signUpVerified(page, freshUsername('qa-deny'));
  phone.denyNext();
  await addPasskey(page, 'Denied');
  await expect(page.getByTestId('status')).toHaveAttribute('data-error', 'NotAllowedError');
  expect(await keysOnServer(page)).toEqual([]);
  expect(await phone.credentials()).toEqual([]);
  expect(phone.answers()).toEqual([expect.objectContaining({ reply: 'error', error: 'The request was denied on the phone', misbehaved: [] })]);
});

/** What the bundled RP answers each sign-in misbehaviour with (the page's status line). */
const SIGN_IN_REFUSALS: [MisbehaviourMode, RegExp][] = [
  ['counter-rollback', /signature counter went backwards \(possible cloned key\); refused$/],
  ['wrong-rp-id-hash', /Unexpected RP ID hash$/],
  ['bad-signature', /The security key signature is not valid$/],
  ['up-false', /User not present during authentication$/],
  ['uv-false', /User verification required, but user could not be verified$/],
  ['be-bs-flip', /changed its backup eligibility \(BE flag\); refusing it$/],
  // The old signature covers the old clientDataJSON, not the one carrying this challenge.
  ['stale-challenge-replay', /The security key signature is not valid$/],
];

test('every sign-in misbehaviour is refused by the RP and audited; after behave() the passkey signs in again', async ({ page, phone }) => {
  test.setTimeout(240_000);
  const username = freshUsername('qa-misbehave');
  await signUpVerified(page, username);
  phone.approveNext();
  await addPasskey(page, 'QA phone');
  await dismissBackupCodes(page);
  await signOut(page);
  // One honest sign-in first: the counter is then non-zero, so a rollback is a regression.
  phone.approveNext();
  await signInWithPasskey(page);
  await expect(page.getByTestId('current-user')).toHaveText(username);
  await signOut(page);

  for (const [index, [mode, refusal]] of SIGN_IN_REFUSALS.entries()) {
    await test.step(mode, async () => {
      phone.misbehave(mode);
      phone.approveNext();
      await signInWithPasskey(page);
      await expect(page.getByTestId('status')).toHaveText(refusal);
      await expect(page.getByTestId('status')).toHaveClass(/error/);
      await expect(page.getByTestId('current-user')).toHaveText('');

      phone.behave();
      phone.approveNext();
      await signInWithPasskey(page);
      await expect(page.getByTestId('current-user')).toHaveText(username);
      const [misbehaving, honest] = phone.answers().slice(-2);
      expect(misbehaving).toMatchObject({ reply: 'assertion', misbehaved: [mode] });
      expect(honest).toMatchObject({ reply: 'assertion', misbehaved: [] });
      // One refusal audited per misbehaving ceremony, newest first.
      const failures = (await auditLog(page)).filter((e) => e.event === 'signin.failed');
      expect(failures).toHaveLength(index + 1);
      expect(failures[0]?.detail).toMatchObject({ step: 'passkey', reason: expect.stringMatching(refusal) });
      await signOut(page);
    });
  }

  // The rollback is flagged on the key and audited as a possible clone.
  phone.approveNext();
  await signInWithPasskey(page);
  await expect(page.getByTestId('current-user')).toHaveText(username);
  const regressions = (await auditLog(page)).filter((e) => e.event === 'key.sign-count-regression');
  expect(regressions).toEqual([expect.objectContaining({ detail: expect.objectContaining({ stored: 1, received: 0 }) })]);
  expect((await keysOnServer(page))[0]?.cloneWarningAt).not.toBeNull();
});

/** Registration misbehaviours, and what the RP answers. */
const REGISTRATION_REFUSALS: [MisbehaviourMode, RegExp][] = [
  // The RP offers -8, -7 and -257, so the phone makes an ES384 (-35) key.
  ['unoffered-alg', /Unexpected public key alg "-35", expected one of "-8, -7, -257"$/],
  ['wrong-rp-id-hash', /Unexpected RP ID hash$/],
  ['up-false', /User presence was required, but user was not present$/],
  ['uv-false', /User verification was required, but user could not be verified$/],
];

test('every registration misbehaviour is refused by the RP; after behave() the passkey is added', async ({ page, phone }) => {
  test.setTimeout(180_000);
  await signUpVerified(page, freshUsername('qa-misreg'));
  for (const [mode, refusal] of REGISTRATION_REFUSALS) {
    await test.step(mode, async () => {
      phone.misbehave(mode);
      phone.approveNext();
      await addPasskey(page, `Refused ${mode}`);
      await expect(page.getByTestId('status')).toHaveText(refusal);
      await expect(page.getByTestId('status')).toHaveClass(/error/);
      expect(phone.answers().at(-1)).toMatchObject({ reply: 'credential-created', misbehaved: [mode] });
      expect(await keysOnServer(page)).toEqual([]);
    });
  }
  phone.behave();
  phone.approveNext();
  await addPasskey(page, 'Honest');
  await expect(page.getByTestId('status')).toHaveText('Added "Honest"');
  expect(await keysOnServer(page)).toEqual([expect.objectContaining({ name: 'Honest', kind: 'passkey' })]);
});

test('the totp helpers enrol the authenticator app from its QR image and sign in with a code; the Driver view of the page works', async ({ page, phone, totp }) => {
  const username = freshUsername('qa-totp');
  await signUpVerified(page, username);
  await page.getByTestId('otp-setup-password').fill('correct horse battery staple 42');
  await page.getByTestId('otp-setup-start').click();

  // The same QR code, through the fixture (a Locator) and through the browser-agnostic Driver.
  const uri = await totp.readQr(page.getByTestId('otp-qr'));
  const driverPage = playwrightPage(page);
  expect(await otpauthFromQr(driverPage, tid('otp-qr'))).toBe(uri);
  expect(uri).toMatch(new RegExp(`^otpauth://totp/Pairkey%20Demo:${username}\\?`));
  const secret = new URL(uri).searchParams.get('secret')!;
  expect(await totp.code(uri)).toBe(await totp.code(secret));

  await page.getByTestId('otp-confirm-code').fill(await totp.code(uri));
  await page.getByTestId('otp-confirm-submit').click();
  await expect(page.getByTestId('status')).toHaveText('Your authenticator app is on');
  await dismissBackupCodes(page);
  expect(await driverPage.textOf(tid('otp-status'))).toContain('On: TOTP, SHA1, 6 digits, every 30 s');
  expect(await driverPage.url()).toBe(`${RP_URL}/security`);
  const screenshot = await driverPage.screenshotPage();
  expect(screenshot.subarray(1, 4).toString()).toBe('PNG');
  await signOut(page);

  // The enrolment code's time step is spent; the next step's code is inside the RP's drift window.
  await page.goto(`${RP_URL}/signin`);
  await page.getByTestId('signin-username').fill(username);
  await page.getByTestId('signin-password').fill('correct horse battery staple 42');
  await page.getByTestId('signin-submit').click();
  await page.getByTestId('signin-otp-code').fill(await totp.code(uri, { at: new Date(Date.now() + 30_000) }));
  await page.getByTestId('signin-otp-submit').click();
  await expect(page.getByTestId('current-user')).toHaveText(username);
  // No WebAuthn ceremony happened: the phone was never asked.
  expect(await phone.credentials()).toEqual([]);
});
