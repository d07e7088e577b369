// Thin data access for webhook endpoints and deliveries. Workspace id first, always.
import { type Maker, makerColumns } from '../authorization/made-by';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { insertRows } from '../database/insert-rows';
import { isOwnerRoleSql } from '../authorization/grants';
import type { KeysetPosition } from '../common/pagination';
import { WorkspaceScoped } from '../database/workspace-scoped';

export interface EndpointRecord {
  id: string;
  workspaceId: string;
  url: string;
  description: string;
  events: string[];
  enabled: boolean;
  disabledReason: string | null;
  /** Paused after a failed attempt until its retry (the probe): the endpoint's other deliveries wait past it. */
  pausedUntil: Date | null;
  secretSealed: string;
  previousSecretSealed: string | null;
  previousSecretExpiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'cancelled';

export interface DeliveryRecord {
  id: string;
  workspaceId: string;
  endpointId: string;
  messageId: string;
  eventType: string;
  payload: Record<string, unknown>;
  status: DeliveryStatus;
  attempts: number;
  responseStatus: number | null;
  responseBody: string | null;
  durationMs: number | null;
  lastError: string | null;
  nextAttemptAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const ENDPOINT_COLUMNS = `e.id, e.workspace_id AS "workspaceId", e.url, e.description, e.events, e.enabled,
  e.disabled_reason AS "disabledReason", e.paused_until AS "pausedUntil", e.secret_sealed AS "secretSealed", e.previous_secret_sealed AS "previousSecretSealed",
  e.previous_secret_expires_at AS "previousSecretExpiresAt", e.created_at AS "createdAt", e.updated_at AS "updatedAt"`;

const DELIVERY_COLUMNS = `d.id, d.workspace_id AS "workspaceId", d.endpoint_id AS "endpointId", d.message_id AS "messageId",
  d.event_type AS "eventType", d.payload, d.status, d.attempts, d.response_status AS "responseStatus",
  d.response_body AS "responseBody", d.duration_ms AS "durationMs", d.last_error AS "lastError",
  d.next_attempt_at AS "nextAttemptAt", d.created_at AS "createdAt", d.updated_at AS "updatedAt"`;

@Injectable()
@WorkspaceScoped({ notScoped: ['purgeFinishedDeliveries'] })
export class WebhooksRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insertEndpoint(workspaceId: string, e: Omit<EndpointRecord, 'workspaceId'>, madeBy: Maker, em: EntityManager): Promise<void> {
    await em.query(
      `INSERT INTO webhook_endpoints (id, workspace_id, url, description, events, enabled, disabled_reason, secret_sealed,
         previous_secret_sealed, previous_secret_expires_at, created_at, updated_at, created_by_user_id, created_by_api_user_id,
         created_by_token_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
      [
        e.id,
        workspaceId,
        e.url,
        e.description,
        e.events,
        e.enabled,
        e.disabledReason,
        e.secretSealed,
        e.previousSecretSealed,
        e.previousSecretExpiresAt,
        e.createdAt,
        e.updatedAt,
        ...makerColumns(madeBy),
      ],
    );
  }

  async findEndpoint(workspaceId: string, id: string, em: EntityManager = this.dataSource.manager): Promise<EndpointRecord | null> {
    const rows = await em.query(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints e WHERE e.workspace_id = $1 AND e.id = $2`, [
      workspaceId,
      id,
    ]);
    return rows[0] ?? null;
  }

