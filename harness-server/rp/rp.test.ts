import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../shared/authenticator/index.ts';
import { captureLogs, startServers, testConfig, TestBrowser, type Started } from '../testing.ts';
import { createCredential, getAssertion, softwareAuthenticator } from './test-client.ts';

const ORIGIN = 'http://localhost:8787';

let servers: Started | undefined;
let clock = Date.now();

async function start(env: Record<string, string> = {}, logStream?: ReturnType<typeof captureLogs>['stream']) {
  clock = Date.now();
  servers = await startServers(testConfig(env), { rp: { now: () => clock }, ...(logStream ? { logStream } : {}) });
  return { servers, browser: new TestBrowser(servers.mainUrl) };
}

afterEach(async () => {
  await servers?.close();
  servers = undefined;
});

const errorOf = (body: unknown): string => (body as { error: string }).error;

async function signUp(browser: TestBrowser, username: string, authenticator: Authenticator, origin = ORIGIN) {
  const options = await browser.post('/api/signup/options', { username });
  expect(options.status).toBe(200);
  const response = await createCredential(authenticator, options.body as PublicKeyCredentialCreationOptionsJSON, origin);
  return { options, response, verify: await browser.post('/api/signup/verify', response) };
}

async function signIn(browser: TestBrowser, authenticator: Authenticator, username?: string) {
  const options = await browser.post('/api/signin/options', username === undefined ? {} : { username });
  expect(options.status).toBe(200);
  const response = await getAssertion(authenticator, options.body as PublicKeyCredentialRequestOptionsJSON, ORIGIN);
  return { options, response, verify: await browser.post('/api/signin/verify', response) };
}

describe('POST /api/signup/options', () => {
  it.each([
    ['missing username', {}],
    ['too short', { username: 'al' }],
    ['too long', { username: 'a'.repeat(33) }],
    ['upper case', { username: 'Alice' }],
    ['a space', { username: 'al ice' }],
    ['a non-string', { username: ['alice', 'bob'] }],
  ])('rejects %s with 400 { error }', async (_label, body) => {
    const { browser } = await start();
    const result = await browser.post('/api/signup/options', body);
    expect(result.status).toBe(400);
    expect(errorOf(result.body)).toMatch(/username|body/);
    expect(Object.keys(result.body as object)).toEqual(['error']);
  });

  it('rejects a body that is not JSON', async () => {
    const { browser } = await start();
    const result = await browser.request('/api/signup/options', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"username":',
    });
    expect(result.status).toBe(400);
    expect(typeof errorOf(result.body)).toBe('string');
    const text = await browser.request('/api/signup/options', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'username=alice',
    });
    expect(text.status).toBe(415);
  });

  it('returns registration options and a ceremony cookie; no user row yet', async () => {
    const { browser, servers } = await start();
    const result = await browser.post('/api/signup/options', { username: 'alice' });
    expect(result.status).toBe(200);
    const options = result.body as PublicKeyCredentialCreationOptionsJSON;
    expect(options.rp).toEqual({ id: 'localhost', name: 'Pairkey Demo' });
    expect(options.user.name).toBe('alice');
    expect(Buffer.from(options.user.id, 'base64url')).toHaveLength(32);
    expect(options.attestation).toBe('none');
    expect(options.excludeCredentials).toEqual([]);
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'preferred', userVerification: 'preferred' });
    expect(result.setCookies.join()).toMatch(/pk_ceremony=[^;]+; Max-Age=300; Path=\/api\/; HttpOnly; SameSite=Lax/);
    expect(servers.main.store.users.findByUsername('alice')).toBeUndefined();
  });

  it('answers 409 when the username is taken', async () => {
    const { browser } = await start();
    expect((await signUp(browser, 'alice', softwareAuthenticator())).verify.status).toBe(200);
    const again = await new TestBrowser(servers!.mainUrl).post('/api/signup/options', { username: 'alice' });
    expect(again.status).toBe(409);
    expect(errorOf(again.body)).toMatch(/already taken/);
  });
});

