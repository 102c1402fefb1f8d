// organisations, memberships and org_invitations tables: teams whose admin can require 2FA of
// every member. A membership exists only once the invitee accepted an invitation.
import type { Db } from './database.ts';

export type Role = 'admin' | 'member';

export interface Organisation {
  id: number;
  name: string;
  enforce2fa: boolean;
  createdAt: number;
}

export interface Membership {
  org: Organisation;
  role: Role;
}

export interface Member {
  userId: number;
  username: string;
  role: Role;
  joinedAt: number;
}

/** What the admin sees of a pending invitation: only what they typed, existing account or not. */
export interface SentInvitation {
  username: string;
  invitedAt: number;
  expiresAt: number;
}

/** What the invitee sees of an invitation addressed to them. */
export interface ReceivedInvitation {
  org: Organisation;
  invitedBy: string | null;
  expiresAt: number;
}

export type InviteResult = 'invited' | 'renewed' | 'already-member';

interface OrgRow {
  id: number;
  name: string;
  enforce_2fa: number;
  created_at: number;
}

const toOrg = (row: OrgRow): Organisation => ({
  id: row.id,
  name: row.name,
  enforce2fa: row.enforce_2fa === 1,
  createdAt: row.created_at,
});

export class Organisations {
  readonly #create;
  readonly #addMember;
  readonly #removeMember;
  readonly #forUser;
  readonly #members;
  readonly #enforce;
  readonly #enforcingForUser;
  readonly #isMember;
  readonly #findInvitation;
  readonly #upsertInvitation;
  readonly #takeInvitation;
  readonly #cancelInvitation;
  readonly #sent;
  readonly #received;