  listEndpoints(workspaceId: string, filter: { after: KeysetPosition | null; limit: number }): Promise<EndpointRecord[]> {
    const params: unknown[] = [workspaceId];
    const where = ['e.workspace_id = $1'];
    if (filter.after) where.push(`(e.created_at, e.id) < ($${params.push(filter.after.createdAt)}, $${params.push(filter.after.id)})`);
    return this.dataSource.query(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints e WHERE ${where.join(' AND ')}
        ORDER BY e.created_at DESC, e.id DESC LIMIT ${filter.limit + 1}`,
      params,
    );
  }

  async countEndpoints(workspaceId: string, em: EntityManager): Promise<number> {
    const [{ n }] = await em.query(`SELECT count(*)::int AS n FROM webhook_endpoints WHERE workspace_id = $1`, [workspaceId]);
    return n;
  }

  /** The enabled endpoints subscribed to any of these event types. */
  subscribedEndpoints(
    workspaceId: string,
    eventTypes: readonly string[],
    em: EntityManager,
  ): Promise<Array<{ id: string; events: string[]; pausedUntil: Date | null }>> {
    return em.query(
      `SELECT id, events, paused_until AS "pausedUntil" FROM webhook_endpoints WHERE workspace_id = $1 AND enabled AND events && $2::text[]`,
      [workspaceId, eventTypes],
    );
  }

  /**
   * Pauses an endpoint until `until` unless a pause whose time has not come (after `now`) holds it;
   * null when paused, else that pause's end. One statement, so of attempts failing at once one pauses.
   */
  async pauseEndpoint(workspaceId: string, id: string, until: Date, now: Date, em: EntityManager): Promise<Date | null> {
    const [row]: Array<{ pausedUntil: Date | null; paused: boolean }> = await em.query(
      `WITH endpoint AS (SELECT id, paused_until FROM webhook_endpoints WHERE workspace_id = $1 AND id = $2 FOR UPDATE),
       paused AS (
         UPDATE webhook_endpoints e SET paused_until = $3 FROM endpoint
          WHERE e.id = endpoint.id AND (endpoint.paused_until IS NULL OR endpoint.paused_until <= $4) RETURNING e.id)
       SELECT endpoint.paused_until AS "pausedUntil", EXISTS (SELECT 1 FROM paused) AS paused FROM endpoint`,
      [workspaceId, id, until, now],
    );
    return !row || row.paused ? null : row.pausedUntil;
  }

  /** An endpoint's pause, its row locked until `em`'s transaction ends (as pauseEndpoint locks it); null: not paused. */
  async pauseForUpdate(workspaceId: string, id: string, em: EntityManager): Promise<Date | null> {
    const [row]: Array<{ pausedUntil: Date | null }> = await em.query(
      `SELECT paused_until AS "pausedUntil" FROM webhook_endpoints WHERE workspace_id = $1 AND id = $2 FOR UPDATE`,
      [workspaceId, id],
    );
    return row?.pausedUntil ?? null;
  }

  /** Brings a pause's probe forward to `at` (a delivery someone asked for becomes the probe). */
  async bringPauseForward(workspaceId: string, id: string, at: Date, em: EntityManager): Promise<void> {
    await em.query(`UPDATE webhook_endpoints SET paused_until = $3 WHERE workspace_id = $1 AND id = $2`, [workspaceId, id, at]);
  }

  /** The time pending deliveries are tried next, as their outbox jobs were moved to. */
  async setNextAttempts(workspaceId: string, deliveryIds: readonly string[], at: Date, em: EntityManager): Promise<void> {
    if (deliveryIds.length === 0) return;
    await em.query(
      `UPDATE webhook_deliveries SET next_attempt_at = $3 WHERE workspace_id = $1 AND id = ANY($2::uuid[]) AND status = 'pending'`,
      [workspaceId, deliveryIds, at],
    );
  }

  /** Ends an endpoint's pause; false when it was not paused (or is gone). */
  async unpauseEndpoint(workspaceId: string, id: string, em: EntityManager): Promise<boolean> {
    // An UPDATE answers [rows, count].
    const [rows]: [unknown[], number] = await em.query(
      `UPDATE webhook_endpoints SET paused_until = NULL WHERE workspace_id = $1 AND id = $2 AND paused_until IS NOT NULL RETURNING id`,
      [workspaceId, id],
    );
    return rows.length > 0;
  }

  /**
   * The endpoint's own fields. Enabling or disabling it ends its pause (read as the row stands, not as
   * the caller read it, since the worker may pause it meanwhile): enabled again, it starts afresh, as
   * after the give-up. A new URL keeps the pause: its probe tries the new URL (were a change to end it,
   * changing the URL again and again would send every held delivery to a receiver that never answers).
   * Answers the pause as it now stands.
   */
  async updateEndpoint(
    workspaceId: string,
    id: string,
    e: Pick<EndpointRecord, 'url' | 'description' | 'events' | 'enabled' | 'disabledReason' | 'updatedAt'>,
    em: EntityManager,
  ): Promise<Pick<EndpointRecord, 'pausedUntil'>> {
    // UPDATE … RETURNING answers [rows, count] through TypeORM.
    const [[row]]: [Array<Pick<EndpointRecord, 'pausedUntil'>>, number] = await em.query(
      `UPDATE webhook_endpoints SET url = $3, description = $4, events = $5, enabled = $6, disabled_reason = $7, updated_at = $8,
              paused_until = CASE WHEN enabled = $6 THEN paused_until END
        WHERE workspace_id = $1 AND id = $2
        RETURNING paused_until AS "pausedUntil"`,
      [workspaceId, id, e.url, e.description, e.events, e.enabled, e.disabledReason, e.updatedAt],
    );
    return row;
  }

  /**
   * Whoever points an endpoint at a new URL becomes its maker (as an invitation's changer becomes its
   * inviter): the endpoint then delivers to them (review 17a). Rotating the secret does not: the events
   * are in the body, and the URL's chooser must stay on record (review 18a).
   */
  async setMaker(workspaceId: string, id: string, maker: Maker, em: EntityManager): Promise<void> {
    await em.query(
      `UPDATE webhook_endpoints SET created_by_user_id = $3, created_by_api_user_id = $4, created_by_token_id = $5
        WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, id, ...makerColumns(maker)],
    );
  }

