// Accounts and sessions: sign-up, email verification through the outbox, sign-in and out,
// cookies, CSRF, headers, password storage and the account lockout.
import { afterEach, describe, expect, it } from 'vitest';
import { hashPassword } from './crypto/passwords.ts';
import {
  codeOf,
  errorOf,
  FAST_SCRYPT,
  linkFromOutbox,
  PASSWORD,
  signInPassword,
  signUp,
  startRp,
  tokenOf,
  verifyEmail,
  type TestRp,
} from '../testing/rp-flows.ts';

let rp: TestRp;
afterEach(async () => rp?.close());

describe('sign-up', () => {
  it('creates the account, signs it in and emails a verification link', async () => {
    rp = await startRp();
    const browser = rp.browser();
    const result = await signUp(browser, 'alice');
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ status: 'signed-in', username: 'alice', mustSetUp2fa: false });
    expect(result.setCookies.find((c) => c.startsWith('pk_session='))).toMatch(
      /^pk_session=[A-Za-z0-9_-]{43}; Max-Age=86400; Path=\/; HttpOnly; SameSite=Lax$/,
    );
    expect((await browser.get('/api/account')).body).toMatchObject({ username: 'alice', email: 'alice@example.com', emailVerified: false });

    const [message] = rp.store.outbox.list('alice@example.com');
    expect(message?.subject).toBe('Verify your email address for Pairkey Demo');
    expect(message?.body).toMatch(/http:\/\/localhost:8787\/verify-email#token=[A-Za-z0-9_-]{43}/);
    expect(rp.store.audit.list(rp.store.users.findByUsername('alice')!.id).map((e) => e.event)).toEqual(['signin.succeeded', 'account.created']);
  });

  it('stores a salted scrypt hash, never the password', async () => {
    rp = await startRp();
    await signUp(rp.browser(), 'alice');
    await signUp(rp.browser(), 'bob');
    const alice = rp.store.users.findByUsername('alice')!.passwordHash!;
    const bob = rp.store.users.findByUsername('bob')!.passwordHash!;
    expect(alice).toMatch(/^scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(alice).not.toContain(PASSWORD);
    // Same password, different salts.
    expect(alice).not.toBe(bob);
  });

  it.each([
    ['a short password', { password: 'short pass' }, /at least 12 characters/],
    ['a common password', { password: 'password1234' }, /too common/],
    ['the username in the password', { password: 'alice-is-my-password' }, /must not contain your username/],
    ['the site name in the password', { password: 'my pairkey password' }, /site name/],
    ['one repeated character', { password: 'aaaaaaaaaaaaaaa' }, /repeats one character/],
    ['an invalid username', { username: 'Alice' }, /username/],
    ['an invalid email', { email: 'not-an-email' }, /email/],
  ])('refuses %s with 400', async (_label, change, message) => {
    rp = await startRp();
    const result = await rp.browser().post('/api/signup', { username: 'alice', email: 'alice@example.com', password: PASSWORD, ...change });
    expect(result.status).toBe(400);
    expect(errorOf(result)).toMatch(message);
    expect(rp.store.users.findByUsername('alice')).toBeUndefined();
  });

  it('refuses a taken username with 409', async () => {
    rp = await startRp();
    await signUp(rp.browser(), 'alice');
    const again = await signUp(rp.browser(), 'alice');
    expect(again.status).toBe(409);
    expect(errorOf(again)).toBe('The username "alice" is already taken');
  });

  it('accepts JSON only: a cross-site text/plain form post gets 415', async () => {
    rp = await startRp();
    const browser = rp.browser();
    browser.csrfToken = (await browser.get<{ token: string }>('/api/csrf')).body.token;
    const result = await browser.request('POST', '/api/signup', 'username=alice', { 'content-type': 'text/plain' });
    expect(result.status).toBe(415);
  });
});

