// Thin data access for tokens. Users' tokens are keyed by user id; workspace-scoped reads come with workspaces.
import { requireId } from '../database/workspace-scoped';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Invalidation } from '../cache/invalidation';
import type { RateLimitSetting } from '../rate-limits/token-rate-limit';
import type { KeysetPosition } from '../common/pagination';
import type { UserStatus } from '../accounts/user.entity';
import { Token, TokenKind } from './token.entity';

/** What the hot path needs to decide about a presented token, read in one query. */
/** The scope of the instance-wide default in unused_token_warnings (a workspace's is its id). */
const INSTANCE_SCOPE = '00000000-0000-0000-0000-000000000000';

/** A token idle long enough to be warned about or cut off (listIdle). */
export interface IdleToken {
  id: string;
  kind: TokenKind;
  userId: string | null;
  apiUserId: string | null;
  name: string | null;
  hint: string;
  workspaceIds: string[] | null;
  lastUse: Date;
  warnedAt: Date | null;
  apiUserWorkspaceId: string | null;
}

/** A token a leak report named: enough to revoke it, say where it reached, and tell its owners. */
export interface LeakedTokenRow {
  id: string;
  kind: TokenKind;
  tokenHash: string;
  userId: string | null;
  apiUserId: string | null;
  name: string | null;
  hint: string;
  workspaceIds: string[] | null;
  blockedWorkspaceIds: string[];
  apiUserWorkspaceId: string | null;
  apiUserName: string | null;
}

export interface TokenCredential {
  id: string;
  kind: TokenKind;
  userId: string | null;
  apiUserId: string | null;
  scopes: string[];
  workspaceIds: string[] | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  /**
   * Revoked outright, not at the end of a rotation's grace (only a rotation sets a revocation time to
   * come, and marks the token replaced): dead whatever this instance's clock says. revokedAt is the
   * revoking instance's time, which may be ahead of this one's; judged by this clock alone, a token
   * revoked elsewhere would live on here for as long as the clocks disagree (review 12a).
   */
  revokedOutright: boolean;
  createdAt: Date;
  blockedWorkspaceIds: string[];
  parentId: string | null;
  parentKind: TokenKind | null;
  parentCreatedAt: Date | null;
  parentExpiresAt: Date | null;
  parentRevokedAt: Date | null;
  /** The same of the parent; false when there is none. */
  parentRevokedOutright: boolean;
  parentBlockedWorkspaceIds: string[] | null;
  userStatus: UserStatus | null;
  userEmail: string | null;
  apiUserStatus: 'active' | 'disabled' | null;
  apiUserWorkspaceId: string | null;
  /** The token's own rate limit, its parent's (an exchanged session counts against it), its API user's. */
  rateLimit: number | null;
  rateLimitWindowSeconds: number | null;
  parentRateLimit: number | null;
  parentRateLimitWindowSeconds: number | null;
  apiUserRateLimit: number | null;
  apiUserRateLimitWindowSeconds: number | null;
  /** Set while the token is disabled; an exchanged session reads its parent's too. */
  disabledAt: Date | null;
  parentDisabledAt: Date | null;
  /**
   * The devices it is bound to that exist, each with its workspace ([workspaceId, deviceId]); null: not
   * bound. An exchanged session is bound as its parent is, whatever the parent is changed to later.
   */
  deviceBindings: Array<[string, string]> | null;
  /** Its network allow-list (an exchanged session: its parent's); null: any network. */
  allowedCidrs: string[] | null;
  /** The API user's own allow-list, which every token of it is held to as well. */
  apiUserAllowedCidrs: string[] | null;
}

export interface ReachingToken extends Token {
  ownerEmail: string | null;
  /** An exchanged session's parent, which a workspace's token policy judges in its place. */
  parentKind: TokenKind | null;
  parentCreatedAt: Date | null;
  parentExpiresAt: Date | null;
}

const REACHING_COLUMNS = `t.id, t.kind, t.user_id AS "userId", t.api_user_id AS "apiUserId", t.name, t.hint, t.scopes,
  t.workspace_ids AS "workspaceIds", t.parent_id AS "parentId", t.replaced_by_id AS "replacedById", t.created_at AS "createdAt",
  t.expires_at AS "expiresAt", t.revoked_at AS "revokedAt", t.last_used_at AS "lastUsedAt", t.last_used_ip AS "lastUsedIp",
  u.email AS "ownerEmail", p.kind AS "parentKind", p.created_at AS "parentCreatedAt", p.expires_at AS "parentExpiresAt",
  t.rate_limit AS "rateLimit", t.rate_limit_window_seconds AS "rateLimitWindowSeconds",
  t.disabled_at AS "disabledAt", t.allowed_cidrs AS "allowedCidrs", t.description, t.metadata,
  CASE WHEN t.device_ids IS NOT NULL THEN ARRAY(SELECT d.id FROM devices d WHERE d.workspace_id = $1 AND d.id = ANY(t.device_ids) ORDER BY d.id) END AS "deviceIds"`;