  async setSecrets(
    workspaceId: string,
    id: string,
    s: Pick<EndpointRecord, 'secretSealed' | 'previousSecretSealed' | 'previousSecretExpiresAt' | 'updatedAt'>,
    em: EntityManager,
  ): Promise<void> {
    await em.query(
      `UPDATE webhook_endpoints SET secret_sealed = $3, previous_secret_sealed = $4, previous_secret_expires_at = $5, updated_at = $6
        WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, id, s.secretSealed, s.previousSecretSealed, s.previousSecretExpiresAt, s.updatedAt],
    );
  }

  /**
   * Disables an enabled endpoint, and ends its pause (its probe has given up: enabled again, it starts
   * afresh); false when it was not enabled (or is gone).
   */
  async disableEndpoint(workspaceId: string, id: string, reason: string, at: Date, em: EntityManager): Promise<boolean> {
    const [rows]: [unknown[], number] = await em.query(
      `UPDATE webhook_endpoints SET enabled = false, disabled_reason = $3, updated_at = $4, paused_until = NULL
        WHERE workspace_id = $1 AND id = $2 AND enabled RETURNING id`,
      [workspaceId, id, reason, at],
    );
    return rows.length > 0;
  }

  async deleteEndpoint(workspaceId: string, id: string, em: EntityManager): Promise<void> {
    await em.query(`DELETE FROM webhook_endpoints WHERE workspace_id = $1 AND id = $2`, [workspaceId, id]);
  }

  /** The workspace's active owners, with its name: told when an endpoint is disabled (the mail carries no link). */
  owners(workspaceId: string, em: EntityManager): Promise<Array<{ email: string; name: string; workspaceName: string }>> {
    return em.query(
      `SELECT DISTINCT u.email, u.name, w.name AS "workspaceName"
         FROM memberships m
         JOIN membership_roles mr ON mr.membership_id = m.id
         JOIN roles r ON r.id = mr.role_id AND r.workspace_id = m.workspace_id
         JOIN users u ON u.id = m.user_id
         JOIN workspaces w ON w.id = m.workspace_id
        WHERE m.workspace_id = $1 AND ${isOwnerRoleSql('r')} AND u.status = 'active'
        ORDER BY u.email`,
      [workspaceId],
    );
  }

  /** Deliveries of one workspace, in few statements (a bulk create raises one per device and endpoint). */
  async insertDeliveries(
    workspaceId: string,
    deliveries: ReadonlyArray<
      Pick<DeliveryRecord, 'id' | 'endpointId' | 'messageId' | 'eventType' | 'payload' | 'nextAttemptAt' | 'createdAt'>
    >,
    em: EntityManager,
  ): Promise<void> {
    await insertRows(
      em,
      'webhook_deliveries',
      ['id', 'workspace_id', 'endpoint_id', 'message_id', 'event_type', 'payload', 'next_attempt_at', 'created_at', 'updated_at'],
      deliveries.map((d) => [
        d.id,
        workspaceId,
        d.endpointId,
        d.messageId,
        d.eventType,
        JSON.stringify(d.payload),
        d.nextAttemptAt,
        d.createdAt,
        d.createdAt,
      ]),
    );
  }

  async findDelivery(
    workspaceId: string,
    endpointId: string,
    id: string,
    em: EntityManager = this.dataSource.manager,
  ): Promise<DeliveryRecord | null> {
    const rows = await em.query(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d WHERE d.workspace_id = $1 AND d.endpoint_id = $2 AND d.id = $3`,
      [workspaceId, endpointId, id],
    );
    return rows[0] ?? null;
  }

