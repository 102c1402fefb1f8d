// Turning 2FA off (password + a second factor), and "lost everything" recovery: a link to the
// verified email, a waiting period, then the reset.
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { afterEach, describe, expect, it } from 'vitest';
import { getAssertion, softwareAuthenticator } from '../testing/webauthn-client.ts';
import {
  addKey,
  codeOf,
  enrolOtp,
  errorOf,
  linkFromOutbox,
  ORIGIN,
  otpCode,
  PASSWORD,
  signInPassword,
  startRp,
  tokenOf,
  verifiedUser,
  type TestRp,
} from '../testing/rp-flows.ts';

let rp: TestRp;
afterEach(async () => rp?.close());

describe('turning 2FA off', () => {
  it('needs the password and one second factor; a wrong one counts as a failure', async () => {
    rp = await startRp();
    const browser = await verifiedUser(rp, 'alice');
    const { secret, params } = await enrolOtp(rp, browser);
    rp.clock.advance(30_000);
    expect(codeOf(await browser.post('/api/2fa/disable', {}))).toBe('reauth-required');
    expect(codeOf(await browser.post('/api/2fa/disable', { password: PASSWORD }))).toBe('reauth-required');
    expect(codeOf(await browser.post('/api/2fa/disable', { password: 'wrong password', proof: { type: 'otp', code: await otpCode(secret, params, rp.clock.now) } }))).toBe('wrong-password');
    expect(codeOf(await browser.post('/api/2fa/disable', { password: PASSWORD, proof: { type: 'backup-code', code: 'aaaaa-bbbbb' } }))).toBe('wrong-code');
    const alice = rp.store.users.findByUsername('alice')!;
    expect(rp.store.audit.list(alice.id).filter((e) => e.event === 'reauth.failed')).toHaveLength(2);
    // One account, one address: the per-address counter is the only row with a scope.
    const failures = () => rp.store.db.prepare('SELECT failures FROM guess_counters WHERE length(scope) = 32').pluck().all();
    expect(failures()).toEqual([2]);

    const ok = await browser.post('/api/2fa/disable', { password: PASSWORD, proof: { type: 'otp', code: await otpCode(secret, params, rp.clock.now) } });
    expect(ok.body).toEqual({ ok: true });
    expect((await browser.get('/api/account')).body).toMatchObject({ twoFactor: { enabled: false, otp: null, backupCodes: { remaining: 0 } } });
    expect(failures()).toEqual([]);
    expect(rp.store.outbox.list('alice@example.com')[0]?.subject).toBe('Security alert: Two-factor authentication was turned off');
  });

  it('accepts a backup code or a security key as the second factor', async () => {
    rp = await startRp();
    const browser = await verifiedUser(rp, 'alice');
    const { backupCodes } = (await addKey(browser, softwareAuthenticator())).body;
    expect((await browser.post('/api/2fa/disable', { password: PASSWORD, proof: { type: 'backup-code', code: backupCodes![0] } })).status).toBe(200);

    const key = softwareAuthenticator();
    await addKey(browser, key);
    const options = await browser.post<PublicKeyCredentialRequestOptionsJSON>('/api/reauth/key/options');
    expect(options.body.allowCredentials).toHaveLength(1);
    const credential = await getAssertion(key, options.body, ORIGIN);
    expect((await browser.post('/api/2fa/disable', { password: PASSWORD, proof: { type: 'security-key', credential } })).status).toBe(200);
    expect((await browser.get('/api/account')).body).toMatchObject({ twoFactor: { enabled: false, securityKeys: 0 } });
  });

  it('refuses a key proof without its own challenge', async () => {
    rp = await startRp();
    const browser = await verifiedUser(rp, 'alice');
    const key = softwareAuthenticator();
    await addKey(browser, key);
    // An assertion made for the sign-in step cannot stand in for the re-authentication.
    await signInPassword(browser, 'alice');
    const signinOptions = await browser.post<PublicKeyCredentialRequestOptionsJSON>('/api/signin/key/options');
    const credential = await getAssertion(key, signinOptions.body, ORIGIN);
    const result = await browser.post('/api/2fa/disable', { password: PASSWORD, proof: { type: 'security-key', credential } });
    expect(result.status).toBe(400);
    expect(errorOf(result)).toMatch(/No security key confirmation in progress/);
    expect((await browser.get('/api/account')).body).toMatchObject({ twoFactor: { enabled: true } });
  });

  it('is refused while an organisation requires 2FA', async () => {
    rp = await startRp();
    const browser = await verifiedUser(rp, 'alice');
    const { backupCodes } = await enrolOtp(rp, browser);
    await browser.post('/api/orgs', { name: 'Acme' });
    await browser.post('/api/orgs/1/enforce-2fa', { enforce: true });
    const refused = await browser.post('/api/2fa/disable', { password: PASSWORD, proof: { type: 'backup-code', code: backupCodes![0] } });
    expect(refused.status).toBe(403);
    expect(errorOf(refused)).toMatch(/Acme requires two-factor authentication/);
  });
});

