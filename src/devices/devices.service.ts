// Devices of a workspace. Reads and changes are limited to the caller's device access; what is
// outside it answers like what does not exist. Changes decide on that access as it is under the
// workspace's lock, not as the guard read it.
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import type { Actor } from '../audit/audit-log';
import { assertReachesAllDevices } from '../authorization/device-rules';
import type { WorkspaceAccess } from '../authorization/workspace-access';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { WorkspaceWrites } from '../authorization/workspace-writes';
import { Clock } from '../common/clock';
import { conflict, notFound, validationFailed } from '../common/errors';
import { decodeCursor, Page, pageLimit, toPage } from '../common/pagination';
import { CreateDeviceDto, CreateDevicesDto, ListDevicesQueryDto, METADATA_MAX_BYTES, UpdateDeviceDto } from './devices.dto';
import { DeviceRecord, DevicesRepository } from './devices.repository';
import { DeviceView, toDeviceView } from './devices.views';

@Injectable()
export class DevicesService {
  constructor(
    private readonly devices: DevicesRepository,
    private readonly writes: WorkspaceWrites,
    private readonly clock: Clock,
  ) {}

  async create(caller: WorkspaceCaller, actor: Actor, dto: CreateDeviceDto): Promise<DeviceView> {
    const device = newDevice(dto, checkedMetadata(dto.metadata ?? {}, 'metadata'), this.clock.now());
    await this.writes.run(
      caller,
      actor,
      async ({ em, access, audit }) => {
        assertMayCreate(access);
        await this.devices.insert(access.workspaceId, device, em);
        await audit(createdEvent(device));
      },
      { conflicts: serialTaken(dto.serial) },
    );
    return toDeviceView(device);
  }

  /**
   * Devices created together or not at all (POST …/devices/bulk): one lock, one reading of the caller's
   * rights, one statement for the devices and one for their events. Each device is what create() makes
   * of it, with its own audit event and webhook events; a serial taken already or twice in the batch is
   * a 409 naming the item.
   */
  async createMany(caller: WorkspaceCaller, actor: Actor, dto: CreateDevicesDto): Promise<DeviceView[]> {
    const now = this.clock.now();
    const devices = dto.devices.map((item, i) => newDevice(item, checkedMetadata(item.metadata ?? {}, `devices[${i}].metadata`), now));
    await this.writes.run(
      caller,
      actor,
      async ({ em, access, auditMany }) => {
        assertMayCreate(access);
        assertSerialsOnce(devices);
        const taken = await this.devices.takenSerials(
          access.workspaceId,
          devices.map((d) => d.serial),
          em,
        );
        const clash = devices.findIndex((d) => taken.has(d.serial));
        if (clash !== -1) throw conflict(`devices[${clash}].serial: ${serialTaken(devices[clash].serial).devices_workspace_serial_key}`);
        await this.devices.insertMany(access.workspaceId, devices, em);
        await auditMany(devices.map(createdEvent));
      },
      // Not reached while every device write takes the workspace's lock (takenSerials read under it).
      { conflicts: { devices_workspace_serial_key: 'A device with one of these serials exists in this workspace.' } },
    );
    return devices.map(toDeviceView);
  }

  async list(access: WorkspaceAccess, query: ListDevicesQueryDto): Promise<Page<DeviceView>> {
    const limit = pageLimit(query);
    const rows = await this.devices.list(access.workspaceId, access.deviceAccess, {
      serial: query.serial,
      after: decodeCursor(query.cursor),
      limit,
    });
    return toPage(rows, limit, toDeviceView);
  }

  async get(access: WorkspaceAccess, deviceId: string): Promise<DeviceView> {
    return toDeviceView(await this.find(access, deviceId));
  }

  async update(caller: WorkspaceCaller, actor: Actor, deviceId: string, dto: UpdateDeviceDto): Promise<DeviceView> {
    const metadata = dto.metadata !== undefined ? checkedMetadata(dto.metadata, 'metadata') : undefined;
    return this.writes.run(
      caller,
      actor,
      async ({ em, access, audit }) => {
        const device = await this.find(access, deviceId, em);
        // Serials are unique across the workspace, so a collision would tell of a device out of the
        // caller's reach: choosing a serial needs every device in reach, as creating one does.
        if (dto.serial !== undefined && dto.serial !== device.serial)
          assertReachesAllDevices(access.deviceAccess, "Changing a device's serial");
        const changed = {
          name: dto.name?.trim() ?? device.name,
          serial: dto.serial ?? device.serial,
          metadata: metadata ?? device.metadata,
          updatedAt: this.clock.now(),
        };
        await this.devices.update(access.workspaceId, deviceId, changed, em);
        await audit({ action: 'device.updated', target: { type: 'device', id: deviceId }, details: { fields: Object.keys(dto) } });
        return toDeviceView({ ...device, ...changed });
      },
      { conflicts: serialTaken(dto.serial ?? '') },
    );
  }

  async delete(caller: WorkspaceCaller, actor: Actor, deviceId: string): Promise<void> {
    await this.writes.run(caller, actor, async ({ em, access, audit }) => {
      const device = await this.find(access, deviceId, em);
      await this.devices.delete(access.workspaceId, deviceId, em);
      await audit({ action: 'device.deleted', target: { type: 'device', id: deviceId }, details: { serial: device.serial } });
    });
  }

  private async find(access: WorkspaceAccess, deviceId: string, em?: EntityManager): Promise<DeviceRecord> {
    const device = await this.devices.find(access.workspaceId, deviceId, access.deviceAccess, em);
    if (!device) throw notFound('Device');
    return device;
  }
}

/** A device as the caller sent it: the name trimmed, created and updated now. */
function newDevice(dto: CreateDeviceDto, metadata: Record<string, unknown>, now: Date): Omit<DeviceRecord, 'workspaceId'> {
  return { id: randomUUID(), name: dto.name.trim(), serial: dto.serial, metadata, createdAt: now, updatedAt: now };
}

/** Choosing a serial tells whether it is taken, by any device of the workspace: creating needs them all. */
function assertMayCreate(access: WorkspaceAccess): void {
  assertReachesAllDevices(access.deviceAccess, 'Creating devices');
}

/** The audit event of a created device (and so its device.created webhook events). */
function createdEvent(device: Omit<DeviceRecord, 'workspaceId'>) {
  return {
    action: 'device.created',
    target: { type: 'device' as const, id: device.id },
    details: { name: device.name, serial: device.serial },
  };
}

/** Serials are unique within the workspace, so within one batch too: the second of a pair is the conflict. */
function assertSerialsOnce(devices: ReadonlyArray<Pick<DeviceRecord, 'serial'>>): void {
  const first = new Map<string, number>();
  devices.forEach((d, i) => {
    const earlier = first.get(d.serial);
    if (earlier !== undefined) throw conflict(`devices[${i}].serial: "${d.serial}" is also the serial of devices[${earlier}].`);
    first.set(d.serial, i);
  });
}

function serialTaken(serial: string) {
  return { devices_workspace_serial_key: `A device with serial "${serial}" exists in this workspace.` };
}

function checkedMetadata(metadata: Record<string, unknown>, field: string): Record<string, unknown> {
  if (Buffer.byteLength(JSON.stringify(metadata), 'utf8') > METADATA_MAX_BYTES) {
    throw validationFailed(field, 'must be at most 16 KiB of JSON');
  }
  return metadata;
}
