// What a principal may do in one workspace, resolved at request time in one query:
// membership, roles, permissions, device access and the workspace's token policy.
import { Inject, Injectable } from '@nestjs/common';
import { HotCache, tag } from '../cache/hot-cache';
import { Invalidation } from '../cache/invalidation';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DataSource, EntityManager } from 'typeorm';
import type { AuthenticatedToken, Principal } from '../auth/principal';
import { DomainError, ErrorCode, notFound } from '../common/errors';
import { assertPermissionReach, tokenReach, type DeviceAccess } from './device-rules';
import { Holdings, isOwnerRoleSql } from './grants';
import { assertWorkspaceRule, effectivePermissions, isPermission, Permission, WorkspaceRule } from './permissions';
import { assertPolicyAccepts, TokenPolicy } from './token-policy';
import type { WorkspaceCaller } from './workspace-caller';

export interface WorkspaceAccess {
  workspaceId: string;
  membershipId: string;
  principal: Principal;
  /** The principal's own roles (not its teams'). */
  roleIds: string[];
  /** The teams the principal is in: their roles and device access are part of its rights. */
  teamIds: string[];
  isOwner: boolean;
  /** What the roles (its own and its teams') grant, before the token's scopes are applied. */
  rolePermissions: ReadonlySet<Permission>;
  /** The token's effective rights here: role permissions ∩ token scopes (effectivePermissions). */
  permissions: ReadonlySet<Permission>;
  deviceAccess: DeviceAccess;
  /** The workspace's token policy, as this request's check enforced it. */
  tokenPolicy: TokenPolicy;
}

/** A principal by kind and id: a member's user or an API user. */
export type PrincipalRef = Pick<Principal, 'type' | 'id'>;

interface AccessRow {
  membershipId: string;
  deviceAccess: 'all' | 'selected';
  roleIds: string[];
  teamIds: string[];
  permissions: string[];
  isOwner: boolean;
  deviceIds: string[] | null;
  maxLifetimeDays: number | null;
  allowPersonalTokens: boolean;
  /** Computed once per loaded row, not per request. */
  permissionSet?: ReadonlySet<Permission>;
  deviceAccessValue?: DeviceAccess;
  /** A device-bound token's narrowed access, per token (a cached row serves many requests of it). */
  boundAccess?: WeakMap<AuthenticatedToken, DeviceAccess>;
  /** What each principal's requests are answered from this cached row: the same frozen object every time. */
  accessOf?: WeakMap<Principal, WorkspaceAccess>;
}

/** 401 when a workspace admin cut the token (or its parent) off from this workspace: it reaches nothing there. */
export function assertNotCutOff(token: AuthenticatedToken, workspaceId: string): void {
  if (token.blockedWorkspaceIds.includes(workspaceId)) {
    throw new DomainError(ErrorCode.TokenInvalid, 'The token has been revoked for this workspace.');
  }
}

/**
 * What a principal holds in a workspace, a row per membership (`SELECT ${ACCESS_ROW_COLUMNS}
 * ${ACCESS_ROW_FROM} WHERE …`). Rights are the union of the principal's own grants and its teams':
 * permissions of its roles and its teams' roles; every device if it or any of its teams has "all",
 * else every device any of them selects. roleIds and isOwner stay its own (a team never holds the
 * owner role).
 */
const ACCESS_ROW_COLUMNS = `m.id AS "membershipId",
              CASE WHEN m.device_access = 'all' OR COALESCE(teams.all_devices, false) THEN 'all' ELSE 'selected' END AS "deviceAccess",
              w.token_max_lifetime_days AS "maxLifetimeDays", w.allow_personal_tokens AS "allowPersonalTokens",
              COALESCE(grants.role_ids, '{}') AS "roleIds",
              COALESCE(teams.team_ids, '{}') AS "teamIds",
              COALESCE((SELECT array_agg(DISTINCT p)
                          FROM roles r2 CROSS JOIN LATERAL unnest(r2.permissions) AS p
                         WHERE r2.workspace_id = m.workspace_id
                           AND (r2.id = ANY (grants.role_ids) OR r2.id = ANY (teams.role_ids))), '{}') AS "permissions",
              COALESCE(grants.is_owner, false) AS "isOwner",
              CASE WHEN m.device_access = 'selected' AND NOT COALESCE(teams.all_devices, false)
                   THEN COALESCE((SELECT array_agg(DISTINCT d.device_id) FROM (
                                    SELECT md.device_id FROM membership_devices md
                                     WHERE md.workspace_id = m.workspace_id AND md.membership_id = m.id
                                    UNION ALL
                                    SELECT td.device_id FROM team_devices td
                                     WHERE td.workspace_id = m.workspace_id AND td.team_id = ANY (teams.team_ids)) d), '{}')
              END AS "deviceIds"`;
