// Device access as a request sends it (members, invitations, API users); the rules that judge it are
// in device-rules.ts.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsUUID, ValidateIf } from 'class-validator';
import { LowercaseUuids } from '../common/validation';
import type { DeviceAccess } from './device-rules';

export class DeviceAccessDto {
  @ApiProperty({ enum: ['all', 'selected'] })
  @IsIn(['all', 'selected'])
  mode: 'all' | 'selected';

  @ApiPropertyOptional({ type: [String], description: 'With mode "selected": the devices, by id' })
  @ValidateIf((o: DeviceAccessDto) => o.mode === 'selected' || o.deviceIds !== undefined)
  @LowercaseUuids()
  @IsArray()
  @ArrayMaxSize(1000)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  deviceIds?: string[];
}

export function toDeviceAccess(dto: DeviceAccessDto): DeviceAccess {
  return dto.mode === 'all' ? { mode: 'all' } : { mode: 'selected', deviceIds: dto.deviceIds ?? [] };
}
