// Thin data access for devices. Workspace id first, always.
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { insertRows } from '../database/insert-rows';
import { Invalidation } from '../cache/invalidation';
import { DeviceAccess, reachesDevice } from '../authorization/device-rules';
import type { KeysetPosition } from '../common/pagination';
import { WorkspaceScoped } from '../database/workspace-scoped';

export interface DeviceRecord {
  id: string;
  workspaceId: string;
  name: string;
  serial: string;
  metadata: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = `d.id, d.workspace_id AS "workspaceId", d.name, d.serial, d.metadata, d.created_at AS "createdAt", d.updated_at AS "updatedAt"`;

@Injectable()
// forWarmUp() is the start-up warm-up's: it takes a list of workspaces, each row keeps its own.
@WorkspaceScoped({ notScoped: ['forWarmUp'] })
export class DevicesRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly invalidation: Invalidation,
  ) {}

  async insert(workspaceId: string, device: Omit<DeviceRecord, 'workspaceId'>, em: EntityManager): Promise<void> {
    await em.query(
      `INSERT INTO devices (id, workspace_id, name, serial, metadata, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [device.id, workspaceId, device.name, device.serial, JSON.stringify(device.metadata), device.createdAt, device.updatedAt],
    );
  }

  /** Devices created together, in one statement (a bulk create: at most 1,000). */
  async insertMany(workspaceId: string, devices: ReadonlyArray<Omit<DeviceRecord, 'workspaceId'>>, em: EntityManager): Promise<void> {
    await insertRows(
      em,
      'devices',
      ['id', 'workspace_id', 'name', 'serial', 'metadata', 'created_at', 'updated_at'],
      devices.map((d) => [d.id, workspaceId, d.name, d.serial, JSON.stringify(d.metadata), d.createdAt, d.updatedAt]),
    );
  }

  /** Which of these serials devices of the workspace already have. */
  async takenSerials(workspaceId: string, serials: string[], em: EntityManager): Promise<Set<string>> {
    const rows: Array<{ serial: string }> = await em.query(
      `SELECT serial FROM devices WHERE workspace_id = $1 AND serial = ANY($2::text[])`,
      [workspaceId, serials],
    );
    return new Set(rows.map((r) => r.serial));
  }

  /** A device the given access can see, or null: outside device access reads as not there. */
  async find(
    workspaceId: string,
    deviceId: string,
    access: DeviceAccess,
    em: EntityManager = this.dataSource.manager,
  ): Promise<DeviceRecord | null> {
    if (!reachesDevice(access, deviceId)) return null;
    const rows = await em.query(`SELECT ${COLUMNS} FROM devices d WHERE d.workspace_id = $1 AND d.id = $2`, [workspaceId, deviceId]);
    return rows[0] ?? null;
  }

  list(
    workspaceId: string,
    access: DeviceAccess,
    filter: { serial?: string; after: KeysetPosition | null; limit: number },
  ): Promise<DeviceRecord[]> {
    const params: unknown[] = [workspaceId];
    const where = ['d.workspace_id = $1'];
    if (access.mode === 'selected') where.push(`d.id = ANY($${params.push(access.deviceIds)}::uuid[])`);
    if (filter.serial !== undefined) where.push(`d.serial = $${params.push(filter.serial)}`);
    if (filter.after) where.push(`(d.created_at, d.id) < ($${params.push(filter.after.createdAt)}, $${params.push(filter.after.id)})`);
    return this.dataSource.query(
      `SELECT ${COLUMNS} FROM devices d WHERE ${where.join(' AND ')} ORDER BY d.created_at DESC, d.id DESC LIMIT ${filter.limit + 1}`,
      params,
    );
  }

  async update(
    workspaceId: string,
    deviceId: string,
    device: Pick<DeviceRecord, 'name' | 'serial' | 'metadata' | 'updatedAt'>,
    em: EntityManager,
  ): Promise<void> {
    await em.query(`UPDATE devices SET name = $3, serial = $4, metadata = $5, updated_at = $6 WHERE workspace_id = $1 AND id = $2`, [
      workspaceId,
      deviceId,
      device.name,
      device.serial,
      JSON.stringify(device.metadata),
      device.updatedAt,
    ]);
  }

  async delete(workspaceId: string, deviceId: string, em: EntityManager): Promise<void> {
    await em.query(`DELETE FROM devices WHERE workspace_id = $1 AND id = $2`, [workspaceId, deviceId]);
    // What was read from this device goes stale (grants selecting it, tokens bound to it, knowing it
    // exists), and nothing else: the workspace's other cached access stays (HotCache tags).
    await this.invalidation.publish(em, { kind: 'device', id: deviceId });
  }

  /**
   * The start-up warm-up's, and nothing else's: up to `limit` devices of these workspaces as
   * [workspaceId, deviceId], the first workspace's first. It reads across every workspace it is given,
   * so it must never be handed ids a caller chose (the warm-up's come from the access rows it primed).
   */
  async forWarmUp(
    workspaceIds: readonly string[],
    limit: number,
    em: EntityManager = this.dataSource.manager,
  ): Promise<Array<[string, string]>> {
    if (workspaceIds.length === 0 || limit <= 0) return [];
    const rows: Array<{ workspaceId: string; id: string }> = await em.query(
      `SELECT workspace_id AS "workspaceId", id FROM devices WHERE workspace_id = ANY($1::uuid[])
        ORDER BY array_position($1::uuid[], workspace_id) LIMIT $2`,
      [workspaceIds, limit],
    );
    return rows.map((r) => [r.workspaceId, r.id]);
  }

  /** Which of these ids are devices of the workspace. */
  async existing(workspaceId: string, deviceIds: string[], em: EntityManager = this.dataSource.manager): Promise<Set<string>> {
    if (deviceIds.length === 0) return new Set();
    const rows: Array<{ id: string }> = await em.query(`SELECT id FROM devices WHERE workspace_id = $1 AND id = ANY($2::uuid[])`, [
      workspaceId,
      deviceIds,
    ]);
    return new Set(rows.map((r) => r.id));
  }
}
