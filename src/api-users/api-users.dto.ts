import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { ALL_SCOPES, PERMISSIONS } from '../authorization/permissions';
import { IntInRange, NonBlankString, ScopeList } from '../common/dto-fields';
import { PageQueryDto } from '../common/pagination';
import { Optional } from '../common/validation';
import { TOKEN_NAME_MAX_LENGTH } from '../tokens/token.dto';
import { RoleGrantFields, UpdateMemberDto } from '../workspaces/workspaces.dto';

export const API_USER_NAME_MAX_LENGTH = 100;
/** disabled: its tokens are refused until it is active again. */
export const API_USER_STATUSES = ['active', 'disabled'] as const;
export type ApiUserStatus = (typeof API_USER_STATUSES)[number];

export class CreateApiUserDto extends RoleGrantFields {
  @ApiProperty({ example: 'Dashboard ingest', maxLength: API_USER_NAME_MAX_LENGTH })
  @NonBlankString(API_USER_NAME_MAX_LENGTH)
  name: string;
}

/** Roles and device access change as a member's do, plus a name and a status. */
export class UpdateApiUserDto extends UpdateMemberDto {
  @ApiPropertyOptional({ maxLength: API_USER_NAME_MAX_LENGTH })
  @Optional()
  @NonBlankString(API_USER_NAME_MAX_LENGTH)
  name?: string;

  @ApiPropertyOptional({ enum: API_USER_STATUSES })
  @Optional()
  @IsIn(API_USER_STATUSES)
  status?: ApiUserStatus;
}

const API_USER_SCOPES = [...PERMISSIONS, ALL_SCOPES];

export class CreateApiUserTokenDto {
  @ApiPropertyOptional({ maxLength: TOKEN_NAME_MAX_LENGTH })
  @Optional()
  @NonBlankString(TOKEN_NAME_MAX_LENGTH)
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
