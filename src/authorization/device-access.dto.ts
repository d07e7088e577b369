// Device access as a request sends it and an answer shows it (members, invitations, API users); the
// rules that judge it are in device-rules.ts.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsUUID, ValidateIf } from 'class-validator';
import { LowercaseUuids } from '../common/validation';
import type { DeviceAccess } from './device-rules';

/** The most devices one grant may name. */
export const MAX_DEVICES_PER_GRANT = 1000;

export class DeviceAccessDto {
  @ApiProperty({ enum: ['all', 'selected'] })
  @IsIn(['all', 'selected'])
  mode: 'all' | 'selected';

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    maxLength: 36,
    maxItems: MAX_DEVICES_PER_GRANT,
    uniqueItems: true,
    description: 'With mode "selected": the devices, by id',
  })
  @ValidateIf((o: DeviceAccessDto) => o.mode === 'selected' || o.deviceIds !== undefined)
  @LowercaseUuids()
  @IsArray()
  @ArrayMaxSize(MAX_DEVICES_PER_GRANT)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  deviceIds?: string[];
}

/** Device access in an answer: the same shape as the request's. */
export class DeviceAccessView {
  @ApiProperty({ enum: ['all', 'selected'] })
  mode: 'all' | 'selected';

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    maxLength: 36,
    maxItems: MAX_DEVICES_PER_GRANT,
    description: 'With mode "selected": the devices, by id',
  })
  deviceIds?: string[];
}

export function toDeviceAccess(dto: DeviceAccessDto): DeviceAccess {
  return dto.mode === 'all' ? { mode: 'all' } : { mode: 'selected', deviceIds: dto.deviceIds ?? [] };
}
