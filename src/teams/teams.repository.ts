// Thin data access for teams: their roles, device access and the memberships in them. Workspace id
// first, always. Every change publishes a workspace invalidation in its transaction: a team's grants
// reach every principal in it, and which principals those are is not known to the cache's keys.
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { DeviceAccess } from '../authorization/device-rules';
import type { Holdings } from '../authorization/grants';
import { groupHoldings, IN_TEAM } from '../authorization/holdings-query';
import { Invalidation } from '../cache/invalidation';
import type { KeysetPosition } from '../common/pagination';
import { WorkspaceScoped } from '../database/workspace-scoped';

export interface TeamRecord {
  id: string;
  workspaceId: string;
  name: string;
  description: string | null;
  createdAt: Date;
  updatedAt: Date;
  roles: Array<{ id: string; name: string; permissions: string[]; builtIn: string | null }>;
  deviceAccess: DeviceAccess;
  members: Array<{ userId: string; email: string; name: string }>;
  apiUsers: Array<{ id: string; name: string }>;
}

export type TeamPrincipal = { type: 'user' | 'api_user'; id: string };

@Injectable()
@WorkspaceScoped()
export class TeamsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly invalidation: Invalidation,
  ) {}

  /** Cached access rows of the workspace go: coarse, but one event whatever the team's size. */
  private changed(workspaceId: string, em: EntityManager): Promise<void> {
    return this.invalidation.publish(em, { kind: 'workspace', id: workspaceId });
  }

  async insert(
    workspaceId: string,
    team: { id: string; name: string; description: string | null; roleIds: string[]; deviceAccess: DeviceAccess; at: Date },
    em: EntityManager,
  ): Promise<void> {
    await em.query(
      `INSERT INTO teams (id, workspace_id, name, description, device_access, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)`,
      [team.id, workspaceId, team.name, team.description, team.deviceAccess.mode, team.at],
    );
    await this.writeGrants(workspaceId, team.id, team.roleIds, team.deviceAccess, em);
    await this.changed(workspaceId, em);
  }

  async update(
    workspaceId: string,
    teamId: string,
    changes: { name: string; description: string | null; roleIds: string[]; deviceAccess: DeviceAccess; at: Date },
    em: EntityManager,
  ): Promise<void> {
    await em.query(
      `UPDATE teams SET name = $3, description = $4, device_access = $5, updated_at = $6 WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, teamId, changes.name, changes.description, changes.deviceAccess.mode, changes.at],
    );
    await em.query(`DELETE FROM team_roles WHERE workspace_id = $1 AND team_id = $2`, [workspaceId, teamId]);
    await em.query(`DELETE FROM team_devices WHERE workspace_id = $1 AND team_id = $2`, [workspaceId, teamId]);
    await this.writeGrants(workspaceId, teamId, changes.roleIds, changes.deviceAccess, em);
    await this.changed(workspaceId, em);
  }

  /** Its roles, devices and memberships go with it (cascades). */
  async delete(workspaceId: string, teamId: string, em: EntityManager): Promise<void> {
    await em.query(`DELETE FROM teams WHERE workspace_id = $1 AND id = $2`, [workspaceId, teamId]);
    await this.changed(workspaceId, em);
  }

  private async writeGrants(
    workspaceId: string,
    teamId: string,
    roleIds: string[],
    access: DeviceAccess,
    em: EntityManager,
  ): Promise<void> {
    if (roleIds.length > 0) {
      await em.query(`INSERT INTO team_roles (workspace_id, team_id, role_id) SELECT $1, $2, unnest($3::uuid[])`, [
        workspaceId,
        teamId,
        roleIds,
      ]);
    }
    if (access.mode === 'selected' && access.deviceIds.length > 0) {
      await em.query(`INSERT INTO team_devices (workspace_id, team_id, device_id) SELECT $1, $2, unnest($3::uuid[])`, [
        workspaceId,
        teamId,
        access.deviceIds,
      ]);
    }
  }

  /** The principal's membership id in the workspace, or null when it is not in it. */
  async membershipOf(workspaceId: string, who: TeamPrincipal, em: EntityManager): Promise<string | null> {
    const column = who.type === 'user' ? 'user_id' : 'api_user_id';
    const rows: Array<{ id: string }> = await em.query(`SELECT id FROM memberships WHERE workspace_id = $1 AND ${column} = $2`, [
      workspaceId,
      who.id,
    ]);
    return rows[0]?.id ?? null;
  }

  /** true when the membership was not in the team before. */
  async addMember(workspaceId: string, teamId: string, membershipId: string, at: Date, em: EntityManager): Promise<boolean> {
    const rows = await em.query(
      `INSERT INTO team_members (workspace_id, team_id, membership_id, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING RETURNING membership_id`,
      [workspaceId, teamId, membershipId, at],
    );
    if (rows.length > 0) await this.changed(workspaceId, em);
    return rows.length > 0;
  }

  /** true when the membership was in the team. */
  async removeMember(workspaceId: string, teamId: string, membershipId: string, em: EntityManager): Promise<boolean> {
    // In a CTE: the driver answers a bare DELETE with [rows, count], not rows.
    const rows: Array<{ n: number }> = await em.query(
      `WITH gone AS (DELETE FROM team_members WHERE workspace_id = $1 AND team_id = $2 AND membership_id = $3 RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [workspaceId, teamId, membershipId],
    );
    if (rows[0].n > 0) await this.changed(workspaceId, em);
    return rows[0].n > 0;
  }

  /**
   * What the principals in a team (members and API users) hold together, owners left out (an owner holds
   * everything whatever its teams): the union of their permissions and of their devices, through their
   * own grants and every team they are in, this one included (WorkspacesRepository.roleHoldings for a role).
   */
  async holdings(workspaceId: string, teamId: string, em: EntityManager): Promise<Holdings> {
    return groupHoldings(em, workspaceId, IN_TEAM, teamId);
  }

  async countMembers(workspaceId: string, teamId: string, em: EntityManager): Promise<number> {
    const rows = await em.query(`SELECT count(*)::int AS n FROM team_members WHERE workspace_id = $1 AND team_id = $2`, [
      workspaceId,
      teamId,
    ]);
    return rows[0].n;
  }

  async find(workspaceId: string, teamId: string, em: EntityManager = this.dataSource.manager): Promise<TeamRecord | null> {
    const rows = await this.select(workspaceId, ['t.id = $2'], [teamId], 1, em);
    return rows[0] ?? null;
  }

  list(workspaceId: string, after: KeysetPosition | null, limit: number): Promise<TeamRecord[]> {
    return after
      ? this.select(workspaceId, ['(t.created_at, t.id) < ($2, $3)'], [after.createdAt, after.id], limit + 1, this.dataSource.manager)
      : this.select(workspaceId, [], [], limit + 1, this.dataSource.manager);
  }

  private async select(workspaceId: string, where: string[], params: unknown[], limit: number, em: EntityManager): Promise<TeamRecord[]> {
    const rows = await em.query(
      `SELECT t.id, t.workspace_id AS "workspaceId", t.name, t.description, t.device_access AS mode,
              t.created_at AS "createdAt", t.updated_at AS "updatedAt",
              COALESCE((SELECT json_agg(json_build_object('id', r.id, 'name', r.name, 'permissions', r.permissions, 'builtIn', r.built_in) ORDER BY r.name)
                          FROM team_roles tr JOIN roles r ON r.workspace_id = tr.workspace_id AND r.id = tr.role_id
                         WHERE tr.workspace_id = t.workspace_id AND tr.team_id = t.id), '[]') AS roles,
              COALESCE((SELECT array_agg(td.device_id ORDER BY td.device_id) FROM team_devices td
                         WHERE td.workspace_id = t.workspace_id AND td.team_id = t.id), '{}') AS "deviceIds",
              COALESCE((SELECT json_agg(json_build_object('userId', u.id, 'email', u.email, 'name', u.name) ORDER BY lower(u.email))
                          FROM team_members tm JOIN memberships m ON m.workspace_id = tm.workspace_id AND m.id = tm.membership_id
                          JOIN users u ON u.id = m.user_id
                         WHERE tm.workspace_id = t.workspace_id AND tm.team_id = t.id), '[]') AS members,
              COALESCE((SELECT json_agg(json_build_object('id', a.id, 'name', a.name) ORDER BY lower(a.name))
                          FROM team_members tm JOIN memberships m ON m.workspace_id = tm.workspace_id AND m.id = tm.membership_id
                          JOIN api_users a ON a.workspace_id = m.workspace_id AND a.id = m.api_user_id
                         WHERE tm.workspace_id = t.workspace_id AND tm.team_id = t.id), '[]') AS "apiUsers"
         FROM teams t
        WHERE t.workspace_id = $1${where.map((w) => ` AND ${w}`).join('')}
        ORDER BY t.created_at DESC, t.id DESC LIMIT ${limit}`,
      [workspaceId, ...params],
    );
    return rows.map((row: TeamRecord & { mode: 'all' | 'selected'; deviceIds: string[] }) => {
      const { mode, deviceIds, ...rest } = row;
      return { ...rest, deviceAccess: mode === 'all' ? { mode: 'all' } : { mode: 'selected', deviceIds } } as TeamRecord;
    });
  }
}
