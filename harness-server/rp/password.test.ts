// Changing the password (current password + a second factor where 2FA is on) and resetting it
// by email (accounts without 2FA): sessions end, a pending recovery is cancelled, the owner is
// told, and nothing in the answers says which accounts exist (issue 20 item 5).
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { fromB64url } from '../../shared/bytes.ts';
import type { TestBrowser } from '../testing/servers.ts';
import {
  codeOf,
  enrolOtp,
  errorOf,
  linkFromOutbox,
  otpCode,
  PASSWORD,
  signInPassword,
  signUp,
  startRp,
  tokenOf,
  verifiedUser,
  type TestRp,
} from '../testing/rp-flows.ts';
import { PASSWORD_RESET_COOLDOWN_MS } from './routes/password.ts';

let rp: TestRp;
afterEach(async () => rp?.close());

const NEW_PASSWORD = 'a brand new passphrase 77';
const HOUR = 60 * 60 * 1000;

const events = async (browser: TestBrowser): Promise<string[]> =>
  (await browser.get<{ entries: { event: string }[] }>('/api/audit')).body.entries.map((e) => e.event);
const subjects = (email: string): string[] => rp.store.outbox.list(email).map((m) => m.subject);

async function signedIn(username: string, password = PASSWORD): Promise<TestBrowser> {
  const browser = rp.browser();
  const result = await signInPassword(browser, username, password);
  if (result.status !== 200) throw new Error(`sign-in failed: ${JSON.stringify(result.body)}`);
  return browser;
}

describe('changing the password', () => {
  it('takes the current password, ends every other session and keeps this one', async () => {
    rp = await startRp();
    const here = await verifiedUser(rp, 'bob');
    const elsewhere = await signedIn('bob');

    const changed = await here.post('/api/password/change', { password: PASSWORD, newPassword: NEW_PASSWORD });
    expect(changed).toMatchObject({ status: 200, body: { ok: true } });
    expect((await elsewhere.get('/api/account')).status).toBe(401);
    expect((await here.get('/api/account')).status).toBe(200);

    expect((await signInPassword(rp.browser(), 'bob')).status).toBe(401);
    expect((await signInPassword(rp.browser(), 'bob', NEW_PASSWORD)).body).toMatchObject({ status: 'signed-in' });
    expect(subjects('bob@example.com')[0]).toBe('Your Pairkey Demo password was changed');
    expect(await events(here)).toContain('password.changed');
  });

  it('refuses a missing or wrong current password, and a new one the sign-up rules refuse', async () => {
    rp = await startRp();
    const bob = await verifiedUser(rp, 'bob');
    const missing = await bob.post('/api/password/change', { newPassword: NEW_PASSWORD });
    expect([missing.status, codeOf(missing)]).toEqual([401, 'reauth-required']);
    const wrong = await bob.post('/api/password/change', { password: 'not my password at all', newPassword: NEW_PASSWORD });
    expect(wrong.status).toBe(401);
    for (const [newPassword, problem] of [
      ['short', 'Use at least 12 characters'],
      ['password1234', 'This password is too common; choose another'],
      ['bob is the best of all', 'The password must not contain your username, email address or the site name'],
    ] as const) {
      const refused = await bob.post('/api/password/change', { password: PASSWORD, newPassword });
      expect([refused.status, errorOf(refused)]).toEqual([400, problem]);
    }
    expect((await signInPassword(rp.browser(), 'bob')).body).toMatchObject({ status: 'signed-in' });
    expect(rp.store.outbox.list('bob@example.com').filter((m) => m.subject.includes('password was changed'))).toEqual([]);
  });

  it('needs a second factor as well when 2FA is on', async () => {
    rp = await startRp();
    const bob = await verifiedUser(rp, 'bob');
    const { secret, params, backupCodes } = await enrolOtp(rp, bob);

    const passwordOnly = await bob.post('/api/password/change', { password: PASSWORD, newPassword: NEW_PASSWORD });
    expect([passwordOnly.status, codeOf(passwordOnly)]).toEqual([401, 'reauth-required']);
    const wrongCode = await bob.post('/api/password/change', { password: PASSWORD, proof: { type: 'otp', code: '000000' }, newPassword: NEW_PASSWORD });
    expect(wrongCode.status).toBe(401);
    expect((await signInPassword(rp.browser(), 'bob')).body).toMatchObject({ status: 'second-factor' });

    rp.clock.advance(30_000);
    const code = await otpCode(secret, params, rp.clock.now);
    expect((await bob.post('/api/password/change', { password: PASSWORD, proof: { type: 'otp', code }, newPassword: NEW_PASSWORD })).status).toBe(200);
    // A backup code does as well.
    const again = await bob.post('/api/password/change', { password: NEW_PASSWORD, proof: { type: 'backup-code', code: backupCodes![0] }, newPassword: PASSWORD });
    expect(again.status).toBe(200);
  });

  it('cancels a two-factor recovery that someone with the old password started (requested or confirmed)', async () => {
    rp = await startRp();
    const owner = await verifiedUser(rp, 'bob');
    const { secret, params } = await enrolOtp(rp, owner);

    // Someone who knows the password starts recovery; the link is confirmed.
    const intruder = rp.browser('203.0.113.9');
    expect((await signInPassword(intruder, 'bob')).body).toMatchObject({ status: 'second-factor' });
    expect((await intruder.post('/api/signin/recovery/start')).status).toBe(200);
    const confirmed = await rp.browser().post('/api/recovery/confirm', { token: tokenOf(linkFromOutbox(rp.store, 'bob@example.com', '/recover')) });
    expect(confirmed.status).toBe(200);
    expect((await owner.get('/api/account')).body).toMatchObject({ recovery: { availableAt: expect.any(String) } });
    // And asks again, leaving an unconfirmed link in the owner's inbox.
    expect((await intruder.post('/api/signin/recovery/start')).status).toBe(200);
    const secondLink = tokenOf(linkFromOutbox(rp.store, 'bob@example.com', '/recover'));

    rp.clock.advance(30_000);
    const code = await otpCode(secret, params, rp.clock.now);
    expect((await owner.post('/api/password/change', { password: PASSWORD, proof: { type: 'otp', code }, newPassword: NEW_PASSWORD })).status).toBe(200);

    expect((await owner.get('/api/account')).body).toMatchObject({ recovery: null });
    expect((await rp.browser().post('/api/recovery/confirm', { token: secondLink })).status).toBe(400);
    // The intruder's pending sign-in is gone and the old password no longer starts anything.
    expect((await intruder.post('/api/signin/recovery/start')).status).toBe(401);
    expect((await signInPassword(intruder, 'bob')).status).toBe(401);
    expect(await events(owner)).toEqual(expect.arrayContaining(['password.changed', 'recovery.cancelled']));
    expect(rp.store.outbox.list('bob@example.com')[0]!.body).toContain('A pending two-factor reset was cancelled.');
  });
});

