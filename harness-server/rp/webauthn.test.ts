// Security keys and passkeys: adding them (after the password), the second-factor step,
// passkey sign-in without a username, managing keys, and every WebAuthn L3 §7 check.
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { afterEach, describe, expect, it } from 'vitest';
import { toB64url } from '../../shared/bytes.ts';
import { captureLogs, type TestBrowser } from '../testing/servers.ts';
import { createCredential, forgeAssertion, forgedCredential, forgeRegistration, softwareAuthenticator, type ForgedCredential, type Forgery } from '../testing/webauthn-client.ts';
import {
  addKey,
  assertWith,
  codeOf,
  errorOf,
  ORIGIN,
  PASSWORD,
  signInPassword,
  signUp,
  startRp,
  verifiedUser,
  type TestRp,
} from '../testing/rp-flows.ts';

let rp: TestRp;
afterEach(async () => rp?.close());

async function keyOptions(browser: TestBrowser, kind: 'security-key' | 'passkey' = 'security-key') {
  const options = await browser.post<PublicKeyCredentialCreationOptionsJSON>('/api/keys/options', { password: PASSWORD, kind });
  expect(options.status).toBe(200);
  return options.body;
}

/** Registers a hand-made credential through the API. */
async function addForged(browser: TestBrowser, credential: ForgedCredential, forgery: Forgery = {}, kind: 'security-key' | 'passkey' = 'security-key') {
  const response = await forgeRegistration(credential, await keyOptions(browser, kind), forgery);
  return browser.post('/api/keys/verify', { name: 'Forged key', credential: response });
}

/** Password accepted, then the key step answered with a forged assertion. */
async function keyStep(browser: TestBrowser, credential: ForgedCredential, forgery: Forgery = {}) {
  const options = await browser.post<PublicKeyCredentialRequestOptionsJSON>('/api/signin/key/options');
  expect(options.status).toBe(200);
  return browser.post('/api/signin/key/verify', await forgeAssertion(credential, options.body, forgery));
}

