// Organisations: an admin invites, the invitee accepts (or declines) before anything applies to
// them, members can leave, 2FA enforcement (members without 2FA can only set it up or leave),
// and the admin's view of each accepted member's 2FA status.
import { afterEach, describe, expect, it } from 'vitest';
import type { TestBrowser } from '../testing/servers.ts';
import { softwareAuthenticator } from '../testing/webauthn-client.ts';
import { addKey, codeOf, enrolOtp, errorOf, signInPassword, startRp, verifiedUser, type TestRp } from '../testing/rp-flows.ts';

let rp: TestRp;
afterEach(async () => rp?.close());

interface Invitation {
  orgId: number;
  org: string;
  invitedBy: string | null;
  enforce2fa: boolean;
  expiresAt: string;
}

interface OrgList {
  orgs: {
    id: number;
    name: string;
    role: string;
    enforce2fa: boolean;
    members: { username: string; role: string; twoFactor: { enabled: boolean; securityKeys: number; otp: boolean } }[] | null;
    invited: { username: string; invitedAt: string; expiresAt: string }[] | null;
  }[];
  invitations: Invitation[];
}

const DAY = 24 * 60 * 60 * 1000;

async function acmeWithInvitee(): Promise<{ admin: TestBrowser; member: TestBrowser; orgId: number }> {
  rp = await startRp();
  const admin = await verifiedUser(rp, 'alice');
  const member = await verifiedUser(rp, 'bob');
  expect((await admin.post('/api/orgs', { name: 'Acme' })).status).toBe(200);
  const orgId = (await admin.get<OrgList>('/api/orgs')).body.orgs[0]!.id;
  expect((await admin.post(`/api/orgs/${orgId}/invitations`, { username: 'bob' })).status).toBe(200);
  return { admin, member, orgId };
}

async function acmeWithMember(): Promise<{ admin: TestBrowser; member: TestBrowser; orgId: number }> {
  const team = await acmeWithInvitee();
  expect((await team.member.post(`/api/invitations/${team.orgId}/accept`)).status).toBe(200);
  return team;
}

const memberNames = async (admin: TestBrowser): Promise<string[] | undefined> =>
  (await admin.get<OrgList>('/api/orgs')).body.orgs[0]!.members?.map((m) => m.username);

describe('the attack: an admin puts a stranger into their team (issue 11 item 3)', () => {
  it('gives the admin no membership, no 2FA view and no enforcement over someone who has not accepted', async () => {
    rp = await startRp();
    const admin = await verifiedUser(rp, 'alice');
    const stranger = await verifiedUser(rp, 'bob');
    await enrolOtp(rp, admin);
    await admin.post('/api/orgs', { name: 'Acme' });
    const orgId = (await admin.get<OrgList>('/api/orgs')).body.orgs[0]!.id;

    // Today's route and the invitation route: neither may make bob a member on its own.
    await admin.post(`/api/orgs/${orgId}/members`, { username: 'bob' });
    await admin.post(`/api/orgs/${orgId}/invitations`, { username: 'bob' });
    expect((await admin.post(`/api/orgs/${orgId}/enforce-2fa`, { enforce: true })).status).toBe(200);

    // The admin reads nothing about bob's 2FA.
    const view = (await admin.get<OrgList>('/api/orgs')).body.orgs[0]!;
    expect(view.members!.map((m) => m.username)).toEqual(['alice']);
    expect(JSON.stringify(view.invited ?? [])).not.toMatch(/twoFactor|enabled|securityKeys|otp/);

    // Bob is not held to the enforcement: he signs in normally and every route answers.
    expect((await signInPassword(rp.browser(), 'bob')).body).toEqual({ status: 'signed-in', username: 'bob', mustSetUp2fa: false });
    expect((await stranger.get('/api/audit')).status).toBe(200);
    expect((await stranger.get('/api/account')).body).toMatchObject({ mustSetUp2faFor: [] });
    expect((await stranger.get<OrgList>('/api/orgs')).body.orgs).toEqual([]);
    // His email tells him about an invitation; it does not say he joined.
    expect(rp.store.outbox.list('bob@example.com').map((m) => m.subject)).not.toContain('You joined Acme on Pairkey Demo');
  });
});

