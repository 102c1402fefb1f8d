// The audit log on the security page and the security-alert email every factor change sends.
import { afterEach, expect, it } from 'vitest';
import { softwareAuthenticator } from '../testing/webauthn-client.ts';
import { addKey, enrolOtp, otpCode, PASSWORD, signInPassword, startRp, verifiedUser, type TestRp } from '../testing/rp-flows.ts';

let rp: TestRp;
afterEach(async () => rp?.close());

it('records sign-ins, failures, factor changes, backup-code use and lockouts, and emails each factor change', async () => {
  rp = await startRp();
  const browser = await verifiedUser(rp, 'alice', '192.0.2.10');
  const { key, backupCodes } = (await addKey(browser, softwareAuthenticator(), 'security-key', 'Blue')).body;
  const { secret, params } = await enrolOtp(rp, browser);
  await browser.post(`/api/keys/${key.id}/rename`, { name: 'Navy' });
  await browser.post(`/api/keys/${key.id}/remove`, { password: PASSWORD });
  await browser.post('/api/backup-codes/regenerate', { password: PASSWORD });

  const attacker = rp.browser('203.0.113.66');
  await signInPassword(attacker, 'alice', 'wrong password 1');
  const pending = rp.browser('192.0.2.10');
  await signInPassword(pending, 'alice');
  await pending.post('/api/signin/backup-code', { code: backupCodes![0] }); // regenerated: refused
  // Counted per address: the attacker's fifth wrong password locks it out (not the owner's failure at another address).
  for (let i = 0; i < 4; i++) await signInPassword(attacker, 'alice', `wrong password ${i + 2}`);
  rp.clock.advance(15 * 60 * 1000);
  rp.clock.advance(30_000);
  const again = rp.browser('192.0.2.10');
  await signInPassword(again, 'alice');
  await again.post('/api/signin/otp', { code: await otpCode(secret, params, rp.clock.now) });

  const audit = await again.get<{ entries: { event: string; detail: Record<string, unknown>; ip: string }[] }>('/api/audit');
  const events = audit.body.entries.map((e) => e.event).reverse();
  expect(events).toEqual([
    'account.created',
    'signin.succeeded',
    'email.verified',
    'factor.added',
    'factor.added',
    'factor.renamed',
    'factor.removed',
    'backup-codes.generated',
    'signin.failed',
    'signin.failed',
    'signin.failed',
    'signin.failed',
    'signin.failed',
    'signin.failed',
    'account.locked',
    'signin.succeeded',
  ]);
  const locked = audit.body.entries.find((e) => e.event === 'account.locked')!;
  expect(locked).toMatchObject({ ip: '203.0.113.66', detail: { failures: 5 } });
  expect(audit.body.entries.find((e) => e.event === 'factor.renamed')?.detail).toEqual({ type: 'security-key', from: 'Blue', to: 'Navy' });

  const subjects = rp.store.outbox.list('alice@example.com').map((m) => m.subject).reverse();
  expect(subjects).toEqual([
    'Verify your email address for Pairkey Demo',
    'Security alert: Security key "Blue" was added',
    'Security alert: An authenticator app was set up',
    'Security alert: Security key "Navy" was removed',
    'Security alert: New backup codes were generated; the old ones no longer work',
    'Your Pairkey Demo account is temporarily locked',
  ]);
});

it('records a used backup code', async () => {
  rp = await startRp();
  const browser = await verifiedUser(rp, 'alice');
  const { backupCodes } = await enrolOtp(rp, browser);
  const pending = rp.browser();
  await signInPassword(pending, 'alice');
  await pending.post('/api/signin/backup-code', { code: backupCodes![4] });
  const audit = await pending.get<{ entries: { event: string; detail: Record<string, unknown> }[] }>('/api/audit');
  expect(audit.body.entries.slice(0, 2)).toMatchObject([
    { event: 'signin.succeeded', detail: { method: 'backup-code' } },
    { event: 'backup-code.used', detail: { remaining: 9 } },
  ]);
});
