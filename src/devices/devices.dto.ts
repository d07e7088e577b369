import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject } from 'class-validator';
import { BoundedString, NonBlankString, SERIAL_MAX_LENGTH, SerialString } from '../common/dto-fields';
import { PageQueryDto } from '../common/pagination';
import { Optional } from '../common/validation';

export const DEVICE_NAME_MAX_LENGTH = 200;
/** A device's metadata, as JSON in UTF-8, is at most 16 KiB; nothing else limits its keys or values. */
export const METADATA_MAX_BYTES = 16 * 1024;
/** No object of METADATA_MAX_BYTES has more keys: `{}` and at least 5 bytes (`"":0,`) for each key. */
export const METADATA_MAX_KEYS = Math.floor((METADATA_MAX_BYTES - 1) / 5);

/** The schema of `metadata`, in requests and answers alike. */
export const METADATA_SCHEMA = {
  type: 'object',
  maxProperties: METADATA_MAX_KEYS,
  additionalProperties: { description: 'Any JSON value: a string, number, boolean, null, array or object' },
  example: { site: 'Greenhouse 3', firmware: '2.4.1' },
  description:
    `Free-form: any JSON object of at most ${METADATA_MAX_BYTES / 1024} KiB as JSON (UTF-8), which bounds the number ` +
    'and the length of its keys and values; nothing else does',
} as const;

export class CreateDeviceDto {
  @ApiProperty({ example: 'Greenhouse 3 sensor', maxLength: DEVICE_NAME_MAX_LENGTH })
  @NonBlankString(DEVICE_NAME_MAX_LENGTH)
  name: string;

  @ApiProperty({ example: 'SN-000123', maxLength: SERIAL_MAX_LENGTH, description: 'Unique within the workspace' })
  @SerialString()
  serial: string;

  @ApiPropertyOptional({ ...METADATA_SCHEMA, default: {} })
  @Optional()
  @IsObject()
  metadata?: Record<string, unknown>;
}

export class UpdateDeviceDto {
  @ApiPropertyOptional({ maxLength: DEVICE_NAME_MAX_LENGTH })
  @Optional()
  @NonBlankString(DEVICE_NAME_MAX_LENGTH)
  name?: string;

  @ApiPropertyOptional({ maxLength: SERIAL_MAX_LENGTH })
  @Optional()
  @SerialString()
  serial?: string;

  @ApiPropertyOptional({ ...METADATA_SCHEMA, description: `${METADATA_SCHEMA.description}. Replaces the metadata as a whole` })
  @Optional()
  @IsObject()
  metadata?: Record<string, unknown>;
}

export class ListDevicesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Only the device with this serial' })
  @Optional()
  @BoundedString({ max: SERIAL_MAX_LENGTH })
  serial?: string;
}
