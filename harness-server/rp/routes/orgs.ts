// Organisations (teams): whoever creates one is its admin; the admin adds members by
// username, sees each member's 2FA status and can require 2FA of everyone.
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '../../plugins/typebox.ts';
import type { Membership } from '../db/organisations.ts';
import { isConstraintError } from '../db/store.ts';
import type { User } from '../db/users.ts';
import { conflict, forbidden, notFound } from '../services/http-error.ts';
import { EnforceBody, MemberBody, MemberParams, Ok, OrgBody, OrgList, OrgParams } from '../schemas.ts';
import { iso } from './common.ts';

export const orgRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { rp } = app;
  const { store, settings, twoFactor } = rp;

  const adminOf = (user: User, orgId: number): Membership => {
    const membership = store.orgs.membershipsOf(user.id).find((m) => m.org.id === orgId);
    if (!membership) throw notFound('No such organisation');
    if (membership.role !== 'admin') throw forbidden('Only the organisation admin can do this');
    return membership;
  };

  const tell = (user: User, subject: string, text: string): void => {
    if (user.email) rp.mailer.send(user.id, user.email, { subject, body: `Hello ${user.username},\n\n${text}\n\n— ${settings.rpName}\n` });
  };

  app.get('/api/orgs', { schema: { response: { 200: OrgList } } }, async (request) => {
    const user = app.auth.user(request);
    return {
      orgs: store.orgs.membershipsOf(user.id).map(({ org, role }) => ({
        id: org.id,
        name: org.name,
        role,
        enforce2fa: org.enforce2fa,
        members:
          role === 'admin'
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

  app.post('/api/orgs/:id/members', { schema: { params: OrgParams, body: MemberBody, response: { 200: Ok } } }, async (request) => {
    const admin = app.auth.user(request);
    const { org } = adminOf(admin, request.params.id);
    const member = store.users.findByUsername(request.body.username);
    if (!member) throw notFound(`No account named "${request.body.username}"`);
    try {
      store.orgs.addMember(org.id, member.id, settings.now());
    } catch (error) {
      if (isConstraintError(error)) throw conflict(`${member.username} is already a member`);
      throw error;
    }
    rp.auditor.record(admin.id, 'org.member-added', { org: org.name, member: member.username }, request);
    rp.auditor.record(member.id, 'org.member-added', { org: org.name, by: admin.username }, request);
    tell(
      member,
      `You joined ${org.name} on ${settings.rpName}`,
      `${admin.username} added you to ${org.name}.` +
        (org.enforce2fa ? ' This organisation requires two-factor authentication: you will be asked to set it up.' : ''),
    );
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
      for (const member of store.orgs.members(org.id)) {
        const user = store.users.findById(member.userId);
        if (user && !twoFactor.isEnabled(user.id)) {
          tell(user, `${org.name} now requires two-factor authentication`, `${org.name} now requires two-factor authentication. Set it up at your next sign-in.`);
        }
      }
    }
    return { ok: true as const };
  });
};
