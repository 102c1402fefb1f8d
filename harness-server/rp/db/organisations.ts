// organisations and memberships tables: teams whose admin can require 2FA of every member.
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
  }

  /** Throws SQLITE_CONSTRAINT_UNIQUE when the name is taken. The creator becomes its admin. */
  create(name: string, adminId: number, now: number): number {
    const row = this.#create.get(name, now);
    if (!row) throw new Error('INSERT … RETURNING returned no row');
    this.#addMember.run(row.id, adminId, 'admin', now);
    return row.id;
  }

  /** Throws SQLITE_CONSTRAINT_PRIMARYKEY when already a member. */
  addMember(orgId: number, userId: number, now: number): void {
    this.#addMember.run(orgId, userId, 'member', now);
  }

  /** Admins cannot be removed (an organisation always keeps its admin). */
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