describe('sign-up → sign-out → sign-in with the software authenticator', () => {
  it('runs the whole flow', async () => {
    const { browser, servers } = await start();
    const phone = softwareAuthenticator();

    expect((await browser.get('/api/me')).status).toBe(401);

    const { verify, response } = await signUp(browser, 'alice', phone);
    expect(verify.status).toBe(200);
    expect(verify.body).toEqual({ ok: true, username: 'alice' });
    expect(browser.cookies.has('pk_ceremony')).toBe(false);
    expect((await browser.get('/api/me')).body).toEqual({ username: 'alice' });

    const credentials = await browser.get('/api/credentials');
    expect(credentials.status).toBe(200);
    expect(credentials.body).toMatchObject({
      credentials: [
        { id: response.id, name: 'Passkey 1', transports: ['hybrid'], signCount: 0, backupEligible: false, backupState: false, lastUsedAt: null },
      ],
    });

    expect((await browser.post('/api/signout', {})).body).toEqual({ ok: true });
    expect(browser.cookies.has('pk_session')).toBe(false);
    expect((await browser.get('/api/me')).status).toBe(401);
    expect((await browser.get('/api/credentials')).status).toBe(401);

    // Discoverable: no username, the authenticator finds the account.
    const discoverable = await signIn(browser, phone);
    expect((discoverable.options.body as PublicKeyCredentialRequestOptionsJSON).allowCredentials).toEqual([]);
    expect(discoverable.response.response.userHandle).toBeDefined();
    expect(discoverable.verify.body).toEqual({ ok: true, username: 'alice' });
    expect((await browser.get('/api/me')).body).toEqual({ username: 'alice' });

    // With a username: the options list alice's credential.
    const named = await signIn(browser, phone, 'alice');
    expect((named.options.body as PublicKeyCredentialRequestOptionsJSON).allowCredentials).toEqual([
      { id: response.id, type: 'public-key', transports: ['hybrid'] },
    ]);
    expect(named.verify.body).toEqual({ ok: true, username: 'alice' });

    const stored = servers.main.store.credentials.findById(response.id);
    expect(stored?.signCount).toBe(2);
    expect(stored?.lastUsedAt).toBe(clock);
  });

  it('signs in with a non-discoverable credential when the username is given', async () => {
    const { browser } = await start();
    // residentKey 'preferred' would make a discoverable one; force server-side-only storage.
    const options = (await browser.post('/api/signup/options', { username: 'nodisc' })).body as PublicKeyCredentialCreationOptionsJSON;
    const phone = softwareAuthenticator();
    const response = await createCredential(
      phone,
      { ...options, authenticatorSelection: { ...options.authenticatorSelection, residentKey: 'discouraged' } },
      ORIGIN,
    );
    expect((await browser.post('/api/signup/verify', response)).status).toBe(200);
    await browser.post('/api/signout', {});

    const signin = await signIn(browser, phone, 'nodisc');
    expect(signin.response.response.userHandle).toBeUndefined();
    expect(signin.verify.body).toEqual({ ok: true, username: 'nodisc' });
  });

  it('refuses a response for another origin', async () => {
    const { browser, servers } = await start();
    const { verify } = await signUp(browser, 'alice', softwareAuthenticator(), 'http://evil.localhost:8787');
    expect(verify.status).toBe(400);
    expect(errorOf(verify.body)).toMatch(/origin/i);
    expect(servers.main.store.users.findByUsername('alice')).toBeUndefined();
  });
});

