// Authenticator apps: TOTP enrolment (QR + manual key, on only after a correct code),
// single-use codes, drift window, algorithms, reconfiguration, HOTP with its resync window,
// encryption at rest and the lockout.
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { afterEach, describe, expect, it } from 'vitest';
import { deriveKey } from './crypto/server-key.ts';
import { SecretBox } from './crypto/secret-box.ts';
import type { TestBrowser } from '../testing/servers.ts';
import {
  codeOf,
  enrolOtp,
  errorOf,
  otpCode,
  PASSWORD,
  signInPassword,
  signUp,
  startRp,
  verifiedUser,
  type OtpEnrolment,
  type TestRp,
} from '../testing/rp-flows.ts';

let rp: TestRp;
afterEach(async () => rp?.close());

const STEP = 30_000;

async function pendingSignin(username = 'alice'): Promise<TestBrowser> {
  const browser = rp.browser();
  const result = await signInPassword(browser, username);
  expect(result.body).toMatchObject({ status: 'second-factor' });
  return browser;
}

const signInWith = (browser: TestBrowser, code: string) => browser.post('/api/signin/otp', { code });

async function aliceWithTotp(env: Record<string, string> = {}): Promise<OtpEnrolment> {
  rp = await startRp(env);
  return enrolOtp(rp, await verifiedUser(rp, 'alice'));
}

describe('enrolment', () => {
  it('shows the otpauth URI as a QR code and as a key to type, with issuer and label', async () => {
    rp = await startRp();
    const browser = await verifiedUser(rp, 'alice');
    const setup = await browser.post<{ uri: string; qr: string; secret: string; issuer: string; label: string }>('/api/otp/setup', { password: PASSWORD });
    expect(setup.status).toBe(200);
    const { uri, qr, secret } = setup.body;
    expect(setup.body).toMatchObject({ kind: 'totp', algorithm: 'sha1', digits: 6, period: 30, issuer: 'Pairkey Demo', label: 'alice' });
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    // SHA1, 6 digits and 30 s are the Key URI defaults, so otplib leaves them out.
    expect(uri).toBe(`otpauth://totp/Pairkey%20Demo:alice?secret=${secret}&issuer=Pairkey%20Demo`);
    const png = PNG.sync.read(Buffer.from(qr.replace(/^data:image\/png;base64,/, ''), 'base64'));
    expect(jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data).toBe(uri);
  });

  it('needs a verified email and the password', async () => {
    rp = await startRp();
    const unverified = rp.browser();
    await signUp(unverified, 'alice');
    expect(codeOf(await unverified.post('/api/otp/setup', { password: PASSWORD }))).toBe('email-unverified');
    const bob = await verifiedUser(rp, 'bob');
    expect(codeOf(await bob.post('/api/otp/setup', { password: 'not the password' }))).toBe('wrong-password');
  });

  it('turns on only after a correct code, and then issues backup codes', async () => {
    rp = await startRp();
    const browser = await verifiedUser(rp, 'alice');
    const setup = await browser.post<{ secret: string }>('/api/otp/setup', { password: PASSWORD });
    const wrong = await browser.post('/api/otp/confirm', { code: '000000' });
    expect(wrong.status).toBe(400);
    expect(codeOf(wrong)).toBe('wrong-code');
    expect((await browser.get('/api/account')).body).toMatchObject({ twoFactor: { enabled: false, otp: null } });
    expect((await signInPassword(rp.browser(), 'alice')).body).toMatchObject({ status: 'signed-in' });

    const code = await otpCode(setup.body.secret, { kind: 'totp', algorithm: 'sha1', digits: 6, period: 30 }, rp.clock.now);
    const confirmed = await browser.post<{ backupCodes: string[] }>('/api/otp/confirm', { code });
    expect(confirmed.body.backupCodes).toHaveLength(10);
    expect((await browser.get('/api/account')).body).toMatchObject({
      twoFactor: { enabled: true, otp: { kind: 'totp', algorithm: 'sha1', digits: 6, period: 30 } },
    });
    expect((await browser.post('/api/otp/confirm', { code })).status).toBe(409);
  });

  it('stores the secret encrypted (AES-GCM bound to its owner), never in clear', async () => {
    const serverKey = new Uint8Array(32).fill(9);
    rp = await startRp({}, { serverKey });
    const { secret } = await enrolOtp(rp, await verifiedUser(rp, 'alice'));
    const alice = rp.store.users.findByUsername('alice')!;
    const factor = rp.store.otp.find(alice.id, 'active')!;
    expect(Buffer.from(factor.sealedSecret).toString('latin1')).not.toContain(secret);
    const box = new SecretBox(deriveKey(serverKey, 'otp-secrets'));
    expect(new TextDecoder().decode(box.open(factor.sealedSecret, `otp-secret:${alice.id}`))).toBe(secret);
    // Moved to another account, or altered, it does not open.
    expect(() => box.open(factor.sealedSecret, `otp-secret:${alice.id + 1}`)).toThrow();
    const tampered = factor.sealedSecret.slice();
    tampered[20] = tampered[20]! ^ 1;
    expect(() => box.open(tampered, `otp-secret:${alice.id}`)).toThrow();
    // Under another server key nothing opens.
    expect(() => new SecretBox(new Uint8Array(32)).open(factor.sealedSecret, `otp-secret:${alice.id}`)).toThrow();
  });
});

