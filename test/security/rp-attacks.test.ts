// Attacks on the relying party from outside, beyond what its own tests (harness-server/rp/*.test.ts)
// already cover route by route: racing one passkey assertion against itself, answering another
// browser's challenge, and cross-site form posts against every state-changing route there is.
// docs/security.md maps the other RP attacks (TOTP brute force and replay, backup-code reuse,
// session fixation, credential-id collision, sign-counter rollback) to the tests that refuse them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildServers, type Servers } from '../../harness-server/app.ts';
import { TestBrowser, testConfig } from '../../harness-server/testing.ts';
import { apiRoutes, BODY_METHODS } from './support/api-routes.ts';
import { FAST_SCRYPT, PASSKEY_VERIFY, passkeyAccount, passkeyAssertion } from './support/rp-flows.ts';

let servers: Servers;

beforeEach(async () => {
  servers = await buildServers(testConfig(), { rp: { scrypt: FAST_SCRYPT } });
});
afterEach(async () => {
  await Promise.all([servers.main.close(), servers.phone.close()]);
});

const browser = () => new TestBrowser(servers.main);

describe('challenge reuse', () => {
  it('one passkey assertion submitted many times at once signs in exactly once', async () => {
    const alice = browser();
    const { authenticator } = await passkeyAccount(alice, 'alice');
    await alice.post('/api/signout');
    const assertion = await passkeyAssertion(alice, authenticator);
    const answers = await Promise.all(Array.from({ length: 12 }, () => alice.post(PASSKEY_VERIFY, assertion)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.every((s) => s === 200 || s === 400)).toBe(true);
  });

  it("an assertion made for another browser's challenge is refused", async () => {
    const alice = browser();
    const { authenticator } = await passkeyAccount(alice, 'alice');
    // The attacker starts a ceremony of its own, then submits alice's answer to alice's challenge.
    const attacker = browser();
    await attacker.post('/api/passkey/options');
    const forAlice = await passkeyAssertion(alice, authenticator);
    expect((await attacker.post(PASSKEY_VERIFY, forAlice)).status).toBe(400);
    expect((await attacker.get('/api/me')).status).toBe(401);
    // And alice, whose challenge it was, can still use it.
    expect((await alice.post(PASSKEY_VERIFY, forAlice)).status).toBe(200);
  });
});

describe('cross-site form posts', () => {
  it('no API route acts on a body a cross-site form can send', async () => {
    const alice = browser();
    await passkeyAccount(alice, 'alice');
    const before = (await alice.get('/api/account')).body;
    const routes = apiRoutes(servers.main, BODY_METHODS);
    expect(routes.length).toBeGreaterThan(10);
    // A form on another site sends the victim's cookies, but cannot set headers (no CSRF token)
    // and only these content types.
    const forms = [
      ['application/x-www-form-urlencoded', 'password=correct+horse+battery+staple+42&username=mallory'],
      ['text/plain', '{"password":"correct horse battery staple 42","enforce":false}'],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nmallory\r\n--x--\r\n'],
    ] as const;
    for (const route of routes) {
      for (const [contentType, payload] of forms) {
        const answer = await servers.main.inject({
          method: route.method,
          url: route.url,
          cookies: Object.fromEntries(alice.cookies),
          headers: { 'content-type': contentType, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
          payload,
        });
        expect(answer.statusCode, `${route.method} ${route.url} with ${contentType}`).toBeGreaterThanOrEqual(400);
        expect(answer.statusCode, `${route.method} ${route.url} with ${contentType}`).toBeLessThan(500);
      }
    }
    expect((await alice.get('/api/account')).body).toEqual(before);
  });
});
