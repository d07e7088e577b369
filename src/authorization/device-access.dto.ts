// Device access as a request sends it and an answer shows it (members, invitations, API users); the
// rules that judge it are in device-rules.ts.
import { ApiProperty, ApiPropertyOptional, getSchemaPath, type ApiPropertyOptions } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsUUID, ValidateIf } from 'class-validator';
import { UUID_SCHEMA } from '../common/uuid-param';
import { NULL_SCHEMA } from '../common/view-fields';
import { LowercaseUuids } from '../common/validation';
import type { DeviceAccess } from './device-rules';

/** Every device of the workspace, or the ones named. */
export const DEVICE_ACCESS_MODES = ['all', 'selected'] as const;

/** The most devices one grant may name. */
export const MAX_DEVICES_PER_GRANT = 1000;

/** How `deviceIds` is documented wherever it appears (requests and answers): ids, at most one grant's worth. */
export const DEVICE_IDS_SCHEMA: ApiPropertyOptions = {
  type: [String],
  format: 'uuid',
  maxLength: UUID_SCHEMA.maxLength,
  maxItems: MAX_DEVICES_PER_GRANT,
};

export class DeviceAccessDto {
  @ApiProperty({ enum: [...DEVICE_ACCESS_MODES] })
  @IsIn(DEVICE_ACCESS_MODES)
  mode: (typeof DEVICE_ACCESS_MODES)[number];

  @ApiPropertyOptional({ ...DEVICE_IDS_SCHEMA, uniqueItems: true, description: 'With mode "selected": the devices, by id' })
  @ValidateIf((o: DeviceAccessDto) => o.mode === 'selected' || o.deviceIds !== undefined)
  @LowercaseUuids()
  @IsArray()
  @ArrayMaxSize(MAX_DEVICES_PER_GRANT)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  deviceIds?: string[];
}

/** Every device of the workspace, those added later included. */
export class AllDevicesView {
  @ApiProperty({ enum: ['all'] })
  mode: 'all';
}

/** The devices named, and no other. */
export class SelectedDevicesView {
  @ApiProperty({ enum: ['selected'] })
  mode: 'selected';

  @ApiProperty({ ...DEVICE_IDS_SCHEMA, description: 'The devices, by id' })
  deviceIds: string[];
}

/** Device access in an answer: the same two shapes as the request's, told apart by `mode`. */
export type DeviceAccessView = AllDevicesView | SelectedDevicesView;

/** Registered with the document once (openapi-document.ts): fields name them by $ref only. */
export const DEVICE_ACCESS_MODELS = [AllDevicesView, SelectedDevicesView];

const DEVICE_ACCESS_SHAPES = [{ $ref: getSchemaPath(AllDevicesView) }, { $ref: getSchemaPath(SelectedDevicesView) }];
const BY_MODE = {
  propertyName: 'mode',
  mapping: { all: getSchemaPath(AllDevicesView), selected: getSchemaPath(SelectedDevicesView) },
};

/** The schema of a DeviceAccessView field; merge a description into it. */
export const DEVICE_ACCESS_SCHEMA = { oneOf: DEVICE_ACCESS_SHAPES, discriminator: BY_MODE } satisfies ApiPropertyOptions;

/** The same, or null. */
export const NULLABLE_DEVICE_ACCESS_SCHEMA = {
  oneOf: [...DEVICE_ACCESS_SHAPES, NULL_SCHEMA],
} satisfies ApiPropertyOptions;

export function toDeviceAccess(dto: DeviceAccessDto): DeviceAccess {
  return dto.mode === 'all' ? { mode: 'all' } : { mode: 'selected', deviceIds: dto.deviceIds ?? [] };
}
