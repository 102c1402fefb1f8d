// Organisations (teams): whoever creates one is its admin. The admin invites people by
// username; nothing applies to an invitee — membership, the admin's view of their 2FA, the
// organisation's 2FA rule — until they accept. Members can leave at any time (also while the
// organisation's 2FA rule blocks everything else), and the admin can remove them.
// Inviting answers the same whether or not the username exists, and the admin's list of
// pending invitations shows only what they typed, so it cannot be used to find accounts.
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '../../plugins/typebox.ts';
import type { Membership } from '../db/organisations.ts';
import { isConstraintError } from '../db/store.ts';
import type { User } from '../db/users.ts';
import { emails } from '../services/emails.ts';
import { conflict, forbidden, notFound } from '../services/http-error.ts';
import { EnforceBody, InvitationParams, MemberBody, MemberParams, Ok, OrgBody, OrgList, OrgParams } from '../schemas.ts';
import { iso, ipLimit } from './common.ts';

/** Long enough for someone back from a week away; short enough that a stale one goes. */
export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export const orgRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { rp } = app;
  const { store, settings, twoFactor } = rp;

  const membershipOf = (user: User, orgId: number): Membership => {
    const membership = store.orgs.membershipsOf(user.id).find((m) => m.org.id === orgId);
    if (!membership) throw notFound('No such organisation');
    return membership;
  };

  const adminOf = (user: User, orgId: number): Membership => {
    const membership = membershipOf(user, orgId);
    if (membership.role !== 'admin') throw forbidden('Only the organisation admin can do this');
    return membership;
  };

  const tell = (user: User, subject: string, text: string): void => {
    if (user.email) rp.mailer.send(user.id, user.email, { subject, body: `Hello ${user.username},\n\n${text}\n\n— ${settings.rpName}\n` });
  };

  // `setup`: a member held by an organisation's 2FA rule may still see their teams, to leave one.
  app.get('/api/orgs', { schema: { response: { 200: OrgList } } }, async (request) => {
    const user = app.auth.user(request, { setup: true });
    const now = settings.now();
    return {
      orgs: store.orgs.membershipsOf(user.id).map(({ org, role }) => {
        const admin = role === 'admin';
        return {
          id: org.id,
          name: org.name,
          role,
          enforce2fa: org.enforce2fa,
          members: admin
            ? store.orgs.members(org.id).map((member) => {
                const status = twoFactor.status(member.userId);
                return {
                  username: member.username,
                  role: member.role,
                  joinedAt: iso(member.joinedAt),
                  twoFactor: { enabled: status.enabled, securityKeys: status.keys.length, otp: status.otp !== undefined },
                };
              })
            : null,
          invited: admin
            ? store.orgs.invitationsSent(org.id, now).map((i) => ({ username: i.username, invitedAt: iso(i.invitedAt), expiresAt: iso(i.expiresAt) }))
            : null,
        };
      }),
      invitations: store.orgs.invitationsFor(user.id, now).map((i) => ({
        orgId: i.org.id,
        org: i.org.name,
        invitedBy: i.invitedBy,
        enforce2fa: i.org.enforce2fa,
        expiresAt: iso(i.expiresAt),
      })),
    };
  });

  app.post('/api/orgs', { schema: { body: OrgBody, response: { 200: Ok } } }, async (request) => {
    const user = app.auth.user(request);
    const name = request.body.name.trim();
    try {
      store.orgs.create(name, user.id, settings.now());
    } catch (error) {
      if (isConstraintError(error)) throw conflict(`An organisation named "${name}" already exists`);
      throw error;
    }
    rp.auditor.record(user.id, 'org.created', { org: name }, request);
    return { ok: true as const };
  });

  // The same `{ ok }` for an existing account, an unknown name, a repeated invitation and a
  // current member: only the invitee's inbox learns the difference. Per-IP limited like the
  // routes that check secrets, since each answer is a question about an account.
  app.post('/api/orgs/:id/invitations', { schema: { params: OrgParams, body: MemberBody, response: { 200: Ok } }, config: ipLimit(rp) }, async (request) => {
    const admin = app.auth.user(request);
    const { org } = adminOf(admin, request.params.id);
    const { username } = request.body;
    const invitee = store.users.findByUsername(username);
    const now = settings.now();
    store.transaction(() => {
      const result = store.orgs.invite(org.id, username, invitee?.id ?? null, admin.id, now, INVITATION_TTL_MS);
      rp.auditor.record(admin.id, 'org.invited', { org: org.name, username }, request);
      if (!invitee || result !== 'invited') return;
      rp.auditor.record(invitee.id, 'org.invited', { org: org.name, by: admin.username }, request);
      if (invitee.email) {
        const link = new URL('teams', settings.publicUrl).href;
        rp.mailer.send(invitee.id, invitee.email, emails.invitation(settings.rpName, invitee.username, org.name, admin.username, org.enforce2fa, link, now + INVITATION_TTL_MS));
      }
    });
    return { ok: true as const };
  });

  app.post('/api/orgs/:id/invitations/:username/cancel', { schema: { params: MemberParams, response: { 200: Ok } } }, async (request) => {
    const admin = app.auth.user(request);
    const { org } = adminOf(admin, request.params.id);
    if (!store.orgs.cancelInvitation(org.id, request.params.username, settings.now())) {
      throw notFound(`No pending invitation for ${request.params.username}`);
    }
    rp.auditor.record(admin.id, 'org.invitation-cancelled', { org: org.name, username: request.params.username }, request);
    return { ok: true as const };
  });

  // The invitee answers. Only their own pending invitation is found: anyone else gets 404.
  app.post('/api/invitations/:orgId/accept', { schema: { params: InvitationParams, response: { 200: Ok } } }, async (request) => {
    const user = app.auth.user(request);
    const now = settings.now();
    const invitation = store.orgs.invitationsFor(user.id, now).find((i) => i.org.id === request.params.orgId);
    const accepted = invitation !== undefined && store.transaction(() => store.orgs.accept(request.params.orgId, user.id, now));
    if (!invitation || !accepted) throw notFound('No pending invitation to this organisation');
    rp.auditor.record(user.id, 'org.invitation-accepted', { org: invitation.org.name }, request);
    const admin = invitation.invitedBy === null ? undefined : store.users.findByUsername(invitation.invitedBy);
    if (admin) rp.auditor.record(admin.id, 'org.invitation-accepted', { org: invitation.org.name, member: user.username }, request);
    return { ok: true as const };
  });

  app.post('/api/invitations/:orgId/decline', { schema: { params: InvitationParams, response: { 200: Ok } } }, async (request) => {
    const user = app.auth.user(request, { setup: true });
    const now = settings.now();
    const invitation = store.orgs.invitationsFor(user.id, now).find((i) => i.org.id === request.params.orgId);
    if (!invitation || !store.orgs.decline(request.params.orgId, user.id, now)) throw notFound('No pending invitation to this organisation');
    rp.auditor.record(user.id, 'org.invitation-declined', { org: invitation.org.name }, request);
    const admin = invitation.invitedBy === null ? undefined : store.users.findByUsername(invitation.invitedBy);
    if (admin) rp.auditor.record(admin.id, 'org.invitation-declined', { org: invitation.org.name, member: user.username }, request);
    return { ok: true as const };
  });

  // `setup`: leaving is the other way out of an organisation's 2FA rule.
  app.post('/api/orgs/:id/leave', { schema: { params: OrgParams, response: { 200: Ok } } }, async (request) => {
    const user = app.auth.user(request, { setup: true });
    const { org, role } = membershipOf(user, request.params.id);
    if (role === 'admin') throw conflict('The admin cannot leave the organisation');
    if (!store.orgs.removeMember(org.id, user.id)) throw notFound('No such organisation');
    rp.auditor.record(user.id, 'org.member-left', { org: org.name }, request);
    for (const member of store.orgs.members(org.id)) {
      if (member.role === 'admin') rp.auditor.record(member.userId, 'org.member-left', { org: org.name, member: user.username }, request);
    }
    return { ok: true as const };
  });

  app.post('/api/orgs/:id/members/:username/remove', { schema: { params: MemberParams, response: { 200: Ok } } }, async (request) => {
    const admin = app.auth.user(request);
    const { org } = adminOf(admin, request.params.id);
    const member = store.users.findByUsername(request.params.username);
    if (!member || !store.orgs.removeMember(org.id, member.id)) throw notFound(`${request.params.username} is not a member (admins cannot be removed)`);
    rp.auditor.record(admin.id, 'org.member-removed', { org: org.name, member: member.username }, request);
    rp.auditor.record(member.id, 'org.member-removed', { org: org.name, by: admin.username }, request);
    return { ok: true as const };
  });

  app.post('/api/orgs/:id/enforce-2fa', { schema: { params: OrgParams, body: EnforceBody, response: { 200: Ok } } }, async (request) => {
    const admin = app.auth.user(request);
    const { org } = adminOf(admin, request.params.id);
    const { enforce } = request.body;
    // An admin without 2FA enforcing it would lock everyone, themselves included, into setup.
    if (enforce && !twoFactor.isEnabled(admin.id)) throw conflict('Turn on two-factor authentication for your own account first');
    store.orgs.setEnforcement(org.id, enforce);
    rp.auditor.record(admin.id, 'org.enforcement-changed', { org: org.name, enforce }, request);
    if (enforce) {
      // Accepted members only: an invitee learns the rule from the invitation before accepting.
      for (const member of store.orgs.members(org.id)) {
        const user = store.users.findById(member.userId);
        if (user && !twoFactor.isEnabled(user.id)) {
          tell(user, `${org.name} now requires two-factor authentication`, `${org.name} now requires two-factor authentication. Set it up at your next sign-in, or leave the organisation on the Teams page.`);
        }
      }
    }
    return { ok: true as const };
  });
};