describe('invitations', () => {
  it('answers the same whether or not the username exists, and emails only an existing account', async () => {
    rp = await startRp();
    const admin = await verifiedUser(rp, 'alice');
    await verifiedUser(rp, 'bob');
    await admin.post('/api/orgs', { name: 'Acme' });
    const orgId = (await admin.get<OrgList>('/api/orgs')).body.orgs[0]!.id;

    const existing = await admin.post(`/api/orgs/${orgId}/invitations`, { username: 'bob' });
    const unknown = await admin.post(`/api/orgs/${orgId}/invitations`, { username: 'nobody' });
    const again = await admin.post(`/api/orgs/${orgId}/invitations`, { username: 'bob' });
    const self = await admin.post(`/api/orgs/${orgId}/invitations`, { username: 'alice' });
    for (const answer of [unknown, again, self]) {
      expect(answer.status).toBe(existing.status);
      expect(answer.body).toEqual(existing.body);
    }
    expect(existing).toMatchObject({ status: 200, body: { ok: true } });

    // The admin's pending list shows what they typed, the same way for both names.
    const invited = (await admin.get<OrgList>('/api/orgs')).body.orgs[0]!.invited!;
    expect(invited.map((i) => i.username)).toEqual(['bob', 'nobody']);
    expect(Object.keys(invited[0]!)).toEqual(Object.keys(invited[1]!));

    // One email to bob (a repeated invitation does not send another), none anywhere else.
    const mails = rp.store.outbox.list('bob@example.com').filter((m) => m.subject.includes('invited'));
    expect(mails.map((m) => m.subject)).toEqual(['alice invited you to join Acme on Pairkey Demo']);
    expect(mails[0]!.body).toContain('http://localhost:8787/teams');
    expect(rp.store.outbox.list('nobody@example.com')).toEqual([]);
  });

  it('lets the invitee see, accept or decline; only acceptance makes a member', async () => {
    const { admin, member, orgId } = await acmeWithInvitee();
    await verifiedUser(rp, 'carol');
    const carol = rp.browser();
    await signInPassword(carol, 'carol');

    const bobView = (await member.get<OrgList>('/api/orgs')).body;
    expect(bobView.orgs).toEqual([]);
    expect(bobView.invitations).toEqual([{ orgId, org: 'Acme', invitedBy: 'alice', enforce2fa: false, expiresAt: expect.any(String) }]);

    // Nobody else can answer bob's invitation.
    expect((await carol.post(`/api/invitations/${orgId}/accept`)).status).toBe(404);
    expect(await memberNames(admin)).toEqual(['alice']);

    expect((await member.post(`/api/invitations/${orgId}/accept`)).status).toBe(200);
    expect(await memberNames(admin)).toEqual(['alice', 'bob']);
    expect((await member.get<OrgList>('/api/orgs')).body).toMatchObject({ orgs: [{ name: 'Acme', role: 'member', members: null }], invitations: [] });
    // Used up: a second accept finds nothing.
    expect((await member.post(`/api/invitations/${orgId}/accept`)).status).toBe(404);

    // Carol declines hers: no member, and the admin's list no longer shows it.
    await admin.post(`/api/orgs/${orgId}/invitations`, { username: 'carol' });
    expect((await carol.post(`/api/invitations/${orgId}/decline`)).status).toBe(200);
    expect(await memberNames(admin)).toEqual(['alice', 'bob']);
    expect((await admin.get<OrgList>('/api/orgs')).body.orgs[0]!.invited).toEqual([]);
    expect((await carol.get<OrgList>('/api/orgs')).body.invitations).toEqual([]);

    const events = (browser: TestBrowser) => browser.get<{ entries: { event: string }[] }>('/api/audit').then((r) => r.body.entries.map((e) => e.event));
    expect(await events(member)).toEqual(expect.arrayContaining(['org.invited', 'org.invitation-accepted']));
    expect(await events(carol)).toEqual(expect.arrayContaining(['org.invited', 'org.invitation-declined']));
    expect(await events(admin)).toEqual(expect.arrayContaining(['org.invited', 'org.invitation-accepted', 'org.invitation-declined']));
  });

  it('expires after 7 days, and the admin can withdraw one', async () => {
    const team = await acmeWithInvitee();
    const { orgId } = team;
    rp.clock.advance(7 * DAY);
    // Sessions last a day: sign both in again.
    const [admin, member] = [rp.browser(), rp.browser()];
    await signInPassword(admin, 'alice');
    await signInPassword(member, 'bob');
    expect((await member.get<OrgList>('/api/orgs')).body.invitations).toEqual([]);
    expect((await member.post(`/api/invitations/${orgId}/accept`)).status).toBe(404);
    expect((await admin.get<OrgList>('/api/orgs')).body.orgs[0]!.invited).toEqual([]);

    // Re-inviting works again; withdrawn, it cannot be accepted.
    await admin.post(`/api/orgs/${orgId}/invitations`, { username: 'bob' });
    expect((await member.get<OrgList>('/api/orgs')).body.invitations).toHaveLength(1);
    expect((await admin.post(`/api/orgs/${orgId}/invitations/bob/cancel`)).status).toBe(200);
    expect((await member.post(`/api/invitations/${orgId}/accept`)).status).toBe(404);
    expect(await memberNames(admin)).toEqual(['alice']);
  });
});