describe('with QA_REAUTH_BEFORE_DISABLE off', () => {
  it('changes the password with a session alone, as docs/rp.md says', async () => {
    rp = await startRp({ QA_REAUTH_BEFORE_DISABLE: 'off', PAIRKEY_INSECURE_QA: '1' });
    const bob = await verifiedUser(rp, 'bob');
    await enrolOtp(rp, bob);
    expect((await bob.post('/api/password/change', { newPassword: NEW_PASSWORD })).status).toBe(200);
    expect((await signInPassword(rp.browser(), 'bob', NEW_PASSWORD)).body).toMatchObject({ status: 'second-factor' });
  });
});

describe('resetting the password by email', () => {
  it('answers the same for every username or address; only a verified account without 2FA gets a link', async () => {
    rp = await startRp();
    await verifiedUser(rp, 'bob');
    const carol = await verifiedUser(rp, 'carol');
    await enrolOtp(rp, carol);
    await signUp(rp.browser(), 'dave'); // email never verified

    const answers = await Promise.all(
      ['bob', 'BOB@example.com', 'carol', 'dave', 'nobody', 'nobody@example.com'].map((account) => rp.browser().post('/api/password/reset/request', { account })),
    );
    for (const answer of answers) expect({ status: answer.status, body: answer.body }).toEqual({ status: 200, body: { ok: true } });

    // Asked for twice (by name and by address): one link, the per-account pause holds the second.
    expect(subjects('bob@example.com').filter((s) => s === 'Reset your Pairkey Demo password')).toHaveLength(1);
    // Carol is told why not, with no link that could reset anything.
    expect(subjects('carol@example.com')[0]).toBe('About resetting your Pairkey Demo password');
    expect(rp.store.outbox.list('carol@example.com')[0]!.body).not.toContain('reset-password');
    expect(subjects('dave@example.com')).toEqual(['Verify your email address for Pairkey Demo']);
    expect(subjects('nobody@example.com')).toEqual([]);
  });

  it('sets a new password with the link once, ends every session, and keeps the link through a refused password', async () => {
    rp = await startRp();
    const bob = await verifiedUser(rp, 'bob');
    await rp.browser().post('/api/password/reset/request', { account: 'bob' });
    const token = tokenOf(linkFromOutbox(rp.store, 'bob@example.com', '/reset-password'));
    // Only the token's SHA-256 is stored.
    const stored = rp.store.db.prepare("SELECT id FROM email_tokens WHERE purpose = 'password-reset'").all() as { id: Buffer }[];
    expect(stored.map((r) => r.id.toString('hex'))).toEqual([createHash('sha256').update(fromB64url(token)).digest('hex')]);

    const stranger = rp.browser('198.51.100.7');
    const weak = await stranger.post('/api/password/reset/complete', { token, newPassword: 'short' });
    expect([weak.status, errorOf(weak)]).toEqual([400, 'Use at least 12 characters']);
    expect((await stranger.post('/api/password/reset/complete', { token, newPassword: NEW_PASSWORD })).status).toBe(200);

    expect((await bob.get('/api/account')).status).toBe(401);
    expect((await signInPassword(rp.browser(), 'bob')).status).toBe(401);
    const fresh = await signedIn('bob', NEW_PASSWORD);
    expect(await events(fresh)).toEqual(expect.arrayContaining(['password.reset-requested', 'password.reset']));
    expect(subjects('bob@example.com')[0]).toBe('Your Pairkey Demo password was changed');

    const reused = await stranger.post('/api/password/reset/complete', { token, newPassword: 'yet another passphrase 5' });
    expect([reused.status, errorOf(reused)]).toEqual([400, 'This reset link is invalid, already used or expired: ask for a new one']);
  });

  it('lets only one of two concurrent uses of a link through', async () => {
    rp = await startRp();
    await verifiedUser(rp, 'bob');
    await rp.browser().post('/api/password/reset/request', { account: 'bob' });
    const token = tokenOf(linkFromOutbox(rp.store, 'bob@example.com', '/reset-password'));
    const results = await Promise.all(
      ['first new passphrase 11', 'second new passphrase 22'].map((newPassword) => rp.browser().post('/api/password/reset/complete', { token, newPassword })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
  });

  it('expires after an hour, and a newer link replaces an older one', async () => {
    rp = await startRp();
    await verifiedUser(rp, 'bob');
    await rp.browser().post('/api/password/reset/request', { account: 'bob' });
    const first = tokenOf(linkFromOutbox(rp.store, 'bob@example.com', '/reset-password'));
    rp.clock.advance(PASSWORD_RESET_COOLDOWN_MS);
    await rp.browser().post('/api/password/reset/request', { account: 'bob' });
    const second = tokenOf(linkFromOutbox(rp.store, 'bob@example.com', '/reset-password'));
    expect((await rp.browser().post('/api/password/reset/complete', { token: first, newPassword: NEW_PASSWORD })).status).toBe(400);
    rp.clock.advance(HOUR);
    expect((await rp.browser().post('/api/password/reset/complete', { token: second, newPassword: NEW_PASSWORD })).status).toBe(400);
    expect((await signInPassword(rp.browser(), 'bob')).body).toMatchObject({ status: 'signed-in' });
  });

  it('sends one link per account in five minutes: requests from many addresses neither void it nor fill the inbox', async () => {
    rp = await startRp();
    await verifiedUser(rp, 'bob');
    const resetMails = () => rp.store.outbox.list('bob@example.com').filter((m) => m.body.includes('/reset-password#token=')).length;
    await rp.browser().post('/api/password/reset/request', { account: 'bob' });
    const first = tokenOf(linkFromOutbox(rp.store, 'bob@example.com', '/reset-password'));
    for (let i = 0; i < 5; i += 1) {
      const answer = await rp.browser(`198.51.100.${i + 1}`).post('/api/password/reset/request', { account: 'bob@example.com' });
      expect(answer.status).toBe(200);
    }
    expect(resetMails()).toBe(1);
    expect((await rp.browser().post('/api/password/reset/complete', { token: first, newPassword: NEW_PASSWORD })).status).toBe(200);
  });

  it('refuses a link issued before the account turned 2FA on', async () => {
    rp = await startRp();
    const bob = await verifiedUser(rp, 'bob');
    await rp.browser().post('/api/password/reset/request', { account: 'bob' });
    const token = tokenOf(linkFromOutbox(rp.store, 'bob@example.com', '/reset-password'));
    await enrolOtp(rp, bob);
    const refused = await rp.browser().post('/api/password/reset/complete', { token, newPassword: NEW_PASSWORD });
    expect(refused.status).toBe(409);
    expect(errorOf(refused)).toMatch(/^This account now uses two-factor authentication/);
    expect((await signInPassword(rp.browser(), 'bob')).body).toMatchObject({ status: 'second-factor' });
  });
});
