// Thin data access for workspaces, roles and memberships. Every tenant-scoped method takes the
// workspace id first and refuses an empty one; "not yours" is indistinguishable from "not there".
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { Invalidation } from '../cache/invalidation';
import type { DeviceAccess } from '../authorization/device-rules';
import { Holdings, isOwnerRoleSql } from '../authorization/grants';
import { groupHoldings, HOLDS_ROLE } from '../authorization/holdings-query';
import { BUILT_IN_ROLES, BuiltInRole } from '../authorization/permissions';
import type { KeysetPosition } from '../common/pagination';
import { requireId } from '../database/workspace-scoped';
import type { MemberRecord, RoleRecord, WorkspaceRecord } from './workspace.records';
import { WorkspaceScoped } from '../database/workspace-scoped';

const WORKSPACE_COLUMNS = `w.id, w.name, w.slug, w.token_max_lifetime_days AS "maxLifetimeDays",
  w.allow_personal_tokens AS "allowPersonalTokens", w.revoke_unused_after_days AS "revokeUnusedAfterDays", w.created_at AS "createdAt", w.updated_at AS "updatedAt"`;
const ROLE_COLUMNS = `r.id, r.workspace_id AS "workspaceId", r.name, r.description, r.permissions, r.built_in AS "builtIn",
  r.created_at AS "createdAt", r.updated_at AS "updatedAt"`;