const ACCESS_ROW_FROM = `FROM memberships m
         JOIN workspaces w ON w.id = m.workspace_id
         LEFT JOIN LATERAL (
           SELECT array_agg(r.id) AS role_ids, bool_or(${isOwnerRoleSql('r')}) AS is_owner
             FROM membership_roles mr
             JOIN roles r ON r.workspace_id = mr.workspace_id AND r.id = mr.role_id
            WHERE mr.workspace_id = m.workspace_id AND mr.membership_id = m.id
         ) grants ON true
         LEFT JOIN LATERAL (
           SELECT array_agg(t.id ORDER BY t.id) AS team_ids, bool_or(t.device_access = 'all') AS all_devices,
                  (SELECT array_agg(tr.role_id) FROM team_roles tr
                    WHERE tr.workspace_id = m.workspace_id AND tr.team_id = ANY (array_agg(t.id))) AS role_ids
             FROM team_members tm
             JOIN teams t ON t.workspace_id = tm.workspace_id AND t.id = tm.team_id
            WHERE tm.workspace_id = m.workspace_id AND tm.membership_id = m.id
         ) teams ON true`;

@Injectable()
export class WorkspaceAccessResolver {
  /** Access rows by principal and workspace (only found ones: outsiders are not remembered). */
  private readonly rows: HotCache<AccessRow>;

  constructor(
    private readonly dataSource: DataSource,
    invalidation: Invalidation,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.rows = new HotCache(config, { tags: rowTags });
    invalidation.subscribe((event) => this.rows.invalidate(event));
  }

  /**
   * 404 when the token cannot see the workspace (not a member, restricted elsewhere, or no such
   * workspace: all read the same); 401 when an admin cut the token off here; 403 token_policy.
   */
  resolve(principal: Principal, workspaceId: string): WorkspaceAccess | Promise<WorkspaceAccess> {
    const token = principal.token;
    if (token.workspaceIds !== null && !token.workspaceIds.includes(workspaceId)) throw notFound('Workspace');
    // A cached row is answered at once, without a promise (the token check's hot path); callers await
    // the result either way, which turns a throw into a rejection.
    const key = rowKey(principal, workspaceId);
    const cached = this.rows.get(key);
    if (cached) return this.decide(principal, workspaceId, cached);
    return this.rows.fill(key, () => this.query(principal, workspaceId)).then((row) => this.decide(principal, workspaceId, row));
  }

  private decide(principal: Principal, workspaceId: string, row: AccessRow | null): WorkspaceAccess {
    this.assertAdmits(principal, workspaceId, row);
    // A cached row and a cached principal never change (a change evicts them): their access is made
    // once, frozen, and handed to every request of theirs, so a repeated check allocates nothing here.
    const memo = (row.accessOf ??= new WeakMap());
    let access = memo.get(principal);
    if (access === undefined) {
      access = Object.freeze(this.toAccess(principal, workspaceId, row));
      memo.set(principal, access);
    }
    return access;
  }

  /**
   * A caller in the workspace under `rule`: the access resolve() answers (404, 401, 403 token_policy),
   * then the rule (403 owner or permission), in that order for every transport.
   */
  async admit(principal: Principal, workspaceId: string, rule: WorkspaceRule): Promise<WorkspaceCaller> {
    const access = await this.resolve(principal, workspaceId);
    assertWorkspaceRule(access, rule);
    if (rule.permission) assertPermissionReach(access.deviceAccess, rule.permission);
    return { ...access, rule };
  }

  /**
   * The caller's access read again inside a transaction, past the cache, for `principal` as its token
   * stands now (CallerHold), with resolve()'s answers: 404, 401 cut off, 403 token_policy. A change that
   * waited for the workspace's lock behind one that removed, demoted or cut off its caller, or changed
   * the policy, acts on what the caller holds now.
   */
  async current(principal: Principal, workspaceId: string, em: EntityManager): Promise<WorkspaceAccess> {
    const row = await this.query(principal, workspaceId, em);
    this.assertAdmits(principal, workspaceId, row);
    return this.toAccess(principal, workspaceId, row);
  }

  /** 404 outside the workspace, 401 when an admin cut the token off here, 403 token_policy. */
  private assertAdmits(principal: Principal, workspaceId: string, row: AccessRow | null): asserts row is AccessRow {
    if (!row) throw notFound('Workspace');
    assertNotCutOff(principal.token, workspaceId);
    this.assertPolicy(principal, row);
  }

  /**
   * What another principal holds in the workspace through its roles, read inside the transaction past
   * the cache (for acting on it: assertCanActOn). null when it is not in the workspace.
   */
  async holdings(who: PrincipalRef, workspaceId: string, em: EntityManager): Promise<Holdings | null> {
    const row = await this.query(who, workspaceId, em);
    return row && { isOwner: row.isOwner, permissions: permissionsOf(row), deviceAccess: deviceAccessOf(row) };
  }

  /** The workspaces the principal is a member of, by id. */
  async memberOf(who: PrincipalRef): Promise<string[]> {
    const column = who.type === 'user' ? 'user_id' : 'api_user_id';
    const rows: Array<{ workspaceId: string }> = await this.dataSource.query(
      `SELECT workspace_id AS "workspaceId" FROM memberships WHERE ${column} = $1 ORDER BY workspace_id`,
      [who.id],
    );
    return rows.map((r) => r.workspaceId);
  }