describe('challenges', () => {
  it('are single use: replaying a sign-up verify body fails', async () => {
    const { browser } = await start();
    const options = (await browser.post('/api/signup/options', { username: 'alice' })).body as PublicKeyCredentialCreationOptionsJSON;
    const ceremony = browser.cookies.get('pk_ceremony');
    expect(ceremony).toBeDefined();
    const response = await createCredential(softwareAuthenticator(), options, ORIGIN);
    const first = await browser.post('/api/signup/verify', response);
    expect(first.status).toBe(200);

    // Same body, no ceremony cookie (the verify cleared it).
    const replay = await browser.post('/api/signup/verify', response);
    expect(replay.status).toBe(400);
    expect(errorOf(replay.body)).toMatch(/No sign-up in progress/);

    // Same body with the consumed challenge's cookie put back.
    const attacker = new TestBrowser(servers!.mainUrl);
    attacker.cookies.set('pk_ceremony', ceremony!);
    const replayed = await attacker.post('/api/signup/verify', response);
    expect(replayed.status).toBe(400);
    expect(errorOf(replayed.body)).toMatch(/already used/);
  });

  it('are single use: replaying a sign-in verify body fails', async () => {
    const { browser } = await start();
    const phone = softwareAuthenticator();
    await signUp(browser, 'alice', phone);
    const options = await browser.post('/api/signin/options', {});
    const ceremony = browser.cookies.get('pk_ceremony')!;
    const response = await getAssertion(phone, options.body as PublicKeyCredentialRequestOptionsJSON, ORIGIN);
    expect((await browser.post('/api/signin/verify', response)).status).toBe(200);

    const attacker = new TestBrowser(servers!.mainUrl);
    attacker.cookies.set('pk_ceremony', ceremony);
    const replay = await attacker.post('/api/signin/verify', response);
    expect(replay.status).toBe(400);
    expect(errorOf(replay.body)).toMatch(/No sign-in in progress/);
    expect((await attacker.get('/api/me')).status).toBe(401);
  });

  it('expire after 5 minutes', async () => {
    const { browser, servers } = await start();
    const phone = softwareAuthenticator();
    const expiring = (await browser.post('/api/signup/options', { username: 'alice' })).body as PublicKeyCredentialCreationOptionsJSON;
    const response = await createCredential(phone, expiring, ORIGIN);
    clock += 5 * 60 * 1000; // exactly the TTL: expired
    const verify = await browser.post('/api/signup/verify', response);
    expect(verify.status).toBe(400);
    expect(errorOf(verify.body)).toMatch(/expired/);
    expect(servers.main.store.users.findByUsername('alice')).toBeUndefined();

    // Just inside the TTL still works.
    const options = (await browser.post('/api/signup/options', { username: 'alice' })).body as PublicKeyCredentialCreationOptionsJSON;
    const fresh = await createCredential(phone, options, ORIGIN);
    clock += 5 * 60 * 1000 - 1;
    expect((await browser.post('/api/signup/verify', fresh)).status).toBe(200);
  });

  it('of one purpose cannot complete the other ceremony', async () => {
    const { browser } = await start();
    const phone = softwareAuthenticator();
    await signUp(browser, 'alice', phone);
    // Start a sign-in, then post a sign-up response with its cookie.
    await browser.post('/api/signin/options', {});
    const options = (await new TestBrowser(servers!.mainUrl).post('/api/signup/options', { username: 'bob' }))
      .body as PublicKeyCredentialCreationOptionsJSON;
    const response = await createCredential(phone, options, ORIGIN);
    const verify = await browser.post('/api/signup/verify', response);
    expect(verify.status).toBe(400);
  });
});

describe('POST /api/signin/options', () => {
  it('without a username: discoverable (empty allowCredentials)', async () => {
    const { browser } = await start();
    const result = await browser.post('/api/signin/options', {});
    expect(result.status).toBe(200);
    const options = result.body as PublicKeyCredentialRequestOptionsJSON;
    expect(options.rpId).toBe('localhost');
    expect(options.allowCredentials).toEqual([]);
    expect(options.userVerification).toBe('preferred');
    expect(result.setCookies.join()).toMatch(/pk_ceremony=/);
  });

  it('with an unknown username: 404', async () => {
    const { browser } = await start();
    const result = await browser.post('/api/signin/options', { username: 'nobody' });
    expect(result.status).toBe(404);
    expect(errorOf(result.body)).toMatch(/No account/);
  });

  it('with an invalid username: 400', async () => {
    const { browser } = await start();
    expect((await browser.post('/api/signin/options', { username: 'NO' })).status).toBe(400);
  });
});

describe('POST /api/signin/verify', () => {
  it('refuses a passkey of another account when a username was given', async () => {
    const { browser } = await start();
    const alicePhone = softwareAuthenticator();
    const bobPhone = softwareAuthenticator();
    await signUp(browser, 'alice', alicePhone);
    await signUp(new TestBrowser(servers!.mainUrl), 'bob', bobPhone);
    const options = (await browser.post('/api/signin/options', { username: 'alice' })).body as PublicKeyCredentialRequestOptionsJSON;
    // Bob's phone answers with its discoverable credential.
    const response = await getAssertion(bobPhone, { ...options, allowCredentials: [] }, ORIGIN);
    const verify = await browser.post('/api/signin/verify', response);
    expect(verify.status).toBe(400);
    expect(errorOf(verify.body)).toMatch(/another account/);
  });

  it('refuses a user handle that is not the credential owner\'s', async () => {
    const { browser } = await start();
    const phone = softwareAuthenticator();
    await signUp(browser, 'alice', phone);
    for (const userHandle of [Buffer.alloc(32, 9).toString('base64url'), 'a']) {
      const options = (await browser.post('/api/signin/options', {})).body as PublicKeyCredentialRequestOptionsJSON;
      const response = await getAssertion(phone, options, ORIGIN);
      const verify = await browser.post('/api/signin/verify', { ...response, response: { ...response.response, userHandle } });
      expect(verify.status).toBe(400);
      expect(errorOf(verify.body)).toMatch(/user handle/);
    }
  });

  it('refuses an unknown credential', async () => {
    const { browser } = await start();
    const stranger = softwareAuthenticator();
    const options = (await browser.post('/api/signup/options', { username: 'ghost' })).body as PublicKeyCredentialCreationOptionsJSON;
    await createCredential(stranger, options, ORIGIN); // registered on the phone, never on the RP
    const signin = await signIn(browser, stranger);
    expect(signin.verify.status).toBe(400);
    expect(errorOf(signin.verify.body)).toMatch(/not registered/);
  });

  it('refuses and logs a sign counter regression', async () => {
    const logs = captureLogs();
    const { browser, servers } = await start({ LOG_LEVEL: 'warn' }, logs.stream);
    const phone = softwareAuthenticator();
    const { response } = await signUp(browser, 'alice', phone);
    expect((await signIn(browser, phone)).verify.status).toBe(200); // counter 1
    // Pretend the RP has seen a higher counter (as if a clone had been used before).
    servers.main.store.db.prepare('UPDATE credentials SET sign_count = 5 WHERE id = ?').run(response.id);
    const signin = await signIn(browser, phone); // counter 2 ≤ 5
    expect(signin.verify.status).toBe(400);
    expect(errorOf(signin.verify.body)).toMatch(/counter/);
    expect(logs.text()).toMatch(/sign counter regression/);
    expect(servers.main.store.credentials.findById(response.id)?.signCount).toBe(5);
  });

  it('accepts authenticators that always report 0', async () => {
    const { browser } = await start();
    const phone = softwareAuthenticator({ counter: 'zero' });
    await signUp(browser, 'alice', phone);
    expect((await signIn(browser, phone)).verify.status).toBe(200);
    expect((await signIn(browser, phone)).verify.status).toBe(200);
  });
});

