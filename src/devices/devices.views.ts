// What clients see of a device.
import { ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';
import { DEVICE_NAME_MAX_LENGTH, DEVICE_SERIAL_MAX_LENGTH, METADATA_SCHEMA } from './devices.dto';
import type { DeviceRecord } from './devices.repository';

/** A time in an answer, as Date.toJSON() writes it: always this long (for years 0 to 9999). */
const DATE_TIME = { type: String, format: 'date-time', maxLength: new Date(0).toJSON().length } satisfies ApiPropertyOptions;

export class DeviceView {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  id: string;

  @ApiProperty({ maxLength: DEVICE_NAME_MAX_LENGTH, example: 'Greenhouse 3 sensor' })
  name: string;

  @ApiProperty({ maxLength: DEVICE_SERIAL_MAX_LENGTH, example: 'SN-000123', description: 'Unique within the workspace' })
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
