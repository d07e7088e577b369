// The append-only audit log. Events are written with the EntityManager of the change they describe,
// so a change and its event commit together or not at all.
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { insertRows } from '../database/insert-rows';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { decodeCursor, Page, pageLimit, toPage } from '../common/pagination';
import { requireId } from '../database/workspace-scoped';
import type { AuditFilterDto, AuditQueryDto } from './audit.dto';
import type { AuditEventView } from './audit.views';

export type { AuditEventView };

/** Who acts: a user, an API user, or nobody signed in (sign-ups, failed sign-ins). */
export const ACTOR_TYPES = ['user', 'api_user', 'system'] as const;

/** What an event may be about. */
export const AUDIT_TARGET_TYPES = ['api_user', 'device', 'invitation', 'role', 'team', 'token', 'user', 'webhook', 'workspace'] as const;
export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];

export interface Actor {
  type: (typeof ACTOR_TYPES)[number];
  id: string | null;
  tokenId: string | null;
  ip: string | null;
}

export interface AuditEntry {
  action: string;
  /** The workspace it happened in, if any: listed by GET /workspaces/:wid/audit-events. */
  workspaceId?: string | null;
  /** The user account it concerns, if any: listed by GET /me/audit-events. */
  accountId?: string | null;
  target?: { type: AuditTargetType; id: string } | null;
  /** Never a secret, hash or password. */
  details?: Record<string, unknown>;
}

interface AuditRow {
  id: string;
  action: string;
  workspaceId: string | null;
  actorType: Actor['type'];
  actorId: string | null;
  actorTokenId: string | null;
  targetType: AuditTargetType | null;
  targetId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
  createdAt: Date;
}

/**
 * Called by record() and recordMany() in the change's transaction, after the events are written, with
 * the time they carry: what follows from an event and must commit with it (webhook deliveries) hooks in
 * here, in one place. A batch arrives whole, so a listener reads once what all its events need.
 */
export type AuditListener = (em: EntityManager, actor: Actor, entries: readonly AuditEntry[], at: Date) => Promise<void>;

/** The columns of an audit event, in the order rowOf() lists its values. */
const COLUMNS = [
  'id',
  'workspace_id',
  'account_id',
  'action',
  'actor_type',
  'actor_id',
  'actor_token_id',
  'target_type',
  'target_id',
  'ip',
  'details',
  'created_at',
];

export function actorOf(principal: Principal | null, ip: string | null): Actor {
  if (!principal) return { type: 'system', id: null, tokenId: null, ip };
  return { type: principal.type, id: principal.id, tokenId: principal.token.id, ip };
}

@Injectable()
export class AuditLog {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  private readonly listeners: AuditListener[] = [];

  /** Modules register in onModuleInit (WebhookEvents). */
  listen(listener: AuditListener): void {
    this.listeners.push(listener);
  }

  record(em: EntityManager, actor: Actor, entry: AuditEntry): Promise<void> {
    return this.recordMany(em, actor, [entry]);
  }

  /**
   * Events of one change by one actor (a bulk create), in one statement: each is the event record()
   * would have written for it, and they share their time.
   */
  async recordMany(em: EntityManager, actor: Actor, entries: readonly AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const at = this.clock.now();
    await insertRows(
      em,
      'audit_events',
      COLUMNS,
      entries.map((entry) => rowOf(actor, entry, at)),
    );
    for (const listener of this.listeners) await listener(em, actor, entries, at);
  }

  listForWorkspace(workspaceId: string, query: AuditQueryDto): Promise<Page<AuditEventView>> {
    return this.list('workspace_id', requireId(workspaceId), query);
  }

  /**
   * The account holder sees where they acted from, and where anonymous attempts on the account came
   * from (sign-ups, failed sign-ins); not the address of a workspace admin or API user who acted on
   * them: that belongs to the workspace's own log.
   */
  listForAccount(userId: string, query: AuditQueryDto): Promise<Page<AuditEventView>> {
    return this.list(
      'account_id',
      requireId(userId),
      query,
      (row) => row.actorType === 'system' || (row.actorType === 'user' && row.actorId === userId),
    );
  }