describe('sign-in with a code', () => {
  it('asks a TOTP-only account for its code', async () => {
    await aliceWithTotp();
    const result = await signInPassword(rp.browser(), 'alice');
    expect(result.body).toEqual({ status: 'second-factor', methods: { securityKey: false, otp: 'totp', backupCode: true }, recovery: null });
  });

  it('accepts each code once; the enrolment code cannot sign in', async () => {
    const { secret, params } = await aliceWithTotp();
    const enrolmentCode = await otpCode(secret, params, rp.clock.now);
    const browser = await pendingSignin();
    const reused = await signInWith(browser, enrolmentCode);
    expect(reused.status).toBe(401);
    expect(reused.body).toEqual({ error: 'This code was already used; wait for the next one', code: 'code-reused' });

    rp.clock.advance(STEP);
    const next = await otpCode(secret, params, rp.clock.now);
    expect((await signInWith(browser, next)).body).toEqual({ status: 'signed-in', username: 'alice', mustSetUp2fa: false });
    const again = await pendingSignin();
    expect(codeOf(await signInWith(again, next))).toBe('code-reused');
  });

  it('lets only one of two concurrent requests spend the same code', async () => {
    const { secret, params } = await aliceWithTotp();
    rp.clock.advance(STEP);
    const code = await otpCode(secret, params, rp.clock.now);
    const [a, b] = await Promise.all([pendingSignin(), pendingSignin()]);
    const results = await Promise.all([signInWith(a!, code), signInWith(b!, code)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it('accepts ±1 step of clock drift by default, not 2', async () => {
    const { secret, params } = await aliceWithTotp();
    rp.clock.advance(10 * STEP);
    const browser = await pendingSignin();
    expect(codeOf(await signInWith(browser, await otpCode(secret, params, rp.clock.now - 2 * STEP)))).toBe('wrong-code');
    expect(codeOf(await signInWith(browser, await otpCode(secret, params, rp.clock.now + 2 * STEP)))).toBe('wrong-code');
    expect((await signInWith(browser, await otpCode(secret, params, rp.clock.now - STEP))).status).toBe(200);
    rp.clock.advance(10 * STEP);
    expect((await signInWith(await pendingSignin(), await otpCode(secret, params, rp.clock.now + STEP))).status).toBe(200);
  });

  it('has a configurable drift window (TOTP_DRIFT_STEPS=0)', async () => {
    const { secret, params } = await aliceWithTotp({ TOTP_DRIFT_STEPS: '0' });
    rp.clock.advance(10 * STEP);
    const browser = await pendingSignin();
    expect(codeOf(await signInWith(browser, await otpCode(secret, params, rp.clock.now - STEP)))).toBe('wrong-code');
    expect((await signInWith(browser, await otpCode(secret, params, rp.clock.now))).status).toBe(200);
  });

  it('supports SHA256 and 8 digits by configuration', async () => {
    rp = await startRp({ TOTP_ALGORITHM: 'SHA256', TOTP_DIGITS: '8', TOTP_ISSUER: 'Example Corp' });
    const browser = await verifiedUser(rp, 'alice');
    const setup = await browser.post<{ uri: string }>('/api/otp/setup', { password: PASSWORD });
    expect(setup.body.uri).toMatch(/^otpauth:\/\/totp\/Example%20Corp:alice\?secret=[A-Z2-7]+&issuer=Example%20Corp&algorithm=SHA256&digits=8$/);
    await rp.close();

    const { secret, params } = await aliceWithTotp({ TOTP_ALGORITHM: 'sha256', TOTP_DIGITS: '8' });
    expect(params).toMatchObject({ algorithm: 'sha256', digits: 8 });
    rp.clock.advance(STEP);
    const code = await otpCode(secret, params, rp.clock.now);
    expect(code).toMatch(/^\d{8}$/);
    // The SHA1 code for the same step is a different number.
    const browser2 = await pendingSignin();
    expect(codeOf(await signInWith(browser2, await otpCode(secret, { ...params, algorithm: 'sha1' }, rp.clock.now)))).toBe('wrong-code');
    expect((await signInWith(browser2, code)).status).toBe(200);
  });

  it('locks the account after 5 wrong codes, with an audit entry and an email', async () => {
    const { secret, params } = await aliceWithTotp();
    const browser = await pendingSignin();
    for (let i = 0; i < 4; i++) expect(codeOf(await signInWith(browser, `00000${i}`))).toBe('wrong-code');
    const locked = await signInWith(browser, '000004');
    expect(locked.status).toBe(429);
    expect(errorOf(locked)).toMatch(/locked until/);
    rp.clock.advance(STEP);
    // Locked: even the right code waits.
    expect(codeOf(await signInWith(browser, await otpCode(secret, params, rp.clock.now)))).toBe('account-locked');
    const alice = rp.store.users.findByUsername('alice')!;
    expect(rp.store.audit.list(alice.id).some((e) => e.event === 'account.locked')).toBe(true);
    expect(rp.store.outbox.list('alice@example.com')[0]?.subject).toMatch(/temporarily locked/);
  });

  it('does not let a correct password refill the code guesses', async () => {
    await aliceWithTotp();
    for (let round = 0; round < 5; round++) {
      const browser = await pendingSignin();
      const result = await signInWith(browser, '123456');
      expect(result.status).toBe(round < 4 ? 401 : 429);
    }
  });
});

describe('reconfiguring', () => {
  it('keeps the old app working until the new one is confirmed, then only the new one', async () => {
    rp = await startRp();
    const browser = await verifiedUser(rp, 'alice');
    const old = await enrolOtp(rp, browser);
    const setup = await browser.post<{ secret: string }>('/api/otp/setup', { password: PASSWORD });
    rp.clock.advance(STEP);
    // Mid-reconfiguration the old secret still signs in.
    expect((await signInWith(await pendingSignin(), await otpCode(old.secret, old.params, rp.clock.now))).status).toBe(200);
    rp.clock.advance(STEP);
    const confirm = await browser.post<{ backupCodes: null }>('/api/otp/confirm', { code: await otpCode(setup.body.secret, old.params, rp.clock.now) });
    expect(confirm.body.backupCodes).toBeNull();
    rp.clock.advance(STEP);
    expect(codeOf(await signInWith(await pendingSignin(), await otpCode(old.secret, old.params, rp.clock.now)))).toBe('wrong-code');
    expect((await signInWith(await pendingSignin(), await otpCode(setup.body.secret, old.params, rp.clock.now))).status).toBe(200);
    expect(rp.store.outbox.list('alice@example.com').map((m) => m.subject)).toContain(
      'Security alert: Your authenticator app was replaced; codes from the old one no longer work',
    );
  });

  it('removes the app with password and a current code; 2FA is then off', async () => {
    rp = await startRp();
    const browser = await verifiedUser(rp, 'alice');
    const { secret, params } = await enrolOtp(rp, browser);
    rp.clock.advance(STEP);
    expect(codeOf(await browser.post('/api/otp/remove', { password: PASSWORD }))).toBe('reauth-required');
    expect(codeOf(await browser.post('/api/otp/remove', { password: PASSWORD, proof: { type: 'otp', code: '000000' } }))).toBe('wrong-code');
    const removed = await browser.post('/api/otp/remove', { password: PASSWORD, proof: { type: 'otp', code: await otpCode(secret, params, rp.clock.now) } });
    expect(removed.body).toEqual({ ok: true, twoFactorEnabled: false });
    expect((await signInPassword(rp.browser(), 'alice')).body).toMatchObject({ status: 'signed-in' });
  });
});

describe('HOTP', () => {
  it('enrols counter-based codes and resyncs within the look-ahead window', async () => {
    rp = await startRp({ HOTP_LOOK_AHEAD: '5' });
    const browser = await verifiedUser(rp, 'alice');
    const setup = await browser.post<{ uri: string; secret: string }>('/api/otp/setup', { password: PASSWORD, kind: 'hotp' });
    expect(setup.body.uri).toMatch(/^otpauth:\/\/hotp\/Pairkey%20Demo:alice\?secret=[A-Z2-7]+&issuer=Pairkey%20Demo&counter=0$/);
    const params = { kind: 'hotp', algorithm: 'sha1', digits: 6, period: 30 } as const;
    const at = (counter: number) => otpCode(setup.body.secret, params, 0, counter);
    expect((await browser.post('/api/otp/confirm', { code: await at(0) })).status).toBe(200);
    expect((await signInPassword(rp.browser(), 'alice')).body).toMatchObject({ methods: { otp: 'hotp' } });

    // Counter 0 was spent by the enrolment.
    expect(codeOf(await signInWith(await pendingSignin(), await at(0)))).toBe('wrong-code');
    expect((await signInWith(await pendingSignin(), await at(1))).status).toBe(200);
    // The app was pressed a few times without signing in: 4 ahead is inside the window.
    expect((await signInWith(await pendingSignin(), await at(6))).status).toBe(200);
    // Behind the counter now: refused.
    expect(codeOf(await signInWith(await pendingSignin(), await at(4)))).toBe('wrong-code');
    // Further ahead than the window (next expected is 7; 7 + 5 = 12 is the last accepted).
    expect(codeOf(await signInWith(await pendingSignin(), await at(13)))).toBe('wrong-code');
    expect((await signInWith(await pendingSignin(), await at(12))).status).toBe(200);
  });
});