describe('sessions', () => {
  it('use an HttpOnly SameSite=Lax cookie on path /, rotated at every sign-in', async () => {
    const { browser, servers } = await start();
    const phone = softwareAuthenticator();
    const { verify } = await signUp(browser, 'alice', phone);
    const cookie = verify.setCookies.find((line) => line.startsWith('pk_session='));
    expect(cookie).toMatch(/^pk_session=[A-Za-z0-9_-]{43}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/);
    const first = browser.cookies.get('pk_session')!;

    const { verify: again } = await signIn(browser, phone);
    expect(again.status).toBe(200);
    const second = browser.cookies.get('pk_session')!;
    expect(second).not.toBe(first);

    // The old id no longer authenticates; the new one does.
    const old = new TestBrowser(servers.mainUrl);
    old.cookies.set('pk_session', first);
    expect((await old.get('/api/me')).status).toBe(401);
    expect((await browser.get('/api/me')).status).toBe(200);
  });

  it('store only the SHA-256 of the session id', async () => {
    const { browser, servers } = await start();
    await signUp(browser, 'alice', softwareAuthenticator());
    const token = browser.cookies.get('pk_session')!;
    const rows = servers.main.store.db.prepare('SELECT id FROM sessions').all() as { id: Buffer }[];
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id.equals(createHash('sha256').update(Buffer.from(token, 'base64url')).digest())).toBe(true);
  });

  it('are Secure when PUBLIC_URL is https', async () => {
    const { browser } = await start({ PUBLIC_URL: 'https://localhost:8787' });
    const options = await browser.post('/api/signup/options', { username: 'alice' });
    expect(options.setCookies.join()).toMatch(/pk_ceremony=[^;]+;.*Secure/);
    const response = await createCredential(
      softwareAuthenticator(),
      options.body as PublicKeyCredentialCreationOptionsJSON,
      'https://localhost:8787',
    );
    const verify = await browser.post('/api/signup/verify', response);
    expect(verify.status).toBe(200);
    expect(verify.setCookies.find((line) => line.startsWith('pk_session='))).toMatch(/; Secure/);
  });

  it('expire', async () => {
    const { browser } = await start();
    await signUp(browser, 'alice', softwareAuthenticator());
    expect((await browser.get('/api/me')).status).toBe(200);
    clock += 24 * 60 * 60 * 1000;
    expect((await browser.get('/api/me')).status).toBe(401);
  });

  it('/api/me is 401 without a session or with a forged one', async () => {
    const { browser } = await start();
    const anonymous = await browser.get('/api/me');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('cache-control')).toBe('no-store');
    expect(anonymous.body).toEqual({ error: 'Not signed in' });
    browser.cookies.set('pk_session', Buffer.alloc(32, 1).toString('base64url'));
    expect((await browser.get('/api/me')).status).toBe(401);
    browser.cookies.set('pk_session', 'not-base64url!');
    expect((await browser.get('/api/me')).status).toBe(401);
  });
});