@Injectable()
@WorkspaceScoped({ notScoped: ['insert', 'listForPrincipal'] })
export class WorkspacesRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly invalidation: Invalidation,
  ) {}

  /** Everything below changes what principals may do in the workspace: cached access there goes. */
  private changed(workspaceId: string, em: EntityManager): Promise<void> {
    return this.invalidation.publish(em, { kind: 'workspace', id: workspaceId });
  }

  // --- workspaces -----------------------------------------------------------------------------

  async insert(workspace: WorkspaceRecord, em: EntityManager): Promise<void> {
    await em.query(
      `INSERT INTO workspaces (id, name, slug, token_max_lifetime_days, allow_personal_tokens, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        workspace.id,
        workspace.name,
        workspace.slug,
        workspace.maxLifetimeDays,
        workspace.allowPersonalTokens,
        workspace.createdAt,
        workspace.updatedAt,
      ],
    );
  }

  async find(workspaceId: string, em: EntityManager = this.dataSource.manager): Promise<WorkspaceRecord | null> {
    const rows = await em.query(`SELECT ${WORKSPACE_COLUMNS} FROM workspaces w WHERE w.id = $1`, [workspaceId]);
    return rows[0] ?? null;
  }

  async update(
    workspaceId: string,
    changes: Partial<Pick<WorkspaceRecord, 'name' | 'slug' | 'maxLifetimeDays' | 'allowPersonalTokens' | 'revokeUnusedAfterDays'>> & {
      updatedAt: Date;
    },
    em: EntityManager,
  ): Promise<void> {
    const columns: Record<string, string> = {
      name: 'name',
      slug: 'slug',
      maxLifetimeDays: 'token_max_lifetime_days',
      allowPersonalTokens: 'allow_personal_tokens',
      revokeUnusedAfterDays: 'revoke_unused_after_days',
      updatedAt: 'updated_at',
    };
    const entries = Object.entries(changes).filter(([, v]) => v !== undefined);
    const sets = entries.map(([key], i) => `${columns[key]} = $${i + 2}`);
    await em.query(`UPDATE workspaces SET ${sets.join(', ')} WHERE id = $1`, [workspaceId, ...entries.map(([, v]) => v)]);
    await this.changed(workspaceId, em);
  }

  /** Locks every invitation of the workspace for the rest of the transaction. */
  async lockInvitations(workspaceId: string, em: EntityManager): Promise<void> {
    await em.query(`SELECT id FROM invitations WHERE workspace_id = $1 FOR UPDATE`, [workspaceId]);
  }

  /** Everything inside goes with it (cascades); tokens restricted to it lose it from their restriction. */
  async delete(workspaceId: string, em: EntityManager): Promise<void> {
    await em.query(
      `UPDATE tokens SET workspace_ids = array_remove(workspace_ids, $1::uuid), blocked_workspace_ids = array_remove(blocked_workspace_ids, $1::uuid)
        WHERE $1::uuid = ANY(workspace_ids) OR $1::uuid = ANY(blocked_workspace_ids)`,
      [workspaceId],
    );
    await em.query(`DELETE FROM invitations WHERE workspace_id = $1`, [workspaceId]);
    await em.query(`DELETE FROM membership_roles WHERE workspace_id = $1`, [workspaceId]);
    // Role references are RESTRICT: they go before the roles do.
    await em.query(`DELETE FROM team_roles WHERE workspace_id = $1`, [workspaceId]);
    await em.query(`DELETE FROM workspaces WHERE id = $1`, [workspaceId]);
    await this.changed(workspaceId, em);
  }

  /**
   * The principal's workspaces with its roles there, newest membership first: a user's memberships, or
   * an API user's one workspace. `visibleIds`: the token's restriction (null: every workspace);
   * `blockedIds`: the workspaces that cut the token off, which it no longer sees.
   */
  listForPrincipal(
    who: { type: 'user' | 'api_user'; id: string },
    visibleIds: string[] | null,
    blockedIds: readonly string[],
    after: KeysetPosition | null,
    limit: number,
  ): Promise<Array<WorkspaceRecord & { roles: Array<{ id: string; name: string }>; membershipCreatedAt: Date; membershipId: string }>> {
    const params: unknown[] = [requireId(who.id)];
    const where = [who.type === 'user' ? 'm.user_id = $1' : 'm.api_user_id = $1'];
    if (visibleIds) where.push(`m.workspace_id = ANY($${params.push(visibleIds)}::uuid[])`);
    if (blockedIds.length > 0) where.push(`m.workspace_id <> ALL($${params.push([...blockedIds])}::uuid[])`);
    if (after) where.push(`(m.created_at, m.id) < ($${params.push(after.createdAt)}, $${params.push(after.id)})`);
    return this.dataSource.query(
      `SELECT ${WORKSPACE_COLUMNS}, m.id AS "membershipId", m.created_at AS "membershipCreatedAt",
                COALESCE((SELECT json_agg(json_build_object('id', r.id, 'name', r.name) ORDER BY r.name)
                            FROM membership_roles mr JOIN roles r ON r.workspace_id = mr.workspace_id AND r.id = mr.role_id
                           WHERE mr.workspace_id = m.workspace_id AND mr.membership_id = m.id), '[]') AS roles
           FROM memberships m JOIN workspaces w ON w.id = m.workspace_id
          WHERE ${where.join(' AND ')}
          ORDER BY m.created_at DESC, m.id DESC LIMIT ${limit + 1}`,
      params,
    );
  }

  // --- roles ----------------------------------------------------------------------------------

  async insertBuiltInRoles(workspaceId: string, at: Date, em: EntityManager): Promise<Record<BuiltInRole, string>> {
    const ids = {} as Record<BuiltInRole, string>;
    for (const [name, role] of Object.entries(BUILT_IN_ROLES) as Array<[BuiltInRole, (typeof BUILT_IN_ROLES)[BuiltInRole]]>) {
      ids[name] = randomUUID();
      await this.insertRole(
        workspaceId,
        {
          id: ids[name],
          name,
          description: role.description,
          permissions: role.permissions,
          builtIn: name,
          createdAt: at,
          updatedAt: at,
        },
        em,
      );
    }
    return ids;
  }

  async insertRole(workspaceId: string, role: Omit<RoleRecord, 'workspaceId'>, em: EntityManager): Promise<void> {
    await em.query(
      `INSERT INTO roles (id, workspace_id, name, description, permissions, built_in, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [role.id, workspaceId, role.name, role.description, role.permissions, role.builtIn, role.createdAt, role.updatedAt],
    );
  }

  /** How many roles the workspace holds (exact under its lock). */
  async countRoles(workspaceId: string, em: EntityManager): Promise<number> {
    const rows: Array<{ n: number }> = await em.query(`SELECT count(*)::int AS n FROM roles WHERE workspace_id = $1`, [workspaceId]);
    return rows[0].n;
  }

  listRoles(workspaceId: string): Promise<RoleRecord[]> {
    return this.dataSource.query(
      `SELECT ${ROLE_COLUMNS} FROM roles r WHERE r.workspace_id = $1
        ORDER BY r.built_in IS NULL, array_position(ARRAY['owner','admin','member','viewer'], r.built_in), lower(r.name)`,
      [workspaceId],
    );
  }

  async findRole(workspaceId: string, roleId: string, em: EntityManager = this.dataSource.manager): Promise<RoleRecord | null> {
    const rows = await em.query(`SELECT ${ROLE_COLUMNS} FROM roles r WHERE r.workspace_id = $1 AND r.id = $2`, [workspaceId, roleId]);
    return rows[0] ?? null;
  }

  findRoles(workspaceId: string, roleIds: string[], em: EntityManager = this.dataSource.manager): Promise<RoleRecord[]> {
    return em.query(`SELECT ${ROLE_COLUMNS} FROM roles r WHERE r.workspace_id = $1 AND r.id = ANY($2::uuid[])`, [workspaceId, roleIds]);
  }

  async updateRole(
    workspaceId: string,
    roleId: string,
    changes: Pick<RoleRecord, 'name' | 'description' | 'permissions' | 'updatedAt'>,
    em: EntityManager,
  ): Promise<void> {
    await em.query(`UPDATE roles SET name = $3, description = $4, permissions = $5, updated_at = $6 WHERE workspace_id = $1 AND id = $2`, [
      workspaceId,
      roleId,
      changes.name,
      changes.description,
      changes.permissions,
      changes.updatedAt,
    ]);
    await this.changed(workspaceId, em);
  }

  async deleteRole(workspaceId: string, roleId: string, em: EntityManager): Promise<void> {
    await em.query(`DELETE FROM roles WHERE workspace_id = $1 AND id = $2`, [workspaceId, roleId]);
    await this.changed(workspaceId, em);
  }

  /** Is the role held by a member, an API user or a team, or offered by a pending invitation? */
  async roleInUse(workspaceId: string, roleId: string, now: Date, em: EntityManager): Promise<boolean> {
    const rows = await em.query(
      `SELECT EXISTS (SELECT 1 FROM membership_roles WHERE workspace_id = $1 AND role_id = $2)
           OR EXISTS (SELECT 1 FROM team_roles WHERE workspace_id = $1 AND role_id = $2)
           OR EXISTS (SELECT 1 FROM invitations WHERE workspace_id = $1 AND $2 = ANY(role_ids)
                        AND accepted_at IS NULL AND declined_at IS NULL AND revoked_at IS NULL AND expires_at > $3) AS used`,
      [workspaceId, roleId, now],
    );
    return rows[0].used;
  }

  // --- memberships ----------------------------------------------------------------------------

  /** A new membership (a user's or an API user's) with its roles and device grants. */
  async insertMembership(
    workspaceId: string,
    membership: { id: string; userId: string | null; apiUserId: string | null; roleIds: string[]; deviceAccess: DeviceAccess; at: Date },
    em: EntityManager,
  ): Promise<void> {
    const { id, deviceAccess } = membership;
    await em.query(
      `INSERT INTO memberships (id, workspace_id, user_id, api_user_id, device_access, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $6)`,
      [id, workspaceId, membership.userId, membership.apiUserId, deviceAccess.mode, membership.at],
    );
    await em.query(`INSERT INTO membership_roles (workspace_id, membership_id, role_id) SELECT $1, $2, unnest($3::uuid[])`, [
      workspaceId,
      id,
      membership.roleIds,
    ]);
    if (deviceAccess.mode === 'selected' && deviceAccess.deviceIds.length > 0) {
      await em.query(`INSERT INTO membership_devices (workspace_id, membership_id, device_id) SELECT $1, $2, unnest($3::uuid[])`, [
        workspaceId,
        id,
        deviceAccess.deviceIds,
      ]);
    }
  }

  async setMembershipRoles(workspaceId: string, membershipId: string, roleIds: string[], em: EntityManager): Promise<void> {
    await em.query(`DELETE FROM membership_roles WHERE workspace_id = $1 AND membership_id = $2`, [workspaceId, membershipId]);
    await em.query(`INSERT INTO membership_roles (workspace_id, membership_id, role_id) SELECT $1, $2, unnest($3::uuid[])`, [
      workspaceId,
      membershipId,
      roleIds,
    ]);
    await this.changed(workspaceId, em);
  }

  async setMembershipDevices(workspaceId: string, membershipId: string, access: DeviceAccess, at: Date, em: EntityManager): Promise<void> {
    await em.query(`UPDATE memberships SET device_access = $3, updated_at = $4 WHERE workspace_id = $1 AND id = $2`, [
      workspaceId,
      membershipId,
      access.mode,
      at,
    ]);
    await em.query(`DELETE FROM membership_devices WHERE workspace_id = $1 AND membership_id = $2`, [workspaceId, membershipId]);
    if (access.mode === 'selected' && access.deviceIds.length > 0) {
      await em.query(`INSERT INTO membership_devices (workspace_id, membership_id, device_id) SELECT $1, $2, unnest($3::uuid[])`, [
        workspaceId,
        membershipId,
        access.deviceIds,
      ]);
    }
    await this.changed(workspaceId, em);
  }

  /** A membership goes (src/workspaces/membership-end.ts says what goes with it); the user it was, or null when gone already. */
  async deleteMembership(workspaceId: string, membershipId: string, em: EntityManager): Promise<string | null> {
    const [ended]: [Array<{ userId: string }>, number] = await em.query(
      `DELETE FROM memberships WHERE workspace_id = $1 AND id = $2 RETURNING user_id AS "userId"`,
      [workspaceId, membershipId],
    );
    await this.changed(workspaceId, em);
    return ended[0]?.userId ?? null;
  }

  /**
   * What the holders of a role (members and API users) hold together, owners left out (an owner holds
   * everything whatever its other roles): the union of their permissions and of their devices.
   */
  async roleHoldings(workspaceId: string, roleId: string, em: EntityManager): Promise<Holdings> {
    return groupHoldings(em, workspaceId, HOLDS_ROLE, roleId);
  }

  /**
   * Owners other than the given membership who can act: an account deactivated by a platform admin holds
   * the role but can do nothing with it, so it does not keep the workspace owned (review 15, R15B-2).
   * Exact under the workspace's lock; the owners' user rows are held (FOR SHARE) to the transaction's end,
   * so a deactivation racing this waits for it and cannot leave the workspace with no owner who can act.
   */
  async countOtherActiveOwners(workspaceId: string, exceptMembershipId: string, em: EntityManager): Promise<number> {
    const rows: Array<{ id: string }> = await em.query(
      `SELECT u.id
         FROM membership_roles mr
         JOIN roles r ON r.workspace_id = mr.workspace_id AND r.id = mr.role_id
         JOIN memberships m ON m.workspace_id = mr.workspace_id AND m.id = mr.membership_id
         JOIN users u ON u.id = m.user_id
        WHERE mr.workspace_id = $1 AND ${isOwnerRoleSql('r')} AND mr.membership_id <> $2 AND u.status = 'active'
        ORDER BY u.id
          FOR SHARE OF u`,
      [workspaceId, exceptMembershipId],
    );
    return new Set(rows.map((row) => row.id)).size;
  }

  async findMember(workspaceId: string, userId: string, em: EntityManager = this.dataSource.manager): Promise<MemberRecord | null> {
    const rows = await this.members(workspaceId, ['m.user_id = $2'], [userId], 1, em);
    return rows[0] ?? null;
  }

  listMembers(workspaceId: string, after: KeysetPosition | null, limit: number): Promise<MemberRecord[]> {
    const where = ['m.user_id IS NOT NULL'];
    const params: unknown[] = [];
    if (after) {
      where.push(`(m.created_at, m.id) < ($2, $3)`);
      params.push(after.createdAt, after.id);
    }
    return this.members(workspaceId, where, params, limit + 1, this.dataSource.manager);
  }

  private async members(
    workspaceId: string,
    where: string[],
    params: unknown[],
    limit: number,
    em: EntityManager,
  ): Promise<MemberRecord[]> {
    const rows = await em.query(
      `SELECT m.id AS "membershipId", m.id, m.user_id AS "userId", u.email, u.name, m.device_access AS mode,
              m.created_at AS "createdAt",
              COALESCE((SELECT json_agg(json_build_object('id', r.id, 'name', r.name, 'builtIn', r.built_in) ORDER BY r.name)
                          FROM membership_roles mr JOIN roles r ON r.workspace_id = mr.workspace_id AND r.id = mr.role_id
                         WHERE mr.workspace_id = m.workspace_id AND mr.membership_id = m.id), '[]') AS roles,
              COALESCE((SELECT array_agg(md.device_id ORDER BY md.device_id) FROM membership_devices md
                         WHERE md.workspace_id = m.workspace_id AND md.membership_id = m.id), '{}') AS "deviceIds"
         FROM memberships m JOIN users u ON u.id = m.user_id
        WHERE m.workspace_id = $1 AND ${where.join(' AND ')}
        ORDER BY m.created_at DESC, m.id DESC LIMIT ${limit}`,
      [workspaceId, ...params],
    );
    return rows.map((row: MemberRecord & { mode: 'all' | 'selected'; deviceIds: string[] }) => ({
      ...row,
      deviceAccess: row.mode === 'all' ? { mode: 'all' } : { mode: 'selected', deviceIds: row.deviceIds },
    }));
  }
}