describe('email verification', () => {
  it('verifies with the emailed link, once', async () => {
    rp = await startRp();
    const browser = rp.browser();
    await signUp(browser, 'alice');
    const token = tokenOf(linkFromOutbox(rp.store, 'alice@example.com', '/verify-email'));
    // The link works without being signed in (opened from another device).
    const elsewhere = rp.browser();
    expect((await elsewhere.post('/api/email/verify', { token })).status).toBe(200);
    expect((await browser.get('/api/account')).body).toMatchObject({ emailVerified: true });
    const again = await elsewhere.post('/api/email/verify', { token });
    expect(again.status).toBe(400);
    expect(errorOf(again)).toMatch(/invalid, already used or expired/);
  });

  it('refuses an expired link and a malformed token', async () => {
    rp = await startRp();
    const browser = rp.browser();
    await signUp(browser, 'alice');
    const token = tokenOf(linkFromOutbox(rp.store, 'alice@example.com', '/verify-email'));
    rp.clock.advance(24 * 60 * 60 * 1000);
    expect((await browser.post('/api/email/verify', { token })).status).toBe(400);
    expect((await browser.post('/api/email/verify', { token: 'x'.repeat(12) })).status).toBe(400);
    expect(rp.store.users.findByUsername('alice')!.emailVerifiedAt).toBeNull();
  });

  it('resends a link that replaces the previous one', async () => {
    rp = await startRp();
    const browser = rp.browser();
    await signUp(browser, 'alice');
    const first = tokenOf(linkFromOutbox(rp.store, 'alice@example.com', '/verify-email'));
    expect((await browser.post('/api/email/resend')).status).toBe(200);
    const second = tokenOf(linkFromOutbox(rp.store, 'alice@example.com', '/verify-email'));
    expect(second).not.toBe(first);
    expect((await browser.post('/api/email/verify', { token: first })).status).toBe(400);
    expect((await browser.post('/api/email/verify', { token: second })).status).toBe(200);
    expect((await browser.post('/api/email/resend')).status).toBe(409);
  });

  it('serves the outbox as JSON and as a page, unless DEV_OUTBOX=off', async () => {
    rp = await startRp();
    const browser = rp.browser();
    await signUp(browser, 'alice');
    const messages = await browser.get<{ messages: { to: string; subject: string; links: string[] }[] }>('/dev/outbox/messages?to=alice@example.com');
    expect(messages.body.messages).toHaveLength(1);
    expect(messages.body.messages[0]!.links[0]).toMatch(/\/verify-email#token=/);
    expect(messages.headers['cache-control']).toBe('no-store');
    expect((await browser.get('/dev/outbox')).status).toBe(200);
    expect((await browser.get('/outbox.html')).status).toBe(404);
    await rp.close();

    rp = await startRp({ DEV_OUTBOX: 'off' });
    await signUp(rp.browser(), 'alice');
    expect((await rp.browser().get('/dev/outbox/messages')).status).toBe(404);
    expect((await rp.browser().get('/dev/outbox')).status).toBe(404);
    // Still recorded, just not served.
    expect(rp.store.outbox.list('alice@example.com')).toHaveLength(1);
  });
});

describe('sign-in, sessions and sign-out', () => {
  it('signs in with the password and rotates the session id', async () => {
    rp = await startRp();
    const browser = rp.browser();
    await signUp(browser, 'alice');
    const before = browser.cookies.get('pk_session')!;
    const result = await signInPassword(browser, 'alice');
    expect(result.body).toEqual({ status: 'signed-in', username: 'alice', mustSetUp2fa: false });
    const after = browser.cookies.get('pk_session')!;
    expect(after).not.toBe(before);
    // The old id is dead: a fixed or stolen pre-sign-in cookie is worth nothing.
    const stale = rp.browser();
    stale.cookies.set('pk_session', before);
    expect((await stale.get('/api/me')).status).toBe(401);
    expect((await browser.get('/api/me')).body).toEqual({ username: 'alice' });
  });

  it('answers the same for an unknown user and a wrong password', async () => {
    rp = await startRp();
    await signUp(rp.browser(), 'alice');
    const wrong = await signInPassword(rp.browser(), 'alice', 'not the password!');
    const unknown = await signInPassword(rp.browser(), 'nobody', PASSWORD);
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body).toEqual({ error: 'Wrong username or password', code: 'wrong-password' });
  });

  it('signs out (idempotently) and ends the session server-side', async () => {
    rp = await startRp();
    const browser = rp.browser();
    await signUp(browser, 'alice');
    const token = browser.cookies.get('pk_session')!;
    const result = await browser.post('/api/signout');
    expect(result.body).toEqual({ ok: true });
    expect(result.setCookies.join()).toMatch(/pk_session=;/);
    const replay = rp.browser();
    replay.cookies.set('pk_session', token);
    expect((await replay.get('/api/me')).status).toBe(401);
    expect((await browser.post('/api/signout')).status).toBe(200);
  });

  it('expires sessions after 24 hours', async () => {
    rp = await startRp();
    const browser = rp.browser();
    await signUp(browser, 'alice');
    rp.clock.advance(24 * 60 * 60 * 1000);
    expect((await browser.get('/api/me')).status).toBe(401);
  });

  it('marks cookies Secure and sends HSTS when served over https', async () => {
    rp = await startRp({ PUBLIC_URL: 'https://localhost:8787' });
    const browser = rp.browser();
    const result = await signUp(browser, 'alice');
    expect(result.setCookies.find((c) => c.startsWith('pk_session='))).toMatch(/; Secure/);
    expect((await browser.get('/')).headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  });

  it('rehashes a password stored with other scrypt parameters at sign-in', async () => {
    rp = await startRp();
    await signUp(rp.browser(), 'alice');
    const alice = rp.store.users.findByUsername('alice')!;
    rp.store.users.setPasswordHash(alice.id, await hashPassword(PASSWORD, { ...FAST_SCRYPT, log2N: 11 }));
    expect((await signInPassword(rp.browser(), 'alice')).status).toBe(200);
    expect(rp.store.users.findById(alice.id)!.passwordHash).toMatch(/^scrypt\$ln=10,/);
  });
});

describe('CSRF', () => {
  it('refuses a state change without the token, or with another browser’s token', async () => {
    rp = await startRp();
    const browser = rp.browser();
    await signUp(browser, 'alice');
    browser.sendCsrf = false;
    const missing = await browser.post('/api/signout');
    expect(missing.status).toBe(403);
    expect(codeOf(missing)).toBe('csrf');
    expect((await browser.get('/api/me')).status).toBe(200);

    const attacker = rp.browser();
    await attacker.get('/api/csrf');
    const foreign = (await attacker.get<{ token: string }>('/api/csrf')).body.token;
    const forged = await browser.request('POST', '/api/signout', {}, { 'x-csrf-token': foreign });
    expect(forged.status).toBe(403);
    expect((await browser.get('/api/me')).status).toBe(200);
  });

  it('keeps the secret in a signed, HttpOnly, SameSite=Strict cookie', async () => {
    rp = await startRp();
    const result = await rp.browser().get('/api/csrf');
    expect(result.setCookies.find((c) => c.startsWith('pk_csrf='))).toMatch(/^pk_csrf=[^;]+\.[^;]+; Path=\/; HttpOnly; SameSite=Strict$/);
  });
});

describe('security headers', () => {
  it('sends helmet’s headers with a strict CSP, and no-store on the API', async () => {
    rp = await startRp();
    const page = await rp.browser().get('/');
    expect(page.headers['content-security-policy']).toBe(
      "default-src 'self';script-src 'self';style-src 'self';img-src 'self' data:;object-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'self'",
    );
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(page.headers['strict-transport-security']).toBeUndefined();
    expect((await rp.browser().get('/api/me')).headers['cache-control']).toBe('no-store');
  });
});

describe('account lockout and per-IP limits', () => {
  it('locks the account after 5 consecutive failures, with a clear message, an audit entry and an email', async () => {
    rp = await startRp();
    await signUp(rp.browser(), 'alice');
    const attacker = rp.browser('203.0.113.9');
    for (let i = 1; i <= 4; i++) expect((await signInPassword(attacker, 'alice', `wrong password ${i}`)).status).toBe(401);
    const fifth = await signInPassword(attacker, 'alice', 'wrong password 5');
    expect(fifth.status).toBe(429);
    expect(codeOf(fifth)).toBe('account-locked');
    expect(errorOf(fifth)).toMatch(/^Too many failed attempts: this account is locked until 20\d\d-.* \(about 15 minutes\)/);
    expect(fifth.headers['retry-after']).toBe('900');

    // Even the right password waits for the lockout to end, from that address (lockout.test.ts:
    // the owner elsewhere is not locked out).
    expect((await signInPassword(attacker, 'alice')).status).toBe(429);
    const alice = rp.store.users.findByUsername('alice')!;
    const audit = rp.store.audit.list(alice.id);
    expect(audit.filter((e) => e.event === 'signin.failed')).toHaveLength(5);
    expect(audit.find((e) => e.event === 'account.locked')).toMatchObject({ detail: { failures: 5 }, ip: '203.0.113.9' });
    expect(rp.store.outbox.list('alice@example.com')[0]?.subject).toBe('Your Pairkey Demo account is temporarily locked');

    rp.clock.advance(15 * 60 * 1000);
    expect((await signInPassword(attacker, 'alice')).status).toBe(200);
    // The sign-in cleared its address's counter and the account-wide one.
    expect(rp.store.db.prepare('SELECT count(*) FROM guess_counters').pluck().get()).toBe(0);
  });

  it('limits requests per IP address on sign-in routes', async () => {
    rp = await startRp({ RATE_LIMIT_PER_MINUTE: '3' });
    const attacker = rp.browser('198.51.100.7');
    for (let i = 0; i < 3; i++) expect((await signInPassword(attacker, `user${i}`)).status).toBe(401);
    const limited = await signInPassword(attacker, 'user4');
    expect(limited.status).toBe(429);
    expect(codeOf(limited)).toBe('rate-limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is not affected.
    expect((await signInPassword(rp.browser('198.51.100.8'), 'user4')).status).toBe(401);
  });
});

it('verifyEmail helper reads the outbox like a person would', async () => {
  rp = await startRp();
  const browser = rp.browser();
  await signUp(browser, 'alice');
  await verifyEmail(rp, browser, 'alice');
  const alice = rp.store.users.findByUsername('alice')!;
  expect(alice.emailVerifiedAt).toBe(rp.clock.now);
  expect(rp.store.audit.list(alice.id)[0]).toMatchObject({ event: 'email.verified', detail: { email: 'alice@example.com' } });
});