const REACHING_FROM = `FROM tokens t
  JOIN memberships m ON m.workspace_id = $1 AND (m.user_id = t.user_id OR m.api_user_id = t.api_user_id)
  LEFT JOIN tokens p ON p.id = t.parent_id
  LEFT JOIN users u ON u.id = t.user_id`;
// The same rules as the token check: an exchanged session lives and reaches only as far as its parent.
const REACHES_WORKSPACE = `(t.workspace_ids IS NULL OR $1 = ANY(t.workspace_ids)) AND NOT ($1 = ANY(t.blocked_workspace_ids))
  AND (t.revoked_at IS NULL OR t.revoked_at > $2) AND (t.expires_at IS NULL OR t.expires_at > $2)
  AND (p.id IS NULL OR (NOT ($1 = ANY(p.blocked_workspace_ids))
       AND (p.revoked_at IS NULL OR p.revoked_at > $2) AND (p.expires_at IS NULL OR p.expires_at > $2)))`;

/**
 * `chain`: the token $1 and every token linked to it by rotation, both ways (replaced_by_id points to
 * the successor). A chain is short and never branches: a token is rotated at most once.
 */
const ROTATION_CHAIN = `WITH RECURSIVE chain (id, replaced_by_id) AS (
    SELECT id, replaced_by_id FROM tokens WHERE id = $1::uuid
    UNION
    SELECT t.id, t.replaced_by_id FROM tokens t JOIN chain c ON t.replaced_by_id = c.id OR t.id = c.replaced_by_id
  )`;

/** An API user's token, or one restricted to this workspace alone: whatever it does, it does here. */
export function reachesOnly(t: Pick<ReachingToken, 'apiUserId' | 'workspaceIds'>, workspaceId: string): boolean {
  return t.apiUserId !== null || (t.workspaceIds?.length === 1 && t.workspaceIds[0] === workspaceId);
}

/**
 * A token a revocation as of `at` (a SQL parameter) would still change: not revoked, or a rotation's grace
 * still running then. One revoked outright is dead whatever the clock says (revokedOutright, review 12a):
 * an instance whose clock runs a few ms behind the one that revoked it does not revoke it again, with a
 * second event, audit entry and notice (two instances' unused-token scans, review 18b).
 */
function notRevokedBy(at: string): string {
  return `(revoked_at IS NULL OR (replaced_by_id IS NOT NULL AND revoked_at > ${at}))`;
}

/** Who holds a token: a user (personal, named, session) or an API user (its tokens and sessions). */
export const TOKEN_OWNER_TYPES = ['user', 'api_user'] as const;
export type TokenOwnerType = (typeof TOKEN_OWNER_TYPES)[number];

export interface TokenOwner {
  type: TokenOwnerType;
  id: string;
}

export interface UserTokenFilter {
  kinds: TokenKind[];
  includeInactive: boolean;
  now: Date;
  after: KeysetPosition | null;
  limit: number;
}

/**
 * A token's credential as the token check reads it: the token, the token it was exchanged from, its
 * owner, its bindings. One statement for one token by hash, or for the warm-up's recently used ones.
 */
const CREDENTIAL_COLUMNS = `t.id, t.kind, t.user_id AS "userId", t.api_user_id AS "apiUserId", t.scopes,
              t.workspace_ids AS "workspaceIds", t.expires_at AS "expiresAt", t.revoked_at AS "revokedAt",
              (t.revoked_at IS NOT NULL AND t.replaced_by_id IS NULL) AS "revokedOutright",
              (p.revoked_at IS NOT NULL AND p.replaced_by_id IS NULL) AS "parentRevokedOutright",
              t.created_at AS "createdAt", t.blocked_workspace_ids AS "blockedWorkspaceIds",
              t.parent_id AS "parentId", p.kind AS "parentKind", p.created_at AS "parentCreatedAt",
              p.expires_at AS "parentExpiresAt", p.revoked_at AS "parentRevokedAt",
              p.blocked_workspace_ids AS "parentBlockedWorkspaceIds",
              u.status AS "userStatus", u.email AS "userEmail",
              a.status AS "apiUserStatus", a.workspace_id AS "apiUserWorkspaceId",
              t.rate_limit AS "rateLimit", t.rate_limit_window_seconds AS "rateLimitWindowSeconds",
              p.rate_limit AS "parentRateLimit", p.rate_limit_window_seconds AS "parentRateLimitWindowSeconds",
              a.rate_limit AS "apiUserRateLimit", a.rate_limit_window_seconds AS "apiUserRateLimitWindowSeconds",
              t.disabled_at AS "disabledAt", p.disabled_at AS "parentDisabledAt",
              b.cidrs AS "allowedCidrs", a.allowed_cidrs AS "apiUserAllowedCidrs",
              CASE WHEN b.device_ids IS NOT NULL THEN COALESCE(
                (SELECT json_agg(json_build_array(d.workspace_id, d.id)) FROM devices d WHERE d.id = ANY(b.device_ids)), '[]'::json)
              END AS "deviceBindings"`;
