// Throttling of guesses as the caller sees it (issue 20 item 4; docs/rp.md "Throttling and
// lockout"): unknown usernames answered exactly like real ones, an attacker's address locking
// itself rather than the owner, and a many-address attack leaving the owner's known network and
// passkeys working. The parallel bursts over real sockets are in test/security/rp-attacks.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { clientNetwork } from '../client-network.ts';
import { softwareAuthenticator } from '../testing/webauthn-client.ts';
import { addKey, assertWith, codeOf, signInPassword, signUp, startRp, verifiedUser, type TestRp } from '../testing/rp-flows.ts';
import type { HttpResult } from '../testing/servers.ts';

let rp: TestRp;
afterEach(async () => rp?.close());

const OWNER = '192.0.2.10';
/** What a caller can observe of an answer (the date header aside). */
const visible = (result: HttpResult) => ({
  status: result.status,
  body: result.body,
  retryAfter: result.headers['retry-after'],
  contentType: result.headers['content-type'],
  cookies: result.setCookies.map((c) => c.replace(/=[^;]*/, '=…')),
});

describe('unknown and known usernames', () => {
  it('get the same answers, lockout included', async () => {
    rp = await startRp();
    await signUp(rp.browser(OWNER), 'alice');
    const answers = async (username: string) => {
      const attacker = rp.browser('203.0.113.9');
      const seen = [];
      for (let i = 1; i <= 7; i++) seen.push(visible(await signInPassword(attacker, username, `wrong password ${i}`)));
      return seen;
    };
    const known = await answers('alice');
    const unknown = await answers('nobody');
    expect(unknown).toEqual(known);
    expect(known.map((a) => a.status)).toEqual([401, 401, 401, 401, 429, 429, 429]);
    expect(codeOf({ body: known[4]!.body } as HttpResult)).toBe('account-locked');
    // The owner hears about the lock on the real account; nothing is recorded for a name with no account.
    expect(rp.store.outbox.list('alice@example.com').some((m) => /temporarily locked/.test(m.subject))).toBe(true);
  });
});

describe('the owner during an attack', () => {
  it('an attacker hammering from one address does not lock the owner out at another', async () => {
    rp = await startRp();
    await signUp(rp.browser(OWNER), 'alice');
    const attacker = rp.browser('203.0.113.9');
    for (let i = 1; i <= 12; i++) await signInPassword(attacker, 'alice', `wrong password ${i}`);
    expect(codeOf(await signInPassword(attacker, 'alice'))).toBe('account-locked');
    // A network alice never signed in from: still let in (the account-wide limit is not reached).
    expect((await signInPassword(rp.browser('198.51.100.20'), 'alice')).status).toBe(200);
    expect((await signInPassword(rp.browser(OWNER), 'alice')).status).toBe(200);
  });

  it('an attack from many addresses locks new networks out, but not the owner’s known one nor a passkey', async () => {
    rp = await startRp();
    const owner = await verifiedUser(rp, 'alice', OWNER); // signed up, so signed in, from OWNER
    const phone = softwareAuthenticator();
    expect((await addKey(owner, phone, 'passkey')).status).toBe(200);
    // 4 addresses × 5 guesses reach the account-wide limit (4 × LOCKOUT_THRESHOLD).
    for (let a = 1; a <= 4; a++) {
      const attacker = rp.browser(`203.0.113.${a}`);
      for (let i = 1; i <= 5; i++) await signInPassword(attacker, 'alice', `wrong password ${a}.${i}`);
    }
    expect(codeOf(await signInPassword(rp.browser('203.0.113.5'), 'alice', 'wrong password 5.1'))).toBe('account-locked');
    expect(codeOf(await signInPassword(rp.browser('198.51.100.20'), 'alice'))).toBe('account-locked');
    // The same holds for a name with no account: the limits are keyed by the name submitted.
    for (let a = 1; a <= 4; a++) {
      const attacker = rp.browser(`203.0.113.${a}`);
      for (let i = 1; i <= 5; i++) await signInPassword(attacker, 'nobody', `wrong password ${a}.${i}`);
    }
    expect(codeOf(await signInPassword(rp.browser('198.51.100.20'), 'nobody'))).toBe('account-locked');

    expect((await signInPassword(rp.browser(OWNER), 'alice')).status).toBe(200);
    const elsewhere = rp.browser('198.51.100.21');
    const passkey = await elsewhere.post('/api/passkey/verify', await assertWith(elsewhere, phone, '/api/passkey/options'));
    expect(passkey.status).toBe(200);
  });

  it('counts an IPv6 /64 as one network', async () => {
    rp = await startRp();
    await signUp(rp.browser(OWNER), 'alice');
    for (let i = 1; i <= 5; i++) await signInPassword(rp.browser(`2001:db8:1:2::${i}`), 'alice', `wrong password ${i}`);
    expect(codeOf(await signInPassword(rp.browser('2001:db8:1:2:ffff::1'), 'alice'))).toBe('account-locked');
    expect((await signInPassword(rp.browser('2001:db8:1:3::1'), 'alice')).status).toBe(200);
  });
});

describe('clientNetwork', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002::9', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
  ])('%s is counted as %s', (ip, network) => {
    expect(clientNetwork(ip)).toBe(network);
  });
});
