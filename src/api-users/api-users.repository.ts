// Thin data access for API users. Workspace id first, always.
import { type Maker, makerColumns } from '../authorization/made-by';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Invalidation } from '../cache/invalidation';
import type { DeviceAccess } from '../authorization/device-rules';
import type { KeysetPosition } from '../common/pagination';
import { WorkspaceScoped } from '../database/workspace-scoped';
import type { RateLimitSetting } from '../rate-limits/token-rate-limit';

export interface ApiUserRecord {
  id: string;
  workspaceId: string;
  name: string;
  status: 'active' | 'disabled';
  createdByUserId: string | null;
  createdAt: Date;
  updatedAt: Date;
  membershipId: string;
  roles: Array<{ id: string; name: string; permissions: string[]; builtIn: string | null }>;
  deviceAccess: DeviceAccess;
  rateLimit: number | null;
  rateLimitWindowSeconds: number | null;
  /** Every token of it is usable only from these networks (normalised); null: any network. */
  allowedCidrs: string[] | null;
}

@Injectable()
@WorkspaceScoped()
export class ApiUsersRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly invalidation: Invalidation,
  ) {}

  async insert(
    workspaceId: string,
    apiUser: Pick<ApiUserRecord, 'id' | 'name' | 'createdAt' | 'allowedCidrs'> & { rateLimit?: RateLimitSetting | null },
    madeBy: Maker,
    em: EntityManager,
  ): Promise<void> {
    await em.query(
      `INSERT INTO api_users (id, workspace_id, name, status, created_by_user_id, created_by_api_user_id, created_by_token_id,
                              created_at, updated_at, rate_limit, rate_limit_window_seconds, allowed_cidrs)
       VALUES ($1, $2, $3, 'active', $4, $5, $6, $7, $7, $8, $9, $10::text[])`,
      [
        apiUser.id,
        workspaceId,
        apiUser.name,
        ...makerColumns(madeBy),
        apiUser.createdAt,
        apiUser.rateLimit?.limit ?? null,
        apiUser.rateLimit?.windowSeconds ?? null,
        apiUser.allowedCidrs,
      ],
    );
  }

  async find(workspaceId: string, apiUserId: string, em: EntityManager = this.dataSource.manager): Promise<ApiUserRecord | null> {
    const rows = await this.select(workspaceId, ['a.id = $2'], [apiUserId], 1, em);
    return rows[0] ?? null;
  }

  /** As find(), with the API user's row locked until the transaction ends. */
  async findLocked(workspaceId: string, apiUserId: string, em: EntityManager): Promise<ApiUserRecord | null> {
    await em.query(`SELECT id FROM api_users WHERE workspace_id = $1 AND id = $2 FOR UPDATE`, [workspaceId, apiUserId]);
    const rows = await this.select(workspaceId, ['a.id = $2'], [apiUserId], 1, em);
    return rows[0] ?? null;
  }

  list(workspaceId: string, after: KeysetPosition | null, limit: number): Promise<ApiUserRecord[]> {
    return after
      ? this.select(workspaceId, ['(a.created_at, a.id) < ($2, $3)'], [after.createdAt, after.id], limit + 1, this.dataSource.manager)
      : this.select(workspaceId, [], [], limit + 1, this.dataSource.manager);
  }

  async update(
    workspaceId: string,
    apiUserId: string,
    changes: {
      name: string;
      status: 'active' | 'disabled';
      updatedAt: Date;
      rateLimit: RateLimitSetting | null;
      allowedCidrs: string[] | null;
    },
    em: EntityManager,
  ): Promise<void> {
    await em.query(
      `UPDATE api_users SET name = $3, status = $4, updated_at = $5, rate_limit = $6, rate_limit_window_seconds = $7, allowed_cidrs = $8::text[]
        WHERE workspace_id = $1 AND id = $2`,
      [
        workspaceId,
        apiUserId,
        changes.name,
        changes.status,
        changes.updatedAt,
        changes.rateLimit?.limit ?? null,
        changes.rateLimit?.windowSeconds ?? null,
        changes.allowedCidrs,
      ],
    );
    await this.invalidation.publish(em, { kind: 'api_user', id: apiUserId });
  }

  /** Its membership, roles, device grants and tokens go with it (foreign keys cascade). */
  async delete(workspaceId: string, apiUserId: string, em: EntityManager): Promise<void> {
    await this.handOnWhatItMade(workspaceId, apiUserId, em);
    await em.query(`DELETE FROM api_users WHERE workspace_id = $1 AND id = $2`, [workspaceId, apiUserId]);
    await this.invalidation.publish(em, { kind: 'api_user', id: apiUserId });
  }

  /**
   * Before an API user goes (its tokens with it), what it made with them is recorded as made by its own
   * maker, so the chain of makers a squatted account's reset follows does not break where a squatter
   * deleted an API user it had made (review 18a; src/authorization/made-by.ts). Rows elsewhere only:
   * its own tokens, trust rules and memberships go with it.
   */
  private async handOnWhatItMade(workspaceId: string, apiUserId: string, em: EntityManager): Promise<void> {
    const madeBy = `(SELECT created_by_user_id AS u, created_by_api_user_id AS a, created_by_token_id AS t
                       FROM api_users WHERE workspace_id = $1 AND id = $2)`;
    const itsTokens = `(SELECT id FROM tokens WHERE api_user_id = $2)`;
    // Its own rows go with it; elsewhere, the maker recorded becomes its maker (for an invitation, only
    // the token: its inviter stays, and an invitation whose inviter is gone stays lapsed).
    const maker = 'created_by_token_id = m.t, created_by_user_id = m.u, created_by_api_user_id = m.a';
    const handOn: Array<[table: string, set: string, notItsOwn: string]> = [
      ['tokens', maker, 'api_user_id IS DISTINCT FROM $2'],
      ['api_users', maker, 'id <> $2'],
      ['api_user_trust_rules', maker, 'api_user_id <> $2'],
      ['webhook_endpoints', maker, 'true'],
      ['invitations', 'invited_by_token_id = m.t', 'true'],
    ];
    for (const [table, set, notItsOwn] of handOn) {
      const tokenColumn = table === 'invitations' ? 'invited_by_token_id' : 'created_by_token_id';
      await em.query(`UPDATE ${table} SET ${set} FROM ${madeBy} AS m WHERE ${tokenColumn} IN ${itsTokens} AND ${notItsOwn}`, [
        workspaceId,
        apiUserId,
      ]);
    }
  }

  private async select(
    workspaceId: string,
    where: string[],
    params: unknown[],
    limit: number,
    em: EntityManager,
  ): Promise<ApiUserRecord[]> {
    const rows = await em.query(
      `SELECT a.id, a.workspace_id AS "workspaceId", a.name, a.status, a.created_by_user_id AS "createdByUserId",
              a.created_at AS "createdAt", a.updated_at AS "updatedAt",
              a.rate_limit AS "rateLimit", a.rate_limit_window_seconds AS "rateLimitWindowSeconds", m.id AS "membershipId", m.device_access AS mode,
              a.allowed_cidrs AS "allowedCidrs",
              COALESCE((SELECT json_agg(json_build_object('id', r.id, 'name', r.name, 'permissions', r.permissions, 'builtIn', r.built_in) ORDER BY r.name)
                          FROM membership_roles mr JOIN roles r ON r.workspace_id = mr.workspace_id AND r.id = mr.role_id
                         WHERE mr.workspace_id = m.workspace_id AND mr.membership_id = m.id), '[]') AS roles,
              COALESCE((SELECT array_agg(md.device_id ORDER BY md.device_id) FROM membership_devices md
                         WHERE md.workspace_id = m.workspace_id AND md.membership_id = m.id), '{}') AS "deviceIds"
         FROM api_users a JOIN memberships m ON m.workspace_id = a.workspace_id AND m.api_user_id = a.id
        WHERE a.workspace_id = $1${where.map((w) => ` AND ${w}`).join('')}
        ORDER BY a.created_at DESC, a.id DESC LIMIT ${limit}`,
      [workspaceId, ...params],
    );
    return rows.map((row: ApiUserRecord & { mode: 'all' | 'selected'; deviceIds: string[] }) => {
      const { mode, deviceIds, ...rest } = row;
      return { ...rest, deviceAccess: mode === 'all' ? { mode: 'all' } : { mode: 'selected', deviceIds } } as ApiUserRecord;
    });
  }
}
