import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { ALL_SCOPES, PERMISSIONS } from '../authorization/permissions';
import { IntInRange, NonBlankString, ScopeList } from '../common/dto-fields';
import { PageQueryDto } from '../common/pagination';
import { Optional } from '../common/validation';
import { RoleGrantFields, UpdateMemberDto } from '../workspaces/workspaces.dto';

export class CreateApiUserDto extends RoleGrantFields {
  @ApiProperty({ example: 'Dashboard ingest', maxLength: 100 })
  @NonBlankString(100)
  name: string;
}

/** Roles and device access change as a member's do, plus a name and a status. */
export class UpdateApiUserDto extends UpdateMemberDto {
  @ApiPropertyOptional({ maxLength: 100 })
  @Optional()
  @NonBlankString(100)
  name?: string;

  @ApiPropertyOptional({ enum: ['active', 'disabled'] })
  @Optional()
  @IsIn(['active', 'disabled'])
  status?: 'active' | 'disabled';
}

const API_USER_SCOPES = [...PERMISSIONS, ALL_SCOPES];

export class CreateApiUserTokenDto {
  @ApiPropertyOptional({ maxLength: 100 })
  @Optional()
  @NonBlankString(100)
  name?: string;

  @ApiPropertyOptional({ type: [String], default: ['*'], description: 'Workspace permissions, or ["*"] for all the API user has' })
  @Optional()
  @ScopeList(API_USER_SCOPES, 'each value must be a permission of the catalog or *', { min: 1, max: PERMISSIONS.length })
  scopes?: string[];

  @ApiPropertyOptional({ nullable: true, minimum: 1, maximum: 3650, description: 'Default: never expires' })
  @IsOptional()
  @IntInRange(1, 3650)
  expiresInDays?: number | null;
}

export class ListApiUserTokensQueryDto extends PageQueryDto {}
