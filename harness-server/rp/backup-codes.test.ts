// Backup codes: 10 at the first 2FA setup, shown once, stored as salted hashes, single use,
// regenerated as a whole set, counted with a low warning.
import { afterEach, describe, expect, it } from 'vitest';
import { backupCodeMatches, generateBackupCodes, normaliseBackupCode } from './crypto/backup-codes.ts';
import { codeOf, enrolOtp, PASSWORD, signInPassword, startRp, verifiedUser, type TestRp } from '../testing/rp-flows.ts';

let rp: TestRp;
afterEach(async () => rp?.close());

async function aliceWithCodes() {
  rp = await startRp();
  const browser = await verifiedUser(rp, 'alice');
  const { backupCodes } = await enrolOtp(rp, browser);
  return { browser, codes: backupCodes! };
}

async function signInWithCode(code: string) {
  const browser = rp.browser();
  expect((await signInPassword(browser, 'alice')).body).toMatchObject({ status: 'second-factor' });
  return browser.post('/api/signin/backup-code', { code });
}

describe('generation', () => {
  it('makes distinct, readable codes of about 50 bits each', () => {
    const codes = generateBackupCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-hjkmnp-z2-9]{5}-[a-hjkmnp-z2-9]{5}$/);
  });

  it('matches what a person types regardless of case, spaces and dashes', () => {
    expect(normaliseBackupCode(' ABCDE fghjk ')).toBe('abcdefghjk');
    expect(normaliseBackupCode('abcde-fghjk')).toBe('abcdefghjk');
  });

  it('stores only salted SHA-256 hashes, each with its own salt', async () => {
    const { codes } = await aliceWithCodes();
    const alice = rp.store.users.findByUsername('alice')!;
    const stored = rp.store.backupCodes.list(alice.id);
    expect(stored).toHaveLength(10);
    expect(new Set(stored.map((c) => c.salt.toString('hex'))).size).toBe(10);
    for (const row of stored) {
      expect(row.salt.length).toBe(16);
      expect(row.hash.length).toBe(32);
      expect(row.hash.toString('latin1')).not.toContain(normaliseBackupCode(codes[0]!));
    }
    expect(stored.filter((row) => backupCodeMatches(codes[3]!, row))).toHaveLength(1);
    const dump = JSON.stringify(rp.store.db.prepare('SELECT * FROM backup_codes').all());
    for (const code of codes) expect(dump).not.toContain(normaliseBackupCode(code));
  });
});

describe('use at sign-in', () => {
  it('signs in once per code, whatever its case or spacing', async () => {
    const { codes } = await aliceWithCodes();
    const first = await signInWithCode(codes[0]!.toUpperCase().replace('-', ' '));
    expect(first.body).toEqual({ status: 'signed-in', username: 'alice', mustSetUp2fa: false });
    const reuse = await signInWithCode(codes[0]!);
    expect(reuse.status).toBe(401);
    expect(reuse.body).toEqual({ error: 'Wrong or already used backup code', code: 'wrong-code' });
    const alice = rp.store.users.findByUsername('alice')!;
    expect(rp.store.audit.list(alice.id).find((e) => e.event === 'backup-code.used')?.detail).toEqual({ remaining: 9 });
    expect(rp.store.outbox.list('alice@example.com')[0]?.subject).toBe('Security alert: A backup code was used (9 left)');
  });

  it('counts what is left and warns at 3 or fewer', async () => {
    const { browser, codes } = await aliceWithCodes();
    for (const code of codes.slice(0, 6)) expect((await signInWithCode(code)).status).toBe(200);
    expect((await browser.get('/api/account')).body).toMatchObject({ twoFactor: { backupCodes: { remaining: 4, low: false } } });
    expect((await signInWithCode(codes[6]!)).status).toBe(200);
    expect((await browser.get('/api/account')).body).toMatchObject({ twoFactor: { backupCodes: { remaining: 3, low: true } } });
  });

  it('does not offer backup codes once all are used', async () => {
    const { codes } = await aliceWithCodes();
    for (const code of codes) expect((await signInWithCode(code)).status).toBe(200);
    expect((await signInPassword(rp.browser(), 'alice')).body).toMatchObject({ methods: { backupCode: false } });
  });
});

describe('regeneration', () => {
  it('needs the password and replaces every earlier code', async () => {
    const { browser, codes } = await aliceWithCodes();
    expect((await signInWithCode(codes[0]!)).status).toBe(200);
    expect(codeOf(await browser.post('/api/backup-codes/regenerate', { password: 'not the password' }))).toBe('wrong-password');
    const fresh = await browser.post<{ codes: string[] }>('/api/backup-codes/regenerate', { password: PASSWORD });
    expect(fresh.body.codes).toHaveLength(10);
    expect(fresh.body.codes).not.toContain(codes[1]);
    expect(codeOf(await signInWithCode(codes[1]!))).toBe('wrong-code');
    expect((await signInWithCode(fresh.body.codes[0]!)).status).toBe(200);
    expect((await browser.get('/api/account')).body).toMatchObject({ twoFactor: { backupCodes: { remaining: 9 } } });
    expect(rp.store.outbox.list('alice@example.com').map((m) => m.subject)).toContain(
      'Security alert: New backup codes were generated; the old ones no longer work',
    );
  });

  it('is refused while 2FA is off', async () => {
    rp = await startRp();
    const browser = await verifiedUser(rp, 'alice');
    expect((await browser.post('/api/backup-codes/regenerate', { password: PASSWORD })).status).toBe(409);
  });
});
