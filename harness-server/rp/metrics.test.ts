// The RP's Prometheus metrics (services/metrics.ts): sign-ins by method, refused secrets by
// ceremony and step (unknown accounts and keys too), audited security events — read from
// /metrics as Prometheus would.
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { afterEach, describe, expect, it } from 'vitest';
import { forgeAssertion, forgedCredential, softwareAuthenticator } from '../testing/webauthn-client.ts';
import { addKey, assertWith, signInPassword, startRp, verifiedUser, type TestRp } from '../testing/rp-flows.ts';

let rp: TestRp;
afterEach(async () => rp?.close());

/** One sample of the Prometheus text exposition, by metric name and exact label set; 0 if absent. */
async function sample(name: string, labels: Record<string, string>): Promise<number> {
  const text = (await rp.servers.main.inject('/metrics')).body;
  const wanted = Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .join(',');
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${wanted}} `));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** How much `action` moved one sample. */
async function delta(name: string, labels: Record<string, string>, action: () => Promise<unknown>): Promise<number> {
  const before = await sample(name, labels);
  await action();
  return (await sample(name, labels)) - before;
}

describe('RP metrics', () => {
  it('count sign-ins by method', async () => {
    rp = await startRp();
    await verifiedUser(rp, 'alice');
    const phone = softwareAuthenticator();
    // Every method's series exists from the start.
    expect((await rp.servers.main.inject('/metrics')).body).toContain('pairkey_rp_signins_total{method="backup-code"} 0');

    expect(await delta('pairkey_rp_signins_total', { method: 'password' }, () => signInPassword(rp.browser(), 'alice'))).toBe(1);

    const setup = rp.browser();
    await signInPassword(setup, 'alice');
    expect((await addKey(setup, phone, 'passkey', 'Phone')).status).toBe(200);
    const browser = rp.browser();
    expect(
      await delta('pairkey_rp_signins_total', { method: 'passkey' }, async () => {
        const result = await browser.post('/api/passkey/verify', await assertWith(browser, phone, '/api/passkey/options'));
        expect(result.status).toBe(200);
      }),
    ).toBe(1);
  });

  it('count refused secrets by step, for unknown accounts and keys as well, and lockouts as security events', async () => {
    rp = await startRp({ LOCKOUT_THRESHOLD: '3' });
    await verifiedUser(rp, 'alice');
    const passwordFailures = { ceremony: 'signin', step: 'password' };
    expect(await delta('pairkey_rp_signin_failures_total', passwordFailures, () => signInPassword(rp.browser(), 'alice', 'wrong password'))).toBe(1);
    expect(await delta('pairkey_rp_signin_failures_total', passwordFailures, () => signInPassword(rp.browser(), 'nobody', 'wrong password'))).toBe(1);

    const locked = await delta('pairkey_rp_security_events_total', { event: 'account.locked' }, async () => {
      for (let i = 0; i < 2; i++) await signInPassword(rp.browser(), 'alice', 'wrong password');
    });
    expect(locked).toBe(1);

    // A passkey this RP never registered names no account: nothing to audit, still counted.
    const browser = rp.browser();
    expect(
      await delta('pairkey_rp_signin_failures_total', { ceremony: 'signin', step: 'passkey' }, async () => {
        const options = await browser.post<PublicKeyCredentialRequestOptionsJSON>('/api/passkey/options');
        const result = await browser.post('/api/passkey/verify', await forgeAssertion(forgedCredential(), options.body));
        expect(result.status).toBe(400);
      }),
    ).toBe(1);
  });
});
