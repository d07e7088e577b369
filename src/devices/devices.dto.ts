import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsObject, ValidateNested } from 'class-validator';
import { BoundedString, NonBlankString, SERIAL_MAX_LENGTH, SerialString } from '../common/dto-fields';
import { PageQueryDto } from '../common/pagination';
import { InputValues, MAX_INPUT_VALUES, Optional, RAW_JSON_FACTOR } from '../common/validation';

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

/**
 * Devices per POST …/devices/bulk: the most any array of a body may hold (MAX_ARRAY_ITEMS), and ten such
 * requests make the 10,000 devices issue 21 asks for in well under a minute (docs/performance.md).
 */
export const BULK_DEVICES_MAX = 1000;
/**
 * Keys and array items a bulk body may hold in all: what the raw JSON check lets through anyway, so
 * 1,000 devices carry 16 metadata values each on average (the rest of the API keeps MAX_INPUT_VALUES).
 */
export const BULK_DEVICES_MAX_VALUES = MAX_INPUT_VALUES * RAW_JSON_FACTOR;

@InputValues(BULK_DEVICES_MAX_VALUES)
export class CreateDevicesDto {
  @ApiProperty({
    type: [CreateDeviceDto],
    minItems: 1,
    maxItems: BULK_DEVICES_MAX,
    description:
      `1 to ${BULK_DEVICES_MAX} devices, each as POST …/devices takes it, created together or not at all; ` +
      'the body is at most 1 MiB of JSON in all',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(BULK_DEVICES_MAX)
  // ValidateNested alone lets an item that is itself a list through (it validates the list's items).
  @IsObject({ each: true, message: 'each item must be a JSON object' })
  @ValidateNested({ each: true })
  @Type(() => CreateDeviceDto)
  devices: CreateDeviceDto[];
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
