import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsInt, IsObject, IsOptional, IsString, IsUUID, Length, Matches, Max, Min, ValidateNested } from 'class-validator';
import { DeviceAccessDto } from '../authorization/device-access';
import { ALL_SCOPES, PERMISSIONS } from '../authorization/permissions';
import { PageQueryDto } from '../common/pagination';
import { LowercaseUuids, Optional } from '../common/validation';
import { RoleGrantFields } from '../workspaces/workspaces.dto';

export class CreateApiUserDto extends RoleGrantFields {
  @ApiProperty({ example: 'Dashboard ingest', maxLength: 100 })
  @IsString() @Length(1, 100) @Matches(/\S/, { message: 'must not be blank' })
  name: string;
}

export class UpdateApiUserDto {
  @ApiPropertyOptional({ maxLength: 100 })
  @Optional() @IsString() @Length(1, 100) @Matches(/\S/, { message: 'must not be blank' })
  name?: string;

  @ApiPropertyOptional({ type: [String] })
  @Optional() @LowercaseUuids() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(20) @ArrayUnique() @IsUUID('all', { each: true })
  roleIds?: string[];

  @ApiPropertyOptional({ type: DeviceAccessDto })
  @Optional() @IsObject() @ValidateNested() @Type(() => DeviceAccessDto)
  deviceAccess?: DeviceAccessDto;

  @ApiPropertyOptional({ enum: ['active', 'disabled'] })
  @Optional() @IsIn(['active', 'disabled'])
  status?: 'active' | 'disabled';
}

const API_USER_SCOPES = [...PERMISSIONS, ALL_SCOPES];

export class CreateApiUserTokenDto {
  @ApiPropertyOptional({ maxLength: 100 })
  @Optional() @IsString() @Length(1, 100) @Matches(/\S/, { message: 'must not be blank' })
  name?: string;

  @ApiPropertyOptional({ type: [String], default: ['*'], description: 'Workspace permissions, or ["*"] for all the API user has' })
  @Optional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(PERMISSIONS.length) @ArrayUnique()
  @IsIn(API_USER_SCOPES, { each: true, message: 'each value must be a permission of the catalog or *' })
  scopes?: string[];

  @ApiPropertyOptional({ nullable: true, minimum: 1, maximum: 3650, description: 'Default: never expires' })
  @IsOptional() @IsInt() @Min(1) @Max(3650)
  expiresInDays?: number | null;
}

export class ListApiUserTokensQueryDto extends PageQueryDto {}