describe('adding a security key', () => {
  it('needs a verified email, then the password', async () => {
    rp = await startRp();
    const browser = rp.browser();
    await signUp(browser, 'alice');
    const unverified = await browser.post('/api/keys/options', { password: PASSWORD, kind: 'security-key' });
    expect(unverified.status).toBe(403);
    expect(codeOf(unverified)).toBe('email-unverified');
    const verified = await verifiedUser(rp, 'bob');
    const wrong = await verified.post('/api/keys/options', { password: 'not the password', kind: 'security-key' });
    expect(wrong.status).toBe(401);
    expect(codeOf(wrong)).toBe('wrong-password');
  });

  it('offers options per kind and excludes keys already registered', async () => {
    rp = await startRp();
    const browser = await verifiedUser(rp, 'alice');
    const securityKey = await keyOptions(browser);
    expect(securityKey.authenticatorSelection).toMatchObject({ residentKey: 'discouraged', userVerification: 'preferred' });
    expect(securityKey.attestation).toBe('none');
    expect(securityKey.user.id).toBe(toB64url(rp.store.users.findByUsername('alice')!.userHandle));
    expect(securityKey.excludeCredentials).toEqual([]);
    const added = await addKey(browser, softwareAuthenticator());
    const passkey = await keyOptions(browser, 'passkey');
    expect(passkey.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' });
    expect(passkey.excludeCredentials).toEqual([{ id: added.body.key.id, type: 'public-key', transports: ['hybrid'] }]);
  });

  it('turns 2FA on with the first key and issues 10 backup codes then, not later', async () => {
    rp = await startRp();
    const browser = await verifiedUser(rp, 'alice');
    const first = await addKey(browser, softwareAuthenticator(), 'security-key', 'Blue key');
    expect(first.status).toBe(200);
    expect(first.body.backupCodes).toHaveLength(10);
    expect(first.body.key).toMatchObject({ name: 'Blue key', kind: 'security-key', lastUsedAt: null, cloneWarningAt: null });
    const second = await addKey(browser, softwareAuthenticator(), 'security-key', 'Green key');
    expect(second.body.backupCodes).toBeNull();
    expect((await browser.get('/api/account')).body).toMatchObject({ twoFactor: { enabled: true, securityKeys: 2, backupCodes: { remaining: 10 } } });
    const alice = rp.store.users.findByUsername('alice')!;
    expect(rp.store.audit.list(alice.id).filter((e) => e.event === 'factor.added').map((e) => e.detail)).toEqual([
      { type: 'security-key', name: 'Green key' },
      { type: 'security-key', name: 'Blue key' },
    ]);
    expect(rp.store.outbox.list('alice@example.com').map((m) => m.subject)).toContain('Security alert: Security key "Blue key" was added');
  });

  it('uses each registration challenge once, and not after it expired', async () => {
    rp = await startRp();
    const browser = await verifiedUser(rp, 'alice');
    const credential = await createCredential(softwareAuthenticator(), await keyOptions(browser), ORIGIN);
    expect((await browser.post('/api/keys/verify', { name: 'A', credential })).status).toBe(200);
    const replay = await browser.post('/api/keys/verify', { name: 'A', credential });
    expect(replay.status).toBe(400);
    expect(errorOf(replay)).toMatch(/No security key registration in progress/);

    const late = await createCredential(softwareAuthenticator(), await keyOptions(browser), ORIGIN);
    rp.clock.advance(5 * 60 * 1000);
    const expired = await browser.post('/api/keys/verify', { name: 'B', credential: late });
    expect(errorOf(expired)).toBe('The security key registration challenge has expired; start again');
  });

  it.each<[string, Forgery, RegExp]>([
    ['another origin', { origin: 'https://evil.example' }, /origin/],
    ['another RP ID', { rpId: 'evil.example' }, /RP ID/],
    ['no user presence', { up: false }, /user was not present/],
    ['a framed (cross-origin) page', { crossOrigin: true }, /Cross-origin/],
    ['BS without BE', { be: false, bs: true }, /backed up|BS/i],
  ])('refuses a registration from %s', async (_label, forgery, message) => {
    rp = await startRp();
    const browser = await verifiedUser(rp, 'alice');
    const result = await addForged(browser, forgedCredential(), forgery);
    expect(result.status).toBe(400);
    expect(errorOf(result)).toMatch(message);
    expect(rp.store.credentials.countForUser(rp.store.users.findByUsername('alice')!.id)).toBe(0);
  });

  it('refuses a passkey that did not verify the user', async () => {
    rp = await startRp();
    const browser = await verifiedUser(rp, 'alice');
    const result = await addForged(browser, forgedCredential(), { uv: false }, 'passkey');
    expect(result.status).toBe(400);
    expect(errorOf(result)).toMatch(/User verification was required/);
    // A security key (second factor) may skip UV: the password is the other factor.
    expect((await addForged(browser, forgedCredential(), { uv: false })).status).toBe(200);
  });

  it('keeps a credential id unique across users', async () => {
    rp = await startRp();
    const alice = await verifiedUser(rp, 'alice');
    const shared = forgedCredential();
    expect((await addForged(alice, shared)).status).toBe(200);
    const bob = await verifiedUser(rp, 'bob');
    const stolen = await addForged(bob, { id: shared.id, key: forgedCredential().key });
    expect(stolen.status).toBe(409);
    expect(errorOf(stolen)).toBe('This security key is already registered');
    expect(rp.store.credentials.findById(toB64url(shared.id))?.userId).toBe(rp.store.users.findByUsername('alice')!.id);
  });
});

describe('the security key step at sign-in', () => {
  async function aliceWithForgedKey(forgery: Forgery = {}) {
    rp = await startRp();
    const setup = await verifiedUser(rp, 'alice');
    const credential = forgedCredential();
    expect((await addForged(setup, credential, forgery)).status).toBe(200);
    const browser = rp.browser();
    const password = await signInPassword(browser, 'alice');
    expect(password.body).toEqual({
      status: 'second-factor',
      methods: { securityKey: true, otp: null, backupCode: true },
      recovery: null,
    });
    return { browser, credential };
  }

  it('signs in with the key after the password, and records its use', async () => {
    const { browser, credential } = await aliceWithForgedKey();
    // The password alone is not a session.
    expect((await browser.get('/api/me')).status).toBe(401);
    const options = await browser.post<PublicKeyCredentialRequestOptionsJSON>('/api/signin/key/options');
    expect(options.body.allowCredentials).toEqual([{ id: toB64url(credential.id), type: 'public-key', transports: ['usb'] }]);
    expect(options.body.userVerification).toBe('preferred');
    const result = await browser.post('/api/signin/key/verify', await forgeAssertion(credential, options.body, { signCount: 1 }));
    expect(result.body).toEqual({ status: 'signed-in', username: 'alice', mustSetUp2fa: false });
    expect(browser.cookies.has('pk_signin')).toBe(false);
    const keys = await browser.get<{ keys: { lastUsedAt: string; signCount: number }[] }>('/api/keys');
    expect(keys.body.keys[0]).toMatchObject({ lastUsedAt: new Date(rp.clock.now).toISOString(), signCount: 1 });
  });

  it('needs the password step first', async () => {
    rp = await startRp();
    const result = await rp.browser().post('/api/signin/key/options');
    expect(result.status).toBe(401);
    expect(errorOf(result)).toBe('Your sign-in has expired; enter your password again');
  });

  it('expires the pending sign-in after 10 minutes', async () => {
    const { browser } = await aliceWithForgedKey();
    rp.clock.advance(10 * 60 * 1000);
    expect((await browser.post('/api/signin/key/options')).status).toBe(401);
  });

  it.each<[string, Forgery, RegExp]>([
    ['another origin', { origin: 'https://evil.example' }, /origin/],
    ['another RP ID hash', { rpId: 'evil.example' }, /RP ID/],
    ['no user presence', { up: false }, /User not present/],
    ['a framed (cross-origin) page', { crossOrigin: true }, /Cross-origin/],
    ['a changed BE flag', { be: true, bs: true }, /backup eligibility/],
    ['BS without BE', { be: false, bs: true }, /backed up|BS/i],
  ])('refuses an assertion from %s', async (_label, forgery, message) => {
    const { browser, credential } = await aliceWithForgedKey();
    const result = await keyStep(browser, credential, forgery);
    expect(result.status).toBe(400);
    expect(errorOf(result)).toMatch(message);
    expect((await browser.get('/api/me')).status).toBe(401);
  });

  it('refuses a replayed assertion (single-use challenge) and an expired challenge', async () => {
    const { browser, credential } = await aliceWithForgedKey();
    const options = await browser.post<PublicKeyCredentialRequestOptionsJSON>('/api/signin/key/options');
    const assertion = await forgeAssertion(credential, options.body, { signCount: 1 });
    expect((await browser.post('/api/signin/key/verify', assertion)).status).toBe(200);
    // Same response again, from a new password step: its challenge is gone.
    await signInPassword(browser, 'alice');
    const replay = await browser.post('/api/signin/key/verify', assertion);
    expect(errorOf(replay)).toMatch(/No security key sign-in in progress/);
    // Refused and audited for the key's owner (issue 8: every attack is refused and logged).
    const alice = rp.store.users.findByUsername('alice')!;
    expect(rp.store.audit.list(alice.id)[0]).toMatchObject({ event: 'signin.failed', detail: { step: 'security-key', reason: errorOf(replay) } });

    const fresh = await browser.post<PublicKeyCredentialRequestOptionsJSON>('/api/signin/key/options');
    rp.clock.advance(5 * 60 * 1000);
    const late = await browser.post('/api/signin/key/verify', await forgeAssertion(credential, fresh.body, { signCount: 2 }));
    expect(errorOf(late)).toBe('The security key sign-in challenge has expired; start again');
  });

  it('refuses a key of another account', async () => {
    const { browser } = await aliceWithForgedKey();
    const bob = await verifiedUser(rp, 'bob');
    const bobsKey = forgedCredential();
    await addForged(bob, bobsKey);
    const result = await keyStep(browser, bobsKey);
    expect(result.status).toBe(400);
    expect(errorOf(result)).toBe('This security key belongs to another account');
  });

  it('flags and logs a signature counter that went backwards, and refuses it', async () => {
    const logs = captureLogs();
    rp = await startRp({ LOG_LEVEL: 'warn' }, {}, logs.stream);
    const setup = await verifiedUser(rp, 'alice');
    const credential = forgedCredential();
    await addForged(setup, credential);
    const browser = rp.browser();
    await signInPassword(browser, 'alice');
    expect((await keyStep(browser, credential, { signCount: 5 })).status).toBe(200);
    await signInPassword(browser, 'alice');
    const cloned = await keyStep(browser, credential, { signCount: 3 });
    expect(cloned.status).toBe(400);
    expect(errorOf(cloned)).toMatch(/signature counter went backwards/);
    const alice = rp.store.users.findByUsername('alice')!;
    expect(rp.store.audit.list(alice.id)[1]).toMatchObject({ event: 'key.sign-count-regression', detail: { stored: 5, received: 3 } });
    expect(rp.store.credentials.findById(toB64url(credential.id))).toMatchObject({ signCount: 5, cloneWarningAt: rp.clock.now });
    expect(logs.text()).toMatch(/sign counter regression: possible cloned authenticator/);
  });

  it('counts failed key checks towards the lockout', async () => {
    const { browser, credential } = await aliceWithForgedKey();
    for (let i = 0; i < 4; i++) expect((await keyStep(browser, credential, { origin: 'https://evil.example' })).status).toBe(400);
    expect((await keyStep(browser, credential, { origin: 'https://evil.example' })).status).toBe(429);
    expect(codeOf(await browser.post('/api/signin/key/options'))).toBe('account-locked');
  });
});

describe('passkey sign-in without a username', () => {
  async function aliceWithPasskey() {
    rp = await startRp();
    const setup = await verifiedUser(rp, 'alice');
    const phone = softwareAuthenticator();
    expect((await addKey(setup, phone, 'passkey', 'Phone')).status).toBe(200);
    return phone;
  }

  it('finds the account from the discoverable credential', async () => {
    const phone = await aliceWithPasskey();
    const browser = rp.browser();
    const options = await browser.post<PublicKeyCredentialRequestOptionsJSON>('/api/passkey/options');
    expect(options.body).toMatchObject({ allowCredentials: [], userVerification: 'required', rpId: 'localhost' });
    const result = await browser.post('/api/passkey/verify', await assertWith(browser, phone, '/api/passkey/options'));
    expect(result.body).toEqual({ status: 'signed-in', username: 'alice', mustSetUp2fa: false });
    expect(rp.store.audit.list(rp.store.users.findByUsername('alice')!.id)[0]).toMatchObject({ event: 'signin.succeeded', detail: { method: 'passkey' } });
  });

  it('requires user verification', async () => {
    const phone = await aliceWithPasskey();
    const browser = rp.browser();
    // A client that downgrades the request to "preferred" and an authenticator that skips UV.
    const assertion = await assertWith(browser, phone, '/api/passkey/options', (o) => ({ ...o, userVerification: 'preferred' }), ORIGIN, false);
    const result = await browser.post('/api/passkey/verify', assertion);
    expect(result.status).toBe(400);
    expect(errorOf(result)).toMatch(/User verification required/);
  });

  it('refuses a missing or foreign user handle', async () => {
    rp = await startRp();
    const alice = await verifiedUser(rp, 'alice');
    const credential = forgedCredential();
    await addForged(alice, credential, {}, 'passkey');
    const browser = rp.browser();
    for (const userHandle of [undefined, toB64url(new Uint8Array(32).fill(7))]) {
      const options = await browser.post<PublicKeyCredentialRequestOptionsJSON>('/api/passkey/options');
      const result = await browser.post('/api/passkey/verify', await forgeAssertion(credential, options.body, { userHandle }));
      expect(result.status).toBe(400);
      expect(errorOf(result)).toBe('The passkey did not report the user handle of its account');
    }
  });

  it('does not let a key added as a second factor replace the password', async () => {
    rp = await startRp();
    const alice = await verifiedUser(rp, 'alice');
    const credential = forgedCredential();
    await addForged(alice, credential);
    const userHandle = toB64url(rp.store.users.findByUsername('alice')!.userHandle);
    const browser = rp.browser();
    const options = await browser.post<PublicKeyCredentialRequestOptionsJSON>('/api/passkey/options');
    const result = await browser.post('/api/passkey/verify', await forgeAssertion(credential, options.body, { userHandle }));
    expect(result.status).toBe(400);
    expect(errorOf(result)).toBe('This security key is a second factor: sign in with your password first');
  });

  it('still signs in while the password is locked out', async () => {
    const phone = await aliceWithPasskey();
    const attacker = rp.browser();
    for (let i = 0; i < 5; i++) await signInPassword(attacker, 'alice', `guess number ${i}`);
    expect((await signInPassword(rp.browser(), 'alice')).status).toBe(429);
    const browser = rp.browser();
    expect((await browser.post('/api/passkey/verify', await assertWith(browser, phone, '/api/passkey/options'))).status).toBe(200);
  });
});

describe('managing keys', () => {
  it('renames a key of one’s own only', async () => {
    rp = await startRp();
    const alice = await verifiedUser(rp, 'alice');
    const { key } = (await addKey(alice, softwareAuthenticator(), 'security-key', 'Old')).body;
    expect((await alice.post(`/api/keys/${key.id}/rename`, { name: '  New name  ' })).status).toBe(200);
    expect((await alice.get<{ keys: { name: string }[] }>('/api/keys')).body.keys[0]!.name).toBe('New name');
    expect((await alice.post(`/api/keys/${key.id}/rename`, { name: '   ' })).status).toBe(400);
    const bob = await verifiedUser(rp, 'bob');
    expect((await bob.post(`/api/keys/${key.id}/rename`, { name: 'Mine now' })).status).toBe(404);
  });

  it('removes one of several keys with the password', async () => {
    rp = await startRp();
    const alice = await verifiedUser(rp, 'alice');
    const { key } = (await addKey(alice, softwareAuthenticator(), 'security-key', 'A')).body;
    await addKey(alice, softwareAuthenticator(), 'security-key', 'B');
    const bob = await verifiedUser(rp, 'bob');
    expect((await bob.post(`/api/keys/${key.id}/remove`, { password: PASSWORD })).status).toBe(404);
    const wrong = await alice.post(`/api/keys/${key.id}/remove`, { password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(codeOf(wrong)).toBe('wrong-password');
    const removed = await alice.post(`/api/keys/${key.id}/remove`, { password: PASSWORD });
    expect(removed.body).toEqual({ ok: true, twoFactorEnabled: true });
    expect(rp.store.outbox.list('alice@example.com')[0]?.subject).toBe('Security alert: Security key "A" was removed');
  });

  it('removing the last key needs a second factor too, and turns 2FA off', async () => {
    rp = await startRp();
    const alice = await verifiedUser(rp, 'alice');
    const added = (await addKey(alice, softwareAuthenticator())).body;
    const id = added.key.id;
    const passwordOnly = await alice.post(`/api/keys/${id}/remove`, { password: PASSWORD });
    expect(passwordOnly.status).toBe(401);
    expect(codeOf(passwordOnly)).toBe('reauth-required');
    const removed = await alice.post(`/api/keys/${id}/remove`, { password: PASSWORD, proof: { type: 'backup-code', code: added.backupCodes![0] } });
    expect(removed.body).toEqual({ ok: true, twoFactorEnabled: false });
    const account = await alice.get('/api/account');
    expect(account.body).toMatchObject({ twoFactor: { enabled: false, securityKeys: 0, backupCodes: { remaining: 0 } } });
    expect(rp.store.audit.list(rp.store.users.findByUsername('alice')!.id)[0]).toMatchObject({ event: 'two-factor.disabled', detail: { reason: 'last factor removed' } });
    expect((await signInPassword(rp.browser(), 'alice')).body).toMatchObject({ status: 'signed-in' });
  });
});
