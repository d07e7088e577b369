import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { ALL_SCOPES, PERMISSIONS } from '../authorization/permissions';
import { PageQueryDto } from '../common/pagination';
import { Optional } from '../common/validation';
import { RoleGrantFields, UpdateMemberDto } from '../workspaces/workspaces.dto';

export class CreateApiUserDto extends RoleGrantFields {
  @ApiProperty({ example: 'Dashboard ingest', maxLength: 100 })
  @IsString() @Length(1, 100) @Matches(/\S/, { message: 'must not be blank' })
  name: string;
}

/** Roles and device access change as a member's do, plus a name and a status. */
export class UpdateApiUserDto extends UpdateMemberDto {
  @ApiPropertyOptional({ maxLength: 100 })
  @Optional() @IsString() @Length(1, 100) @Matches(/\S/, { message: 'must not be blank' })
  name?: string;

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
