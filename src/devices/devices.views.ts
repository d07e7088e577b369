// What clients see of a device.
import { ApiProperty } from '@nestjs/swagger';
import { DATE_TIME } from '../common/view-fields';
import { SERIAL_MAX_LENGTH } from '../common/dto-fields';
import { DEVICE_NAME_MAX_LENGTH, METADATA_SCHEMA } from './devices.dto';
import type { DeviceRecord } from './devices.repository';

export class DeviceView {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  id: string;

  @ApiProperty({ maxLength: DEVICE_NAME_MAX_LENGTH, example: 'Greenhouse 3 sensor' })
  name: string;

  @ApiProperty({ maxLength: SERIAL_MAX_LENGTH, example: 'SN-000123', description: 'Unique within the workspace' })
  serial: string;

  @ApiProperty(METADATA_SCHEMA)
  metadata: Record<string, unknown>;

  @ApiProperty(DATE_TIME)
  createdAt: Date;

  @ApiProperty(DATE_TIME)
  updatedAt: Date;
}

export function toDeviceView(d: Omit<DeviceRecord, 'workspaceId'>): DeviceView {
  return { id: d.id, name: d.name, serial: d.serial, metadata: d.metadata, createdAt: d.createdAt, updatedAt: d.updatedAt };
}