describe('"lost everything" recovery', () => {
  const WAIT = 3 * 24 * 60 * 60 * 1000;

  async function aliceWithTotpOnly() {
    rp = await startRp();
    const browser = await verifiedUser(rp, 'alice');
    await enrolOtp(rp, browser);
    return browser;
  }

  async function requestRecovery() {
    const browser = rp.browser();
    await signInPassword(browser, 'alice');
    const started = await browser.post('/api/signin/recovery/start');
    expect(started.body).toEqual({ ok: true, sentTo: 'a•••@example.com' });
    return browser;
  }

  it('emails a confirmation link, then resets 2FA only after the waiting period', async () => {
    const session = await aliceWithTotpOnly();
    const browser = await requestRecovery();
    const link = linkFromOutbox(rp.store, 'alice@example.com', '/recover');
    expect(rp.store.outbox.list('alice@example.com')[0]?.body).toMatch(/takes effect 3 days after confirmation/);

    // Nothing to complete before the link is opened.
    expect((await browser.post('/api/signin/recovery/complete')).status).toBe(409);
    const confirmed = await rp.browser().post<{ availableAt: string }>('/api/recovery/confirm', { token: tokenOf(link) });
    expect(confirmed.body).toEqual({ ok: true, availableAt: new Date(rp.clock.now + WAIT).toISOString() });
    expect(rp.store.outbox.list('alice@example.com')[0]?.subject).toBe('Two-factor reset scheduled for your Pairkey Demo account');
    // The link works once.
    expect((await rp.browser().post('/api/recovery/confirm', { token: tokenOf(link) })).status).toBe(400);

    const early = await browser.post('/api/signin/recovery/complete');
    expect(early.status).toBe(409);
    expect(errorOf(early)).toMatch(/can be completed from/);
    expect((await session.get('/api/account')).body).toMatchObject({ recovery: { availableAt: confirmed.body.availableAt } });

    rp.clock.advance(WAIT);
    const later = rp.browser();
    expect((await signInPassword(later, 'alice')).body).toMatchObject({ recovery: { availableAt: confirmed.body.availableAt, ready: true } });
    const done = await later.post('/api/signin/recovery/complete');
    expect(done.body).toEqual({ status: 'signed-in', username: 'alice', mustSetUp2fa: false });
    expect((await later.get('/api/account')).body).toMatchObject({ twoFactor: { enabled: false, otp: null }, recovery: null });
    // Every other session ended: whoever held them may be why the account was recovered.
    expect((await session.get('/api/me')).status).toBe(401);
    const events = rp.store.audit.list(rp.store.users.findByUsername('alice')!.id).map((e) => e.event);
    expect(events.slice(0, 3)).toEqual(['signin.succeeded', 'two-factor.disabled', 'recovery.completed']);
    expect(events).toEqual(expect.arrayContaining(['recovery.requested', 'recovery.confirmed', 'recovery.completed']));
  });

  it('has a configurable waiting period', async () => {
    rp = await startRp({ RECOVERY_WAIT_MINUTES: '0' });
    const browser = await verifiedUser(rp, 'alice');
    await enrolOtp(rp, browser);
    const pending = await requestRecovery();
    await rp.browser().post('/api/recovery/confirm', { token: tokenOf(linkFromOutbox(rp.store, 'alice@example.com', '/recover')) });
    expect((await pending.post('/api/signin/recovery/complete')).status).toBe(200);
  });

  it('can be cancelled by the owner, who still has a factor', async () => {
    const session = await aliceWithTotpOnly();
    await requestRecovery();
    await rp.browser().post('/api/recovery/confirm', { token: tokenOf(linkFromOutbox(rp.store, 'alice@example.com', '/recover')) });
    expect((await session.post('/api/recovery/cancel')).body).toEqual({ ok: true });
    rp.clock.advance(WAIT);
    const attacker = rp.browser();
    await signInPassword(attacker, 'alice');
    expect((await attacker.post('/api/signin/recovery/complete')).status).toBe(409);
    expect(rp.store.otp.find(rp.store.users.findByUsername('alice')!.id, 'active')).toBeDefined();
  });

  it('needs the password first, and a verified email', async () => {
    rp = await startRp();
    expect((await rp.browser().post('/api/signin/recovery/start')).status).toBe(401);
    const browser = await verifiedUser(rp, 'alice');
    await enrolOtp(rp, browser);
    // The address was verified when 2FA went on; unverify it to check the rule.
    rp.store.db.prepare("UPDATE users SET email_verified_at = NULL WHERE username = 'alice'").run();
    const pending = rp.browser();
    await signInPassword(pending, 'alice');
    const refused = await pending.post('/api/signin/recovery/start');
    expect(refused.status).toBe(409);
    expect(errorOf(refused)).toMatch(/no verified email address/);
  });

  it('expires the confirmation link after an hour', async () => {
    await aliceWithTotpOnly();
    await requestRecovery();
    rp.clock.advance(60 * 60 * 1000);
    const token = tokenOf(linkFromOutbox(rp.store, 'alice@example.com', '/recover'));
    expect((await rp.browser().post('/api/recovery/confirm', { token })).status).toBe(400);
  });
});
