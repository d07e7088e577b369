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
import { notFound, validationFailed } from '../common/errors';
import { decodeCursor, Page, pageLimit, toPage } from '../common/pagination';
import { CreateDeviceDto, ListDevicesQueryDto, METADATA_MAX_BYTES, UpdateDeviceDto } from './devices.dto';
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
    const metadata = checkedMetadata(dto.metadata ?? {});
    const now = this.clock.now();
    const device = { id: randomUUID(), name: dto.name.trim(), serial: dto.serial, metadata, createdAt: now, updatedAt: now };
    await this.writes.run(
      caller,
      actor,
      async ({ em, access, audit }) => {
        assertReachesAllDevices(access.deviceAccess, 'Creating devices');
        await this.devices.insert(access.workspaceId, device, em);
        await audit({
          action: 'device.created',
          target: { type: 'device', id: device.id },
          details: { name: device.name, serial: device.serial },
        });
      },
      { conflicts: serialTaken(dto.serial) },
    );
    return toDeviceView(device);
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
    const metadata = dto.metadata !== undefined ? checkedMetadata(dto.metadata) : undefined;
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

function serialTaken(serial: string) {
  return { devices_workspace_serial_key: `A device with serial "${serial}" exists in this workspace.` };
}

function checkedMetadata(metadata: Record<string, unknown>): Record<string, unknown> {
  if (Buffer.byteLength(JSON.stringify(metadata), 'utf8') > METADATA_MAX_BYTES) {
    throw validationFailed('metadata', 'must be at most 16 KiB of JSON');
  }
  return metadata;
}
