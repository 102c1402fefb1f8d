// Opening the pairing link itself pairs the app; the app PIN is the phone's user verification (the
// UV flag, checked by an RP library); a request the page aborts disappears from the phone; keys are
// kept in IndexedDB across a reload. The ceremonies run in a page on the RP's origin, with options
// from @simplewebauthn/server and its verification of every response.
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type WebAuthnCredential,
} from '@simplewebauthn/server';
import type { Page } from '@playwright/test';
import { PHONE_URL, RP_URL } from './fixtures.ts';
import { confirmPairing, createCredential, expect, setAppPin, startGetAssertion, test } from './phone-app-fixtures.ts';

const RP_ID = 'localhost';

async function approveNext(app: Page, kind: 'registration' | 'sign-in', pin?: string): Promise<void> {
  const request = app.getByTestId('request');
  await expect(request).toHaveAttribute('data-kind', kind);
  if (pin !== undefined) await request.getByTestId('request-pin').fill(pin);
  await request.getByTestId('request-approve').tap();
}

async function signIn(rp: Page, credential: WebAuthnCredential, approve: () => Promise<void>): Promise<{ userVerified: boolean; newCounter: number }> {
  const options = await generateAuthenticationOptions({ rpID: RP_ID, userVerification: 'required', allowCredentials: [] });
  const { result } = await startGetAssertion(rp, options);
  await approve();
  const outcome = await result;
  if (!outcome.ok) throw new Error(`sign-in failed: ${outcome.error}`);
  const verification = await verifyAuthenticationResponse({
    response: outcome.response,
    expectedChallenge: options.challenge,
    expectedOrigin: RP_URL,
    expectedRPID: RP_ID,
    credential,
    requireUserVerification: true,
  });
  expect(verification.verified).toBe(true);
  return verification.authenticationInfo;
}

test('a pairing link opens the app and pairs once the person agrees; the PIN sets UV; an aborted request leaves the phone; keys survive a reload until deleted', async ({ context, popup, phone }) => {
  // Opening the link (as a phone's camera app would) asks first; the secret leaves the URL.
  const link = (await popup.getByTestId('pairing-link').textContent())!;
  expect(link.startsWith(`${PHONE_URL}#pk1.`)).toBe(true);
  const app = await phone.open(link);
  await app.getByTestId('pairing-continue').tap();
  await confirmPairing(app, popup);
  expect(app.url()).toBe(PHONE_URL);

  const rp = await context.newPage();
  await rp.goto(RP_URL);

  // Without a PIN: the person's tap is presence, not verification.
  const registration = await generateRegistrationOptions({ rpName: 'Pairkey test', rpID: RP_ID, userName: 'dora', authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' } });
  const created = createCredential(rp, registration);
  await expect(app.getByTestId('request').getByTestId('request-pin')).toHaveCount(0);
  await approveNext(app, 'registration');
  const createdResult = await created;
  if (!createdResult.ok) throw new Error(`registration failed: ${createdResult.error}`);
  const registered = await verifyRegistrationResponse({ response: createdResult.response, expectedChallenge: registration.challenge, expectedOrigin: RP_URL, expectedRPID: RP_ID, requireUserVerification: false });
  expect(registered.verified).toBe(true);
  expect(registered.registrationInfo!.userVerified).toBe(false);
  let credential = registered.registrationInfo!.credential;

  // A site that requires user verification cannot be approved until a PIN exists.
  const { result: refused } = await startGetAssertion(rp, await generateAuthenticationOptions({ rpID: RP_ID, userVerification: 'required' }));
  await expect(app.getByTestId('request-needs-pin')).toBeVisible();
  await expect(app.getByTestId('request-approve')).toBeDisabled();
  await app.getByTestId('request-deny').tap();
  expect(await refused).toEqual({ ok: false, error: 'NotAllowedError' });

  // Set a PIN: from now on approving asks for it, a wrong one is refused, the right one sets UV.
  await setAppPin(app, '482913');

  const signedIn = await signIn(rp, credential, async () => {
    await approveNext(app, 'sign-in', '000000');
    await expect(app.getByTestId('request-error')).toHaveText('Wrong PIN.');
    await approveNext(app, 'sign-in', '482913');
  });
  expect(signedIn.userVerified).toBe(true);
  credential = { ...credential, counter: signedIn.newCounter };

  // The page gives up (AbortSignal): the extension cancels, the request leaves the phone.
  const aborted = await startGetAssertion(rp, await generateAuthenticationOptions({ rpID: RP_ID }));
  await expect(app.getByTestId('request')).toHaveCount(1);
  await aborted.abort();
  expect(await aborted.result).toEqual({ ok: false, error: 'AbortError' });
  await expect(app.getByTestId('request')).toHaveCount(0);
  await expect(app.getByTestId('history-entry').first()).toHaveAttribute('data-outcome', 'cancelled');

  // Reload the app: the pairing, the passkey (a non-extractable key in IndexedDB) and the PIN remain.
  await app.reload();
  await expect(app.getByTestId('link-status')).toHaveText('online');
  const again = await signIn(rp, credential, () => approveNext(app, 'sign-in', '482913'));
  expect(again.userVerified).toBe(true);
  expect(again.newCounter).toBeGreaterThan(credential.counter);
  await app.getByTestId('tab-passkeys').tap();
  await expect(app.getByTestId('passkey-account')).toHaveText('dora');

  // Deleting the passkey on the phone revokes it: the next sign-in finds nothing to sign with.
  await app.getByTestId('passkey-delete').tap();
  await app.getByTestId('confirm-yes').tap();
  await expect(app.getByTestId('no-passkeys')).toBeVisible();
  const { result: nothing } = await startGetAssertion(rp, await generateAuthenticationOptions({ rpID: RP_ID }));
  await expect(app.getByTestId('request-account')).toHaveText('No passkey for this site on this phone');
  await expect(app.getByTestId('request-approve')).toBeDisabled();
  await app.getByTestId('request-deny').tap();
  expect(await nothing).toEqual({ ok: false, error: 'NotAllowedError' });
});
