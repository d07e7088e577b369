// Device access on a membership or API user: every device of the workspace, or a chosen few.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsUUID, ValidateIf } from 'class-validator';
import { LowercaseUuids } from '../common/validation';

export type DeviceAccess = { mode: 'all' } | { mode: 'selected'; deviceIds: string[] };

export class DeviceAccessDto {
  @ApiProperty({ enum: ['all', 'selected'] })
  @IsIn(['all', 'selected'])
  mode: 'all' | 'selected';

  @ApiPropertyOptional({ type: [String], description: 'With mode "selected": the devices, by id' })
  @ValidateIf((o: DeviceAccessDto) => o.mode === 'selected' || o.deviceIds !== undefined)
  @LowercaseUuids() @IsArray() @ArrayMaxSize(1000) @ArrayUnique() @IsUUID('all', { each: true })
  deviceIds?: string[];
}

export function toDeviceAccess(dto: DeviceAccessDto): DeviceAccess {
  return dto.mode === 'all' ? { mode: 'all' } : { mode: 'selected', deviceIds: dto.deviceIds ?? [] };
}

export function canSeeDevice(access: DeviceAccess, deviceId: string): boolean {
  return access.mode === 'all' || access.deviceIds.includes(deviceId);
}

/** Is `granted` within `own`? Nobody hands out devices they cannot reach themselves. */
export function deviceAccessWithin(own: DeviceAccess, granted: DeviceAccess): boolean {
  if (own.mode === 'all') return true;
  return granted.mode === 'selected' && granted.deviceIds.every((id) => own.deviceIds.includes(id));
}
