// Organisations: an admin, members, 2FA enforcement (members without 2FA can only set it up),
// and the admin's view of each member's 2FA status.
import { afterEach, describe, expect, it } from 'vitest';
import type { TestBrowser } from '../testing.ts';
import { softwareAuthenticator } from './test-client.ts';
import { addKey, codeOf, enrolOtp, errorOf, signInPassword, startRp, verifiedUser, type TestRp } from './test-flows.ts';

let rp: TestRp;
afterEach(async () => rp?.close());

interface OrgList {
  orgs: { id: number; name: string; role: string; enforce2fa: boolean; members: { username: string; role: string; twoFactor: { enabled: boolean; securityKeys: number; otp: boolean } }[] | null }[];
}

async function acmeWithMember(): Promise<{ admin: TestBrowser; member: TestBrowser; orgId: number }> {
  rp = await startRp();
  const admin = await verifiedUser(rp, 'alice');
  const member = await verifiedUser(rp, 'bob');
  expect((await admin.post('/api/orgs', { name: 'Acme' })).status).toBe(200);
  const orgId = (await admin.get<OrgList>('/api/orgs')).body.orgs[0]!.id;
  expect((await admin.post(`/api/orgs/${orgId}/members`, { username: 'bob' })).status).toBe(200);
  return { admin, member, orgId };
}

describe('organisations', () => {
  it('makes the creator admin; the admin sees members and their 2FA status, members do not', async () => {
    const { admin, member } = await acmeWithMember();
    await addKey(member, softwareAuthenticator());
    const adminView = (await admin.get<OrgList>('/api/orgs')).body.orgs[0]!;
    expect(adminView).toMatchObject({ name: 'Acme', role: 'admin', enforce2fa: false });
    expect(adminView.members).toEqual([
      { username: 'alice', role: 'admin', joinedAt: expect.any(String), twoFactor: { enabled: false, securityKeys: 0, otp: false } },
      { username: 'bob', role: 'member', joinedAt: expect.any(String), twoFactor: { enabled: true, securityKeys: 1, otp: false } },
    ]);
    expect((await member.get<OrgList>('/api/orgs')).body.orgs[0]).toMatchObject({ name: 'Acme', role: 'member', members: null });
    expect(rp.store.outbox.list('bob@example.com').map((m) => m.subject)).toContain('You joined Acme on Pairkey Demo');
  });

  it('lets only the admin add, remove or enforce', async () => {
    const { admin, member, orgId } = await acmeWithMember();
    await verifiedUser(rp, 'carol');
    expect((await member.post(`/api/orgs/${orgId}/members`, { username: 'carol' })).status).toBe(403);
    expect((await member.post(`/api/orgs/${orgId}/enforce-2fa`, { enforce: true })).status).toBe(403);
    expect((await member.post(`/api/orgs/${orgId}/members/alice/remove`)).status).toBe(403);
    expect((await admin.post(`/api/orgs/${orgId}/members`, { username: 'bob' })).status).toBe(409);
    expect((await admin.post(`/api/orgs/${orgId}/members`, { username: 'nobody' })).status).toBe(404);
    expect((await admin.post(`/api/orgs/${orgId}/members/alice/remove`)).status).toBe(404);
    expect((await admin.post(`/api/orgs/${orgId}/members/bob/remove`)).status).toBe(200);
    expect((await member.get<OrgList>('/api/orgs')).body.orgs).toEqual([]);
    expect((await admin.post('/api/orgs', { name: 'Acme' })).status).toBe(409);
  });
});

describe('2FA enforcement', () => {
  it('needs the admin to have 2FA first', async () => {
    const { admin, orgId } = await acmeWithMember();
    const refused = await admin.post(`/api/orgs/${orgId}/enforce-2fa`, { enforce: true });
    expect(refused.status).toBe(409);
    expect(errorOf(refused)).toBe('Turn on two-factor authentication for your own account first');
  });

  it('sends members without 2FA to set it up before anything else', async () => {
    const { admin, member, orgId } = await acmeWithMember();
    await enrolOtp(rp, admin);
    expect((await admin.post(`/api/orgs/${orgId}/enforce-2fa`, { enforce: true })).status).toBe(200);
    expect(rp.store.outbox.list('bob@example.com')[0]?.subject).toBe('Acme now requires two-factor authentication');

    // Bob's sign-in says so, and only setup routes answer.
    const signin = await signInPassword(rp.browser(), 'bob');
    expect(signin.body).toEqual({ status: 'signed-in', username: 'bob', mustSetUp2fa: true });
    for (const path of ['/api/orgs', '/api/audit']) {
      const blocked = await member.get(path);
      expect(blocked.status).toBe(403);
      expect(codeOf(blocked)).toBe('two-factor-required');
      expect(errorOf(blocked)).toMatch(/^Acme requires two-factor authentication/);
    }
    expect((await member.post('/api/orgs', { name: 'Other' })).status).toBe(403);
    expect((await member.get('/api/account')).body).toMatchObject({ mustSetUp2faFor: ['Acme'] });

    // Setting up 2FA lifts the restriction.
    await addKey(member, softwareAuthenticator());
    expect((await member.get('/api/account')).body).toMatchObject({ mustSetUp2faFor: [] });
    expect((await member.get('/api/audit')).status).toBe(200);
    expect((await signInPassword(rp.browser(), 'bob')).body).toMatchObject({ status: 'second-factor' });

    const adminView = (await admin.get<OrgList>('/api/orgs')).body.orgs[0]!;
    expect(adminView.enforce2fa).toBe(true);
    expect(adminView.members!.map((m) => [m.username, m.twoFactor.enabled])).toEqual([
      ['alice', true],
      ['bob', true],
    ]);
  });

  it('keeps members from removing their last factor while enforced', async () => {
    const { admin, member, orgId } = await acmeWithMember();
    await enrolOtp(rp, admin);
    const { key } = (await addKey(member, softwareAuthenticator())).body;
    await admin.post(`/api/orgs/${orgId}/enforce-2fa`, { enforce: true });
    const refused = await member.post(`/api/keys/${key.id}/remove`, { password: 'correct horse battery staple 42' });
    expect(refused.status).toBe(403);
    expect(errorOf(refused)).toMatch(/Acme requires two-factor authentication: it cannot be turned off/);
  });
});