  private toAccess(principal: Principal, workspaceId: string, row: AccessRow): WorkspaceAccess {
    const rolePermissions = permissionsOf(row);
    const permissions = effectivePermissions(rolePermissions, principal.token.scopes);
    return {
      workspaceId,
      membershipId: row.membershipId,
      principal,
      roleIds: row.roleIds,
      teamIds: row.teamIds,
      isOwner: row.isOwner,
      rolePermissions,
      permissions,
      deviceAccess: tokenDeviceAccessOf(row, principal.token, workspaceId),
      tokenPolicy: row,
    };
  }

  private async query(
    principal: PrincipalRef,
    workspaceId: string,
    em: EntityManager = this.dataSource.manager,
  ): Promise<AccessRow | null> {
    const principalColumn = principal.type === 'user' ? 'user_id' : 'api_user_id';
    const rows: AccessRow[] = await em.query(
      `SELECT ${ACCESS_ROW_COLUMNS} ${ACCESS_ROW_FROM} WHERE m.workspace_id = $1 AND m.${principalColumn} = $2`,
      [workspaceId, principal.id],
    );
    return rows[0] ?? null;
  }

  /**
   * Puts the access rows of these principals (users and API users, by id, the most wanted first) in
   * the cache, at most `limit` of them: the start-up warm-up's, for the principals of the tokens used
   * last (src/checks/check-warm-up.ts). Read in one statement and stored on fill()'s terms, so a change
   * that comes while they are read is not undone; each row is keyed by its own membership's principal
   * and workspace, as its first check would have keyed it. Returns the workspaces of the rows read.
   */
  async prime(principalIds: readonly string[], limit: number, em: EntityManager = this.dataSource.manager): Promise<string[]> {
    if (principalIds.length === 0 || limit <= 0) return [];
    const workspaces = new Set<string>();
    await this.rows.fillMany(async () => {
      const rows: Array<AccessRow & { userId: string | null; apiUserId: string | null; workspaceId: string }> = await em.query(
        `SELECT ${ACCESS_ROW_COLUMNS}, m.user_id AS "userId", m.api_user_id AS "apiUserId", m.workspace_id AS "workspaceId"
                ${ACCESS_ROW_FROM}
          WHERE m.user_id = ANY($1::uuid[]) OR m.api_user_id = ANY($1::uuid[])
          ORDER BY array_position($1::uuid[], COALESCE(m.user_id, m.api_user_id)), m.workspace_id
          LIMIT $2`,
        [principalIds, limit],
      );
      // The principal's columns leave the row, which is then shaped as query()'s (same properties, same order).
      return rows.map(({ userId, apiUserId, workspaceId, ...row }) => {
        workspaces.add(workspaceId);
        const principal: PrincipalRef = userId !== null ? { type: 'user', id: userId } : { type: 'api_user', id: apiUserId as string };
        return [rowKey(principal, workspaceId), row] as const;
      });
    });
    return [...workspaces];
  }

  /** The policy judges the root token: personal and named tokens, and lifetimes over the maximum. */
  private assertPolicy(principal: Principal, row: AccessRow): void {
    assertPolicyAccepts(row, principal.token.root, 'This workspace');
  }
}

/** What the row's roles grant, computed once per loaded row (a cached row serves many requests). */
function permissionsOf(row: AccessRow): ReadonlySet<Permission> {
  return (row.permissionSet ??= new Set(row.permissions.filter(isPermission)));
}

function deviceAccessOf(row: AccessRow): DeviceAccess {
  return (row.deviceAccessValue ??= row.deviceAccess === 'all' ? { mode: 'all' } : { mode: 'selected', deviceIds: row.deviceIds ?? [] });
}

/**
 * The token's device access here (tokenReach), remembered per cached row and token: the guard, the
 * write re-check, /v1/authorize, GraphQL and the caller's `access` view all read it from here.
 */
function tokenDeviceAccessOf(row: AccessRow, token: AuthenticatedToken, workspaceId: string): DeviceAccess {
  const own = deviceAccessOf(row);
  if (token.boundDevices === null) return own;
  const memo = (row.boundAccess ??= new WeakMap());
  let access = memo.get(token);
  if (access === undefined) {
    access = tokenReach(own, token.boundDevices, workspaceId);
    memo.set(token, access);
  }
  return access;
}

/** The cache key of a principal's access row in a workspace: `<user|api_user>:<id>:<workspaceId>`. */
function rowKey(principal: PrincipalRef, workspaceId: string): string {
  return `${principal.type}:${principal.id}:${workspaceId}`;
}

/**
 * A row is dropped by an event about its principal ('user:<id>' or 'api_user:<id>': the key up to its
 * second colon, a principal's type and id having none), about its workspace (the rest), or about a
 * device it selects (a deleted device leaves its grants). A row with every device depends on no
 * device: a device's existence is known apart (ChecksService), so deleting one leaves the row.
 */
function rowTags(key: string, row: AccessRow): string[] {
  const split = key.indexOf(':', key.indexOf(':') + 1);
  const tags = [key.slice(0, split), tag('workspace', key.slice(split + 1))];
  if (row.deviceAccess === 'selected') for (const id of row.deviceIds ?? []) tags.push(tag('device', id));
  return tags;
}