  /**
   * A workspace's events matching `filter`, newest first, at most `cap` of them (and whether there were
   * more): what an export writes, read in one query.
   */
  async exportForWorkspace(
    workspaceId: string,
    filter: AuditFilterDto,
    cap: number,
  ): Promise<{ events: AuditEventView[]; truncated: boolean }> {
    const params: unknown[] = [requireId(workspaceId)];
    const where = ['workspace_id = $1', ...filterSql(filter, params)];
    const rows = await this.rows(where, params, cap + 1);
    return { events: rows.slice(0, cap).map((row) => toEventView(row, true)), truncated: rows.length > cap };
  }

  private async list(
    column: 'workspace_id' | 'account_id',
    owner: string,
    query: AuditQueryDto,
    showsIp: (row: AuditRow) => boolean = () => true,
  ): Promise<Page<AuditEventView>> {
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor);
    const params: unknown[] = [owner];
    const where = [`${column} = $1`, ...filterSql(query, params)];
    if (after) where.push(`(created_at, id) < ($${params.push(after.createdAt)}, $${params.push(after.id)})`);
    const rows = await this.rows(where, params, limit + 1);
    return toPage(rows, limit, (row) => toEventView(row, showsIp(row)));
  }

  private rows(where: string[], params: unknown[], limit: number): Promise<AuditRow[]> {
    return this.dataSource.query(
      `SELECT id, action, workspace_id AS "workspaceId", actor_type AS "actorType", actor_id AS "actorId",
              actor_token_id AS "actorTokenId", target_type AS "targetType", target_id AS "targetId", ip, details,
              created_at AS "createdAt"
         FROM audit_events WHERE ${where.join(' AND ')}
        ORDER BY created_at DESC, id DESC LIMIT ${limit}`,
      params,
    );
  }
}

function rowOf(actor: Actor, entry: AuditEntry, at: Date): unknown[] {
  return [
    randomUUID(),
    entry.workspaceId ?? null,
    entry.accountId ?? null,
    entry.action,
    actor.type,
    actor.id,
    actor.tokenId,
    entry.target?.type ?? null,
    entry.target?.id ?? null,
    actor.ip,
    JSON.stringify(entry.details ?? {}),
    at,
  ];
}

/** The filters of a listing or an export, as conditions on `params` (every value a parameter). */
function filterSql(filter: AuditFilterDto, params: unknown[]): string[] {
  const where: string[] = [];
  if (filter.action) where.push(`action = $${params.push(filter.action)}`);
  // A prefix compared as a prefix: no LIKE, whose _ would match any character.
  if (filter.actionPrefix) where.push(`left(action, $${params.push(filter.actionPrefix.length)}) = $${params.push(filter.actionPrefix)}`);
  if (filter.actorId) where.push(`actor_id = $${params.push(filter.actorId)}`);
  if (filter.targetType) where.push(`target_type = $${params.push(filter.targetType)}`);
  if (filter.targetId) where.push(`target_id = $${params.push(filter.targetId)}`);
  if (filter.from) where.push(`created_at >= $${params.push(new Date(filter.from))}`);
  if (filter.to) where.push(`created_at < $${params.push(new Date(filter.to))}`);
  return where;
}

function toEventView(row: AuditRow, showsIp: boolean): AuditEventView {
  return {
    id: row.id,
    action: row.action,
    workspaceId: row.workspaceId,
    actor: { type: row.actorType, id: row.actorId, tokenId: row.actorTokenId },
    target: row.targetType && row.targetId ? { type: row.targetType, id: row.targetId } : null,
    ip: showsIp ? row.ip : null,
    details: row.details,
    createdAt: row.createdAt,
  };
}