  listDeliveries(
    workspaceId: string,
    endpointId: string,
    filter: { after: KeysetPosition | null; limit: number; eventTypes: readonly string[] },
  ): Promise<DeliveryRecord[]> {
    const params: unknown[] = [workspaceId, endpointId, filter.eventTypes];
    const where = ['d.workspace_id = $1', 'd.endpoint_id = $2', 'd.event_type = ANY ($3::text[])'];
    if (filter.after) where.push(`(d.created_at, d.id) < ($${params.push(filter.after.createdAt)}, $${params.push(filter.after.id)})`);
    return this.dataSource.query(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d WHERE ${where.join(' AND ')}
        ORDER BY d.created_at DESC, d.id DESC LIMIT ${filter.limit + 1}`,
      params,
    );
  }

  /** An attempt's outcome. */
  async recordAttempt(
    workspaceId: string,
    id: string,
    a: Pick<
      DeliveryRecord,
      'status' | 'attempts' | 'responseStatus' | 'responseBody' | 'durationMs' | 'lastError' | 'nextAttemptAt' | 'updatedAt'
    >,
    em: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await em.query(
      `UPDATE webhook_deliveries SET status = $3, attempts = $4, response_status = $5, response_body = $6, duration_ms = $7,
              last_error = $8, next_attempt_at = $9, updated_at = $10
        WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, id, a.status, a.attempts, a.responseStatus, a.responseBody, a.durationMs, a.lastError, a.nextAttemptAt, a.updatedAt],
    );
  }

  /**
   * Retention, across workspaces: deliveries finished (succeeded, failed, cancelled) before `cutoff`, up
   * to `limit`; a pending one is still being retried and stays. Returns how many went.
   */
  async purgeFinishedDeliveries(cutoff: Date, limit: number): Promise<number> {
    const [rows]: [unknown[], number] = await this.dataSource.query(
      `DELETE FROM webhook_deliveries WHERE id IN (
         SELECT id FROM webhook_deliveries WHERE status <> 'pending' AND updated_at < $1 LIMIT $2)
       RETURNING id`,
      [cutoff, limit],
    );
    return rows.length;
  }
}