describe('organisations', () => {
  it('makes the creator admin; the admin sees accepted members and their 2FA status, members do not', async () => {
    const { admin, member } = await acmeWithMember();
    await addKey(member, softwareAuthenticator());
    const adminView = (await admin.get<OrgList>('/api/orgs')).body.orgs[0]!;
    expect(adminView).toMatchObject({ name: 'Acme', role: 'admin', enforce2fa: false, invited: [] });
    expect(adminView.members).toEqual([
      { username: 'alice', role: 'admin', joinedAt: expect.any(String), twoFactor: { enabled: false, securityKeys: 0, otp: false } },
      { username: 'bob', role: 'member', joinedAt: expect.any(String), twoFactor: { enabled: true, securityKeys: 1, otp: false } },
    ]);
    expect((await member.get<OrgList>('/api/orgs')).body.orgs[0]).toMatchObject({ name: 'Acme', role: 'member', members: null, invited: null });
  });

  it('lets only the admin invite, remove or enforce', async () => {
    const { admin, member, orgId } = await acmeWithMember();
    await verifiedUser(rp, 'carol');
    expect((await member.post(`/api/orgs/${orgId}/invitations`, { username: 'carol' })).status).toBe(403);
    expect((await member.post(`/api/orgs/${orgId}/enforce-2fa`, { enforce: true })).status).toBe(403);
    expect((await member.post(`/api/orgs/${orgId}/members/alice/remove`)).status).toBe(403);
    expect((await admin.post(`/api/orgs/${orgId}/members/alice/remove`)).status).toBe(404);
    expect((await admin.post(`/api/orgs/${orgId}/members/bob/remove`)).status).toBe(200);
    expect((await member.get<OrgList>('/api/orgs')).body.orgs).toEqual([]);
    expect((await admin.post('/api/orgs', { name: 'Acme' })).status).toBe(409);
  });

  it('lets a member leave; the admin cannot leave their own organisation', async () => {
    const { admin, member, orgId } = await acmeWithMember();
    const refused = await admin.post(`/api/orgs/${orgId}/leave`);
    expect(refused.status).toBe(409);
    expect(errorOf(refused)).toBe('The admin cannot leave the organisation');
    expect((await member.post(`/api/orgs/${orgId}/leave`)).status).toBe(200);
    expect(await memberNames(admin)).toEqual(['alice']);
    expect((await member.get<OrgList>('/api/orgs')).body.orgs).toEqual([]);
    expect((await member.post(`/api/orgs/${orgId}/leave`)).status).toBe(404);
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

    // Bob's sign-in says so, and only setup routes (and leaving) answer.
    const signin = await signInPassword(rp.browser(), 'bob');
    expect(signin.body).toEqual({ status: 'signed-in', username: 'bob', mustSetUp2fa: true });
    for (const path of ['/api/audit']) {
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

  it('lets a member who does not want 2FA leave instead', async () => {
    const { admin, member, orgId } = await acmeWithMember();
    await enrolOtp(rp, admin);
    await admin.post(`/api/orgs/${orgId}/enforce-2fa`, { enforce: true });
    expect((await member.get('/api/account')).body).toMatchObject({ mustSetUp2faFor: ['Acme'] });
    expect((await member.get<OrgList>('/api/orgs')).body.orgs.map((o) => o.name)).toEqual(['Acme']);
    expect((await member.post(`/api/orgs/${orgId}/leave`)).status).toBe(200);
    expect((await member.get('/api/account')).body).toMatchObject({ mustSetUp2faFor: [] });
    expect((await member.get('/api/audit')).status).toBe(200);
  });

  it('tells an invitee that the organisation requires 2FA before they accept', async () => {
    const { admin, member, orgId } = await acmeWithInvitee();
    await enrolOtp(rp, admin);
    await admin.post(`/api/orgs/${orgId}/enforce-2fa`, { enforce: true });
    // Enforcement mails go to members only.
    expect(rp.store.outbox.list('bob@example.com').map((m) => m.subject)).not.toContain('Acme now requires two-factor authentication');
    expect((await member.get<OrgList>('/api/orgs')).body.invitations).toMatchObject([{ org: 'Acme', enforce2fa: true }]);
    expect((await member.get('/api/account')).body).toMatchObject({ mustSetUp2faFor: [] });
    await member.post(`/api/invitations/${orgId}/accept`);
    expect((await member.get('/api/account')).body).toMatchObject({ mustSetUp2faFor: ['Acme'] });
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