  constructor(db: Db) {
    this.#create = db.prepare<[string, number], { id: number }>(
      'INSERT INTO organisations (name, created_at) VALUES (?, ?) RETURNING id',
    );
    this.#addMember = db.prepare<[number, number, Role, number]>(
      'INSERT INTO memberships (org_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)',
    );
    this.#removeMember = db.prepare<[number, number]>("DELETE FROM memberships WHERE org_id = ? AND user_id = ? AND role = 'member'");
    this.#forUser = db.prepare<[number], OrgRow & { role: Role }>(
      `SELECT o.*, m.role FROM memberships m JOIN organisations o ON o.id = m.org_id WHERE m.user_id = ? ORDER BY o.name`,
    );
    this.#members = db.prepare<[number], { user_id: number; username: string; role: Role; joined_at: number }>(
      `SELECT m.user_id, u.username, m.role, m.joined_at FROM memberships m JOIN users u ON u.id = m.user_id
       WHERE m.org_id = ? ORDER BY m.role, u.username`,
    );
    this.#enforce = db.prepare<[number, number]>('UPDATE organisations SET enforce_2fa = ? WHERE id = ?');
    this.#enforcingForUser = db.prepare<[number], { name: string }>(
      `SELECT o.name FROM memberships m JOIN organisations o ON o.id = m.org_id
       WHERE m.user_id = ? AND o.enforce_2fa = 1 ORDER BY o.name`,
    );
    this.#isMember = db.prepare<[number, number], { role: Role }>('SELECT role FROM memberships WHERE org_id = ? AND user_id = ?');
    this.#findInvitation = db.prepare<[number, string, number], { user_id: number | null }>(
      'SELECT user_id FROM org_invitations WHERE org_id = ? AND username = ? AND expires_at > ?',
    );
    this.#upsertInvitation = db.prepare<[number, string, number | null, number, number, number]>(
      `INSERT INTO org_invitations (org_id, username, user_id, invited_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (org_id, username) DO UPDATE SET user_id = excluded.user_id, invited_by = excluded.invited_by,
         created_at = excluded.created_at, expires_at = excluded.expires_at`,
    );
    // Spent by the answer (accept or decline): DELETE … RETURNING, so two answers cannot both win.
    this.#takeInvitation = db.prepare<[number, number, number], { org_id: number }>(
      'DELETE FROM org_invitations WHERE org_id = ? AND user_id = ? AND expires_at > ? RETURNING org_id',
    );
    this.#cancelInvitation = db.prepare<[number, string, number]>(
      'DELETE FROM org_invitations WHERE org_id = ? AND username = ? AND expires_at > ?',
    );
    this.#sent = db.prepare<[number, number], { username: string; created_at: number; expires_at: number }>(
      'SELECT username, created_at, expires_at FROM org_invitations WHERE org_id = ? AND expires_at > ? ORDER BY username',
    );
    this.#received = db.prepare<[number, number], OrgRow & { invited_by: string | null; invitation_expires_at: number }>(
      `SELECT o.*, u.username AS invited_by, i.expires_at AS invitation_expires_at
       FROM org_invitations i JOIN organisations o ON o.id = i.org_id LEFT JOIN users u ON u.id = i.invited_by
       WHERE i.user_id = ? AND i.expires_at > ? ORDER BY o.name`,
    );
  }

  /** Throws SQLITE_CONSTRAINT_UNIQUE when the name is taken. The creator becomes its admin. */
  create(name: string, adminId: number, now: number): number {
    const row = this.#create.get(name, now);
    if (!row) throw new Error('INSERT … RETURNING returned no row');
    this.#addMember.run(row.id, adminId, 'admin', now);
    return row.id;
  }

  /**
   * Invites `username` (`userId` null when no account has that name). An unexpired invitation
   * is renewed rather than repeated, so the caller mails only on 'invited'. Call in a transaction.
   */
  invite(orgId: number, username: string, userId: number | null, invitedBy: number, now: number, ttlMs: number): InviteResult {
    if (userId !== null && this.#isMember.get(orgId, userId)) return 'already-member';
    const pending = this.#findInvitation.get(orgId, username, now);
    this.#upsertInvitation.run(orgId, username, userId, invitedBy, now, now + ttlMs);
    return pending && pending.user_id === userId ? 'renewed' : 'invited';
  }

  /** The invitee's yes: the invitation is spent and the membership made. False when none is pending. */
  accept(orgId: number, userId: number, now: number): boolean {
    if (!this.#takeInvitation.get(orgId, userId, now)) return false;
    this.#addMember.run(orgId, userId, 'member', now);
    return true;
  }

  /** The invitee's no. False when none is pending. */
  decline(orgId: number, userId: number, now: number): boolean {
    return this.#takeInvitation.get(orgId, userId, now) !== undefined;
  }

  /** The admin withdraws an invitation. False when none is pending. */
  cancelInvitation(orgId: number, username: string, now: number): boolean {
    return this.#cancelInvitation.run(orgId, username, now).changes === 1;
  }

  /** Pending invitations of an organisation, as the admin typed them. */
  invitationsSent(orgId: number, now: number): SentInvitation[] {
    return this.#sent.all(orgId, now).map((row) => ({ username: row.username, invitedAt: row.created_at, expiresAt: row.expires_at }));
  }

  /** Pending invitations addressed to this account. */
  invitationsFor(userId: number, now: number): ReceivedInvitation[] {
    return this.#received.all(userId, now).map((row) => ({ org: toOrg(row), invitedBy: row.invited_by, expiresAt: row.invitation_expires_at }));
  }

  /** Admins cannot be removed, nor leave (an organisation always keeps its admin). */
  removeMember(orgId: number, userId: number): boolean {
    return this.#removeMember.run(orgId, userId).changes === 1;
  }

  membershipsOf(userId: number): Membership[] {
    return this.#forUser.all(userId).map((row) => ({ org: toOrg(row), role: row.role }));
  }

  members(orgId: number): Member[] {
    return this.#members.all(orgId).map((row) => ({
      userId: row.user_id,
      username: row.username,
      role: row.role,
      joinedAt: row.joined_at,
    }));
  }

  setEnforcement(orgId: number, enforce: boolean): void {
    this.#enforce.run(enforce ? 1 : 0, orgId);
  }

  /** Names of the organisations that require this user to have 2FA. */
  requiring2fa(userId: number): string[] {
    return this.#enforcingForUser.all(userId).map((row) => row.name);
  }
}
