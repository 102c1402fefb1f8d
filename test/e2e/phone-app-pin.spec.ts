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
import { addVirtualAuthenticatorTo } from '../support/virtual-authenticator.ts';
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

// Issue 14: "Unlock with this phone's screen lock". DevTools' virtual authenticator on the phone
// app's own origin stands in for the phone's platform authenticator (internal transport, user
// verification, PRF). With it on, keys are stored only wrapped and each approval unlocks one.
test('the screen lock unlocks the keys through a platform passkey’s PRF: keys at rest are only ciphertext, UV false refuses, the PIN is a second way in', async ({ context, popup, phone }) => {
  const app = await phone.open((await popup.getByTestId('pairing-link').textContent())!);
  await app.getByTestId('pairing-continue').tap();
  await confirmPairing(app, popup);
  const cdp = await phone.context.newCDPSession(app);
  await app.getByTestId('tab-settings').tap();

  // A platform authenticator without PRF: the app says so and keeps the PIN.
  const noPrf = await addVirtualAuthenticatorTo(cdp, { transport: 'internal', ctap2Version: 'ctap2_1', hasPrf: false });
  await app.getByTestId('screen-lock-enable').tap();
  await expect(app.getByTestId('screen-lock-status')).toHaveAttribute('data-state', 'unsupported');
  await expect(app.getByTestId('screen-lock-status')).toContainText('Keep using the app PIN');
  await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: noPrf });

  const authenticatorId = await addVirtualAuthenticatorTo(cdp, { transport: 'internal', ctap2Version: 'ctap2_1', hasPrf: true });
  await app.getByTestId('screen-lock-enable').tap();
  await expect(app.getByTestId('screen-lock-status')).toHaveAttribute('data-state', 'on');
  await expect(app.getByTestId('screen-lock-note')).toContainText('Set a PIN as a way back');

  const rp = await context.newPage();
  await rp.goto(RP_URL);
  // Registration: approving asks for the screen lock, and the new key is stored wrapped.
  const registration = await generateRegistrationOptions({ rpName: 'Pairkey test', rpID: RP_ID, userName: 'erin', authenticatorSelection: { residentKey: 'required', userVerification: 'required' } });
  const created = createCredential(rp, registration);
  await expect(app.getByTestId('request-screen-lock')).toBeVisible();
  await approveNext(app, 'registration');
  const createdResult = await created;
  if (!createdResult.ok) throw new Error(`registration failed: ${createdResult.error}`);
  const registered = await verifyRegistrationResponse({ response: createdResult.response, expectedChallenge: registration.challenge, expectedOrigin: RP_URL, expectedRPID: RP_ID, requireUserVerification: true });
  expect(registered.registrationInfo!.userVerified).toBe(true);
  let credential = registered.registrationInfo!.credential;

  // At rest: the stored record holds a public key and AES-GCM ciphertext, no private key; the
  // ciphertext is no key to sign with, and without the PRF output the data key does not unwrap.
  const atRest = await app.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('pairkey-phone');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const read = <T,>(store: string, key?: string) =>
      new Promise<T>((resolve, reject) => {
        const request = key === undefined ? db.transaction(store).objectStore(store).getAll() : db.transaction(store).objectStore(store).get(key);
        request.onsuccess = () => resolve(request.result as T);
        request.onerror = () => reject(request.error);
      });
    const [record] = await read<Record<string, unknown>[]>('credentials');
    const vault = await read<{ screenLock: { wrappedDataKey: Uint8Array } }>('meta', 'vault');
    const wrappedKey = record!.wrappedKey as { iv: Uint8Array; ciphertext: Uint8Array };
    const keys = Object.values(record!).filter((v): v is CryptoKey => v instanceof CryptoKey);
    const data = new TextEncoder().encode('sign me');
    const signWithStoredKeys = await Promise.all(keys.map((k) => crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, k, data).then(() => 'signed', (e: Error) => e.name)));
    const asPkcs8 = await crypto.subtle.importKey('pkcs8', new Uint8Array(wrappedKey.ciphertext), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']).then(() => 'imported', (e: Error) => e.name);
    // A guessed PRF output (HKDF as the app does it) does not open the wrapped data key.
    const guessKek = await crypto.subtle.importKey('raw', crypto.getRandomValues(new Uint8Array(32)), 'AES-KW', false, ['unwrapKey']);
    const unwrapGuess = await crypto.subtle
      .unwrapKey('raw', new Uint8Array(vault.screenLock.wrappedDataKey), guessKek, 'AES-KW', 'AES-GCM', false, ['unwrapKey'])
      .then(() => 'unwrapped', (e: Error) => e.name);
    return { hasKeyPair: 'keyPair' in record!, keyTypes: keys.map((k) => k.type), ciphertextBytes: wrappedKey.ciphertext.length, signWithStoredKeys, asPkcs8, unwrapGuess };
  });
  expect(atRest).toEqual({ hasKeyPair: false, keyTypes: ['public'], ciphertextBytes: expect.any(Number), signWithStoredKeys: ['InvalidAccessError'], asPkcs8: 'DataError', unwrapGuess: 'OperationError' });
  // A whole PKCS#8 key plus the 16-byte GCM tag: 64 for Ed25519 (the RP library lists EdDSA
  // first), more for P-256 or RSA.
  expect(atRest.ciphertextBytes).toBeGreaterThanOrEqual(64);

  // The screen lock passes (UV true): the PRF unwraps the key for this one signature; the RP sees UV.
  const signedIn = await signIn(rp, credential, () => approveNext(app, 'sign-in'));
  expect(signedIn.userVerified).toBe(true);
  credential = { ...credential, counter: signedIn.newCounter };

  // A PIN set now wraps the same data key (setting it passes the screen lock once).
  await setAppPin(app, '482913');
  await expect(app.getByTestId('screen-lock-note')).toBeHidden();

  // The phone's screen lock fails (UV false): the request is refused on the phone, nothing is signed.
  await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
  const { result: refused } = await startGetAssertion(rp, await generateAuthenticationOptions({ rpID: RP_ID, userVerification: 'required' }));
  await approveNext(app, 'sign-in');
  await expect(app.getByTestId('request-error')).toHaveAttribute('data-code', 'not-verified');
  await app.getByTestId('request-deny').tap();
  expect(await refused).toEqual({ ok: false, error: 'NotAllowedError' });

  // With the screen lock turned off (losing the platform passkey) the PIN alone still opens the passkey.
  await app.getByTestId('tab-settings').tap();
  await app.getByTestId('screen-lock-disable').tap();
  await app.getByTestId('confirm-yes').tap();
  await expect(app.getByTestId('screen-lock-status')).toHaveAttribute('data-state', 'off');
  await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
  const withPin = await signIn(rp, credential, () => approveNext(app, 'sign-in', '482913'));
  expect(withPin.userVerified).toBe(true);
  expect(withPin.newCounter).toBeGreaterThan(credential.counter);
});