const CREDENTIAL_FROM = `FROM tokens t
         LEFT JOIN tokens p ON p.id = t.parent_id
         LEFT JOIN users u ON u.id = t.user_id
         LEFT JOIN api_users a ON a.id = t.api_user_id
         -- An exchanged session is bound as its parent is now.
         CROSS JOIN LATERAL (
           SELECT CASE WHEN p.id IS NULL THEN t.device_ids ELSE p.device_ids END AS device_ids,
                  CASE WHEN p.id IS NULL THEN t.allowed_cidrs ELSE p.allowed_cidrs END AS cidrs
         ) b`;

/**
 * A token's credential by id, its own row share-locked until the transaction ends (FOR SHARE OF t: the
 * rows it is read with, its parent's and its owner's, are the caller's to lock first, CallerHold).
 */
export async function findCredentialForShare(tokenId: string, em: EntityManager): Promise<TokenCredential | null> {
  const rows: TokenCredential[] = await em.query(`SELECT ${CREDENTIAL_COLUMNS} ${CREDENTIAL_FROM} WHERE t.id = $1 FOR SHARE OF t`, [
    requireId(tokenId),
  ]);
  return rows[0] ?? null;
}

@Injectable()
export class TokensRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly invalidation: Invalidation,
  ) {}

  /**
   * Hashes of tokens still alive, the most recently used first: what an instance without Redis learns
   * at start, so that a junk flood from a gateway's address cannot get them refused (RateLimits).
   */
  async liveTokenHashes(now: Date, limit: number): Promise<string[]> {
    const rows: Array<{ tokenHash: string }> = await this.dataSource.query(
      `SELECT token_hash AS "tokenHash" FROM tokens
        WHERE (revoked_at IS NULL OR revoked_at > $1) AND (expires_at IS NULL OR expires_at > $1)
        ORDER BY last_used_at DESC NULLS LAST, created_at DESC LIMIT $2`,
      [now, limit],
    );
    return rows.map((row) => row.tokenHash);
  }

  async findCredentialByHash(tokenHash: string, em: EntityManager = this.dataSource.manager): Promise<TokenCredential | null> {
    const rows: TokenCredential[] = await em.query(`SELECT ${CREDENTIAL_COLUMNS} ${CREDENTIAL_FROM} WHERE t.token_hash = $1`, [tokenHash]);
    return rows[0] ?? null;
  }

  /**
   * The credentials of the live tokens used last (then made last), with their hashes: what a restarted
   * instance is asked about first (the start-up warm-up puts them in the cache). In the order
   * liveTokenHashes() reads them.
   */
  async recentCredentials(
    now: Date,
    limit: number,
    em: EntityManager = this.dataSource.manager,
  ): Promise<Array<[string, TokenCredential]>> {
    const rows: Array<TokenCredential & { tokenHash: string }> = await em.query(
      `SELECT ${CREDENTIAL_COLUMNS}, t.token_hash AS "tokenHash" ${CREDENTIAL_FROM}
        WHERE (t.revoked_at IS NULL OR t.revoked_at > $1) AND (t.expires_at IS NULL OR t.expires_at > $1)
        ORDER BY t.last_used_at DESC NULLS LAST, t.created_at DESC LIMIT $2`,
      [now, limit],
    );
    // The hash leaves the row, which is then shaped as findCredentialByHash's (same properties, same order).
    return rows.map(({ tokenHash, ...credential }) => [tokenHash, credential]);
  }

  /** Tokens by the hashes of their secrets, dead or alive (a leak report: was it one of ours?). */
  async findByHashes(tokenHashes: readonly string[]): Promise<LeakedTokenRow[]> {
    if (tokenHashes.length === 0) return [];
    return this.dataSource.query(
      `SELECT t.id, t.kind, t.token_hash AS "tokenHash", t.user_id AS "userId", t.api_user_id AS "apiUserId",
              t.name, t.hint, t.workspace_ids AS "workspaceIds",
              -- A session is cut off wherever its parent is (as the token check holds it: review 18b, L1).
              t.blocked_workspace_ids || COALESCE(p.blocked_workspace_ids, '{}') AS "blockedWorkspaceIds",
              a.workspace_id AS "apiUserWorkspaceId", a.name AS "apiUserName"
         FROM tokens t LEFT JOIN api_users a ON a.id = t.api_user_id LEFT JOIN tokens p ON p.id = t.parent_id
        WHERE t.token_hash = ANY($1::text[])`,
      [tokenHashes],
    );
  }

  insert(token: Token, em: EntityManager = this.dataSource.manager): Promise<Token> {
    return em.getRepository(Token).save(token);
  }

  findForOwner(owner: TokenOwner, tokenId: string, em: EntityManager = this.dataSource.manager): Promise<Token | null> {
    return em.getRepository(Token).findOne({ where: ownedBy(owner, tokenId) });
  }

  /** As findForOwner(), with the token's row locked until the transaction ends. */
  findForOwnerLocked(owner: TokenOwner, tokenId: string, em: EntityManager): Promise<Token | null> {
    return em.getRepository(Token).findOne({ where: ownedBy(owner, tokenId), lock: { mode: 'pessimistic_write' } });
  }

  findActivePersonal(userId: string, em: EntityManager = this.dataSource.manager): Promise<Token | null> {
    return em
      .getRepository(Token)
      .createQueryBuilder('t')
      .where('t.user_id = :userId AND t.kind = :kind AND t.revoked_at IS NULL', { userId: requireId(userId), kind: 'personal' })
      .getOne();
  }

  /** A user's or API user's tokens, newest first; "active" means neither it nor its parent is revoked or expired. */
  listForOwner(owner: TokenOwner, filter: UserTokenFilter): Promise<Token[]> {
    const column = owner.type === 'user' ? 't.user_id' : 't.api_user_id';
    const qb = this.dataSource
      .getRepository(Token)
      .createQueryBuilder('t')
      .leftJoin(Token, 'p', 'p.id = t.parent_id')
      .where(`${column} = :ownerId`, { ownerId: requireId(owner.id) })
      .andWhere('t.kind IN (:...kinds)', { kinds: filter.kinds });
    if (!filter.includeInactive) {
      qb.andWhere('(t.revoked_at IS NULL OR t.revoked_at > :now) AND (t.expires_at IS NULL OR t.expires_at > :now)', {
        now: filter.now,
      }).andWhere('(p.id IS NULL OR ((p.revoked_at IS NULL OR p.revoked_at > :now) AND (p.expires_at IS NULL OR p.expires_at > :now)))');
    }
    if (filter.after) {
      qb.andWhere('(t.created_at, t.id) < (:afterAt, :afterId)', { afterAt: filter.after.createdAt, afterId: filter.after.id });
    }
    return qb
      .orderBy('t.created_at', 'DESC')
      .addOrderBy('t.id', 'DESC')
      .limit(filter.limit + 1)
      .getMany();
  }

  /**
   * The first page of listForOwner() for each of several API users of one workspace, in two statements
   * whatever their number (GraphQL's apiUsers { tokens }). API users of another workspace have none here.
   */
  async listActiveForApiUsers(workspaceId: string, apiUserIds: readonly string[], now: Date, limit: number): Promise<Token[]> {
    if (apiUserIds.length === 0) return [];
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id FROM (
         SELECT t.id, row_number() OVER (PARTITION BY t.api_user_id ORDER BY t.created_at DESC, t.id DESC) AS n
           FROM tokens t
           JOIN api_users a ON a.id = t.api_user_id AND a.workspace_id = $1
           LEFT JOIN tokens p ON p.id = t.parent_id
          WHERE t.api_user_id = ANY($2::uuid[]) AND t.kind IN ('api_user', 'session')
            AND (t.revoked_at IS NULL OR t.revoked_at > $3) AND (t.expires_at IS NULL OR t.expires_at > $3)
            AND (p.id IS NULL OR ((p.revoked_at IS NULL OR p.revoked_at > $3) AND (p.expires_at IS NULL OR p.expires_at > $3)))
       ) ranked WHERE n <= $4`,
      [requireId(workspaceId), apiUserIds, now, limit + 1],
    );
    if (rows.length === 0) return [];
    return this.dataSource
      .getRepository(Token)
      .createQueryBuilder('t')
      .where('t.id IN (:...ids)', { ids: rows.map((r) => r.id) })
      .orderBy('t.created_at', 'DESC')
      .addOrderBy('t.id', 'DESC')
      .getMany();
  }

  /**
   * Ends a token now, with its whole rotation chain (the secrets it replaced that are still in their
   * grace period, and the ones that replaced it) and every session exchanged from any of them; a token
   * already dead keeps its time. True when a token of the chain changed: of revocations racing each
   * other, the row locks let one change the chain and the others find it dead (one change, one event).
   */
  async revoke(tokenId: string, at: Date, em: EntityManager = this.dataSource.manager): Promise<boolean> {
    await this.lockChain(tokenId, em);
    const [changed]: [Array<{ id: string; kind: TokenKind }>, number] = await em.query(
      `${ROTATION_CHAIN}
       UPDATE tokens SET revoked_at = $2
        WHERE (id IN (SELECT id FROM chain) OR parent_id IN (SELECT id FROM chain)) AND ${notRevokedBy('$2')}
        RETURNING id, kind`,
      [tokenId, at],
    );
    // A token's event also drops the sessions exchanged from it: one event per token of the chain, not
    // one per session (a user with thousands of sessions must not turn a revocation into thousands).
    const chain = changed.filter((row) => row.kind !== 'session').map((row) => row.id);
    await this.publishTokens(em, [tokenId, ...chain]);
    // Sessions cannot be rotated: a changed row that is no session, or the token itself, is the chain.
    return changed.some((row) => row.id === tokenId || row.kind !== 'session');
  }

  /**
   * Locks the rows of a token's rotation chain in one order, so two changes of one chain from either end
   * cannot deadlock; the change that follows walks the chain again, seeing a rotation that committed
   * while this waited for its lock.
   */
  private async lockChain(tokenId: string, em: EntityManager): Promise<void> {
    await em.query(`${ROTATION_CHAIN} SELECT id FROM tokens WHERE id IN (SELECT id FROM chain) ORDER BY id FOR UPDATE`, [tokenId]);
  }

  /** One invalidation event per token (each also drops the sessions exchanged from it). */
  private async publishTokens(em: EntityManager, ids: string[]): Promise<void> {
    await this.invalidation.publishAll(
      em,
      [...new Set(ids)].map((id) => ({ kind: 'token' as const, id })),
    );
  }

  /** Ends every live session of the user but `exceptTokenId` (sign out everywhere else); how many it ended. */
  async revokeUserSessions(
    userId: string,
    at: Date,
    em: EntityManager = this.dataSource.manager,
    exceptTokenId: string | null = null,
  ): Promise<number> {
    const [ended]: [Array<{ id: string }>, number] = await em.query(
      `UPDATE tokens SET revoked_at = $2
        WHERE user_id = $1 AND kind = 'session' AND ${notRevokedBy('$2')}
          AND ($3::uuid IS NULL OR id <> $3::uuid)
        RETURNING id`,
      [requireId(userId), at, exceptTokenId],
    );
    await this.invalidation.publish(em, { kind: 'user', id: userId });
    return ended.length;
  }

  /**
   * Ends every live token of the user, personal and named ones included, and the sessions: for an
   * account whose tokens were made by someone never shown to own its address (a password reset of an
   * unverified account, src/accounts/account-mail.service.ts). How many it ended.
   */
  async revokeAllOfUser(userId: string, at: Date, em: EntityManager): Promise<number> {
    const [ended]: [Array<{ id: string }>, number] = await em.query(
      `UPDATE tokens SET revoked_at = $2 WHERE user_id = $1 AND ${notRevokedBy('$2')} RETURNING id`,
      [requireId(userId), at],
    );
    await this.invalidation.publish(em, { kind: 'user', id: userId });
    return ended.length;
  }

  /**
   * Ends these secrets, each alone, not its rotation chain (a secret rotated out of one of them by someone
   * else is theirs), but those of the API users in `spared` (held by their being disabled): what a password
   * reset of a squatted account reached (src/accounts/unproven-account.ts). How many it ended.
   */
  async revokeSecrets(em: EntityManager, tokenIds: readonly string[], spared: readonly string[], at: Date): Promise<number> {
    const [ended]: [Array<{ id: string }>, number] = await em.query(
      `UPDATE tokens SET revoked_at = $2
        WHERE id = ANY($1::uuid[]) AND (api_user_id IS NULL OR NOT (api_user_id = ANY($3::uuid[])))
          AND ${notRevokedBy('$2')}
        RETURNING id`,
      [tokenIds, at, spared],
    );
    await this.publishTokens(
      em,
      ended.map((row) => row.id),
    );
    return ended.length;
  }

  async markReplaced(tokenId: string, replacedById: string, diesAt: Date, em: EntityManager): Promise<void> {
    await em.query(`UPDATE tokens SET replaced_by_id = $2, revoked_at = LEAST(COALESCE(revoked_at, $3), $3) WHERE id = $1`, [
      tokenId,
      replacedById,
      diesAt,
    ]);
    await this.invalidation.publish(em, { kind: 'token', id: tokenId });
  }

  /** A token's own rate limit (null: none); its checks use the new one at their next request (invalidation). */
  async setRateLimit(tokenId: string, rateLimit: RateLimitSetting | null, em: EntityManager): Promise<void> {
    await em.query(`UPDATE tokens SET rate_limit = $2, rate_limit_window_seconds = $3 WHERE id = $1`, [
      tokenId,
      rateLimit?.limit ?? null,
      rateLimit?.windowSeconds ?? null,
    ]);
    await this.invalidation.publish(em, { kind: 'token', id: tokenId });
  }

  /**
   * How many of `deviceIds` the owner reaches through its memberships (device access "all", or the
   * device granted), within `workspaceIds` when given. Unknown ids, other tenants' devices and devices
   * out of reach all count the same: not reached.
   */
  async countDevicesReached(
    owner: TokenOwner,
    deviceIds: readonly string[],
    workspaceIds: readonly string[] | null,
    em: EntityManager = this.dataSource.manager,
  ): Promise<number> {
    const column = owner.type === 'user' ? 'user_id' : 'api_user_id';
    const rows: Array<{ n: number }> = await em.query(
      `SELECT count(DISTINCT d.id)::int AS n FROM devices d
         JOIN memberships m ON m.workspace_id = d.workspace_id AND m.${column} = $1
        WHERE d.id = ANY($2::uuid[]) AND ($3::uuid[] IS NULL OR d.workspace_id = ANY($3::uuid[]))
          AND (m.device_access = 'all' OR EXISTS (
                SELECT 1 FROM membership_devices md
                 WHERE md.workspace_id = m.workspace_id AND md.membership_id = m.id AND md.device_id = d.id))`,
      [requireId(owner.id), deviceIds, workspaceIds],
    );
    return rows[0]?.n ?? 0;
  }

  /** Changes a token's bindings and details (the fields given), and drops it (and its sessions) from every cache. */
  async updateDetails(
    tokenId: string,
    changes: Partial<Pick<Token, 'deviceIds' | 'allowedCidrs' | 'description' | 'metadata' | 'disabledAt'>>,
    em: EntityManager,
  ): Promise<void> {
    const sets: string[] = [];
    const params: unknown[] = [tokenId];
    const set = (column: string, value: unknown, cast = '') => sets.push(`${column} = $${params.push(value)}${cast}`);
    if (changes.deviceIds !== undefined) set('device_ids', changes.deviceIds, '::uuid[]');
    if (changes.allowedCidrs !== undefined) set('allowed_cidrs', changes.allowedCidrs, '::text[]');
    if (changes.description !== undefined) set('description', changes.description);
    if (changes.metadata !== undefined) set('metadata', changes.metadata === null ? null : JSON.stringify(changes.metadata), '::jsonb');
    if (changes.disabledAt !== undefined) set('disabled_at', changes.disabledAt);
    if (sets.length === 0) return;
    await em.query(`UPDATE tokens SET ${sets.join(', ')} WHERE id = $1`, params);
    await this.invalidation.publish(em, { kind: 'token', id: tokenId });
  }

  // --- tokens that can reach a workspace (governance) ------------------------------------------

  /** Live tokens of the workspace's members and API users that are not restricted away from it or blocked in it. */
  listReachingWorkspace(workspaceId: string, now: Date, after: KeysetPosition | null, limit: number): Promise<ReachingToken[]> {
    const params: unknown[] = [requireId(workspaceId), now];
    const where = [REACHES_WORKSPACE];
    if (after) where.push(`(t.created_at, t.id) < ($${params.push(after.createdAt)}, $${params.push(after.id)})`);
    return this.reachingPage(where, params, limit + 1);
  }

  /**
   * Tokens nobody has used since `idleSince` (their last use, or their creation if never used): live
   * personal, named and API-user tokens reaching `workspaceId`, or any such token when it is null (the
   * instance default). With the time they were warned about this idle spell in this scope, if they were.
   * Sessions are short-lived and left out, and so is a rotated token in its grace period: it dies by
   * itself, and cutting it off would take its fresh successor with it (revoke() and blockInWorkspace()
   * change the whole rotation chain). Keyset by id, `limit` at a time.
   */
  listIdle(workspaceId: string | null, now: Date, idleSince: Date, afterId: string | null, limit: number): Promise<IdleToken[]> {
    const scope = workspaceId ?? INSTANCE_SCOPE;
    const params: unknown[] = [scope, now, idleSince, afterId ?? INSTANCE_SCOPE];
    const reach = workspaceId
      ? `${REACHING_FROM} WHERE ${REACHES_WORKSPACE}`
      : `FROM tokens t WHERE (t.revoked_at IS NULL OR t.revoked_at > $2) AND (t.expires_at IS NULL OR t.expires_at > $2)`;
    return this.dataSource.query(
      `SELECT t.id, t.kind, t.user_id AS "userId", t.api_user_id AS "apiUserId", t.name, t.hint, t.workspace_ids AS "workspaceIds",
              COALESCE(t.last_used_at, t.created_at) AS "lastUse",
              (SELECT w.warned_at FROM unused_token_warnings w
                WHERE w.token_id = t.id AND w.scope = $1 AND w.last_use = COALESCE(t.last_used_at, t.created_at)) AS "warnedAt",
              (SELECT a.workspace_id FROM api_users a WHERE a.id = t.api_user_id) AS "apiUserWorkspaceId"
         ${reach}
          AND t.kind IN ('personal', 'named', 'api_user') AND t.replaced_by_id IS NULL
          AND COALESCE(t.last_used_at, t.created_at) < $3 AND t.id > $4
        ORDER BY t.id LIMIT ${limit}`,
      params,
    );
  }

  /**
   * Records the warning of one idle spell in a scope, or renews one sent before `staleBefore` (it named
   * an earlier day); false when a current one was recorded already (another scan).
   */
  async recordIdleWarning(
    tokenId: string,
    workspaceId: string | null,
    lastUse: Date,
    at: Date,
    staleBefore: Date,
    em: EntityManager,
  ): Promise<boolean> {
    // An INSERT answers its RETURNING rows (an UPDATE or DELETE answers [rows, count]).
    const rows: unknown[] = await em.query(
      `INSERT INTO unused_token_warnings (token_id, scope, last_use, warned_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (token_id, scope, last_use) DO UPDATE SET warned_at = EXCLUDED.warned_at
        WHERE unused_token_warnings.warned_at < $5
       RETURNING token_id`,
      [tokenId, workspaceId ?? INSTANCE_SCOPE, lastUse, at, staleBefore],
    );
    return rows.length > 0;
  }

  /** Retention: warnings older than `cutoff` (the idle spell they warned of is long decided). */
  async purgeIdleWarnings(cutoff: Date, limit: number): Promise<number> {
    const [rows]: [unknown[], number] = await this.dataSource.query(
      `DELETE FROM unused_token_warnings WHERE (token_id, scope, last_use) IN (
         SELECT token_id, scope, last_use FROM unused_token_warnings WHERE warned_at < $1 LIMIT $2)
       RETURNING token_id`,
      [cutoff, limit],
    );
    return rows.length;
  }

  /**
   * Live tokens that reach this workspace alone (an API user's, or restricted to it only), sessions
   * aside, whose last use (or creation, never used) is before `before`.
   */
  listUnusedInWorkspace(
    workspaceId: string,
    now: Date,
    before: Date,
    after: KeysetPosition | null,
    limit: number,
  ): Promise<ReachingToken[]> {
    const params: unknown[] = [requireId(workspaceId), now, before];
    const where = [
      REACHES_WORKSPACE,
      `t.kind <> 'session'`,
      `(t.api_user_id IS NOT NULL OR t.workspace_ids = ARRAY[$1::uuid])`,
      `COALESCE(t.last_used_at, t.created_at) < $3`,
    ];
    if (after) where.push(`(t.created_at, t.id) < ($${params.push(after.createdAt)}, $${params.push(after.id)})`);
    return this.reachingPage(where, params, limit + 1);
  }

  /**
   * The newest `limit` tokens reaching workspace $1 that meet `where` (conditions on t and its parent p).
   * Each member's and API user's own newest `limit` come through its (owner, created_at, id) index, and
   * the page is cut from those: the work grows with the workspace's members, never with their tokens (an
   * API user with 10,000 tokens gives `limit` of them), and no sort takes in the whole list. A token has
   * one owner and an owner one membership here, so no token comes twice (docs/performance.md).
   */
  private reachingPage(where: string[], params: unknown[], limit: number): Promise<ReachingToken[]> {
    const newestOf = (owner: 't.user_id' | 't.api_user_id', membership: 'm.user_id' | 'm.api_user_id') =>
      `SELECT o.id, o.created_at FROM memberships m CROSS JOIN LATERAL (
         SELECT t.id, t.created_at FROM tokens t LEFT JOIN tokens p ON p.id = t.parent_id
          WHERE ${owner} = ${membership} AND ${where.join(' AND ')}
          ORDER BY t.created_at DESC, t.id DESC LIMIT ${limit}) o
        WHERE m.workspace_id = $1 AND ${membership} IS NOT NULL`;
    return this.dataSource.query(
      `SELECT ${REACHING_COLUMNS}
         FROM (SELECT c.id FROM (${newestOf('t.user_id', 'm.user_id')} UNION ALL ${newestOf('t.api_user_id', 'm.api_user_id')}) c
                ORDER BY c.created_at DESC, c.id DESC LIMIT ${limit}) page
         JOIN tokens t ON t.id = page.id
         LEFT JOIN tokens p ON p.id = t.parent_id
         LEFT JOIN users u ON u.id = t.user_id
        ORDER BY t.created_at DESC, t.id DESC`,
      params,
    );
  }

  async findReachingWorkspace(
    workspaceId: string,
    tokenId: string,
    now: Date,
    em: EntityManager = this.dataSource.manager,
  ): Promise<ReachingToken | null> {
    const rows = await em.query(`SELECT ${REACHING_COLUMNS} ${REACHING_FROM} WHERE ${REACHES_WORKSPACE} AND t.id = $3`, [
      requireId(workspaceId),
      now,
      tokenId,
    ]);
    return rows[0] ?? null;
  }

  /**
   * A member's tokens made for a workspace, when their membership there ends: each restricted to it alone
   * is revoked, each also naming others is cut off from it (the rule of DELETE /workspaces/:wid/tokens/:id,
   * `reachesOnly`). Tokens restricted to no workspace follow the user's memberships and are left alone.
   * How many of each (a rotation chain counts once).
   */
  async endInWorkspaceOf(
    userId: string,
    workspaceId: string,
    at: Date,
    em: EntityManager,
  ): Promise<{ tokensRevoked: number; tokensCutOff: number }> {
    const named: Array<{ id: string; workspaceIds: string[] }> = await em.query(
      `SELECT id, workspace_ids AS "workspaceIds" FROM tokens
        WHERE user_id = $1 AND $2::uuid = ANY(workspace_ids) AND NOT ($2::uuid = ANY(blocked_workspace_ids))
          AND ${notRevokedBy('$3')}
        ORDER BY id`,
      [requireId(userId), requireId(workspaceId), at],
    );
    const ended = { tokensRevoked: 0, tokensCutOff: 0 };
    for (const token of named) {
      if (reachesOnly({ apiUserId: null, workspaceIds: token.workspaceIds }, workspaceId)) {
        if (await this.revoke(token.id, at, em)) ended.tokensRevoked += 1;
      } else if (await this.blockInWorkspace(workspaceId, token.id, em)) {
        ended.tokensCutOff += 1;
      }
    }
    return ended;
  }

  /**
   * Cuts a token off from one workspace only, with its whole rotation chain (its exchanged sessions
   * inherit their parent's blocks). True when a token of the chain was not cut off yet.
   */
  async blockInWorkspace(workspaceId: string, tokenId: string, em: EntityManager): Promise<boolean> {
    await this.lockChain(tokenId, em);
    const [changed]: [Array<{ id: string }>, number] = await em.query(
      `${ROTATION_CHAIN}
       UPDATE tokens SET blocked_workspace_ids = array_append(blocked_workspace_ids, $2::uuid)
        WHERE id IN (SELECT id FROM chain) AND NOT ($2::uuid = ANY(blocked_workspace_ids))
        RETURNING id`,
      [tokenId, requireId(workspaceId)],
    );
    await this.publishTokens(em, [tokenId, ...changed.map((row) => row.id)]);
    return changed.length > 0;
  }

  /**
   * Holds the user's row (FOR SHARE) until the transaction ends, when the user is active (and still has
   * `passwordHash`, when given): false otherwise. A deactivation or password change waits for the
   * tokens issued under it, and sees them.
   */
  async holdActiveOwner(userId: string, passwordHash: string | null, em: EntityManager): Promise<boolean> {
    const rows: unknown[] =
      passwordHash === null
        ? await em.query(`SELECT 1 FROM users WHERE id = $1 AND status = 'active' FOR SHARE`, [requireId(userId)])
        : await em.query(`SELECT 1 FROM users WHERE id = $1 AND password_hash = $2 AND status = 'active' FOR SHARE`, [
            requireId(userId),
            passwordHash,
          ]);
    return rows.length > 0;
  }

  /** The user's row, locked until the transaction ends: changes of one user's tokens that must not race take turns. */
  async lockOwner(userId: string, em: EntityManager): Promise<void> {
    await em.query('SELECT id FROM users WHERE id = $1 FOR UPDATE', [requireId(userId)]);
  }

  /**
   * Share-locks the rows of these workspaces, in id order, until the transaction ends: a change or the
   * deletion of one (each takes its row first, FOR UPDATE) waits for what is made naming it, or comes first.
   */
  async holdWorkspaces(workspaceIds: readonly string[], em: EntityManager): Promise<void> {
    await em.query(`SELECT id FROM workspaces WHERE id = ANY($1::uuid[]) ORDER BY id FOR SHARE`, [workspaceIds]);
  }

  /** The token policies of those of `workspaceIds` the user is a member of (the others are missing). */
  policiesOfMemberWorkspaces(
    userId: string,
    workspaceIds: string[],
    em: EntityManager = this.dataSource.manager,
  ): Promise<Array<{ id: string; name: string; maxLifetimeDays: number | null; allowPersonalTokens: boolean }>> {
    return em.query(
      `SELECT w.id, w.name, w.token_max_lifetime_days AS "maxLifetimeDays", w.allow_personal_tokens AS "allowPersonalTokens"
         FROM memberships m JOIN workspaces w ON w.id = m.workspace_id
        WHERE m.user_id = $1 AND m.workspace_id = ANY($2::uuid[])`,
      [requireId(userId), workspaceIds],
    );
  }

  /**
   * Writes buffered last-used times in one statement; an older time never overwrites a newer one. A row
   * locked by a change in progress is skipped, not waited for: a write holds its caller's token to its
   * end (CallerHold), and this statement, waiting there while holding rows that write goes on to change,
   * would deadlock with it. Returns the ids skipped so (those of deleted tokens are not among them).
   */
  async recordLastUsed(entries: Array<{ id: string; at: Date; ip: string }>): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `WITH v AS (SELECT unnest($1::uuid[]) AS id, unnest($2::timestamptz[]) AS at, unnest($3::text[]) AS ip),
            free AS (SELECT t.id FROM tokens t WHERE t.id = ANY($1::uuid[]) FOR NO KEY UPDATE SKIP LOCKED),
            written AS (
              UPDATE tokens t SET last_used_at = v.at, last_used_ip = v.ip FROM v
               WHERE t.id = v.id AND t.id IN (SELECT id FROM free) AND (t.last_used_at IS NULL OR t.last_used_at < v.at))
       SELECT t.id FROM tokens t WHERE t.id = ANY($1::uuid[]) AND t.id NOT IN (SELECT id FROM free)`,
      [entries.map((e) => e.id), entries.map((e) => e.at.toISOString()), entries.map((e) => e.ip)],
    );
    return rows.map((row) => row.id);
  }

  /** One token's last use, waiting for a change that holds its row (the flush at shutdown has no next one). */
  async recordLastUsedOf(id: string, at: Date, ip: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE tokens SET last_used_at = $2, last_used_ip = $3 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)`,
      [id, at, ip],
    );
  }
}

/** The where clause of one token of one owner; the owner's id is required (requireId). */
function ownedBy(owner: TokenOwner, tokenId: string) {
  return owner.type === 'user' ? { id: tokenId, userId: requireId(owner.id) } : { id: tokenId, apiUserId: requireId(owner.id) };
}
