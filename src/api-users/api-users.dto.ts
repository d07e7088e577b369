import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { ALL_SCOPES, PERMISSIONS } from '../authorization/permissions';
import { IntInRange, NonBlankString, ScopeList } from '../common/dto-fields';
import { PageQueryDto } from '../common/pagination';
import { Optional } from '../common/validation';
import { TOKEN_NAME_MAX_LENGTH } from '../tokens/token.dto';
import { RateLimitDto, RateLimitField } from '../rate-limits/token-rate-limit';
import { AllowedCidrsField, TokenDetailsFields } from '../tokens/token-details';
import { RoleGrantFields, UpdateMemberDto } from '../workspaces/workspaces.dto';

const API_USER_RATE_LIMIT =
  "The API user's rate limit: one allowance shared by all its tokens, on top of each token's own and the global per-token one; null: none";

export const API_USER_NAME_MAX_LENGTH = 100;
/** The longest lifetime an API user's token may be given, in days (about ten years). */
const API_USER_TOKEN_DAYS_MAX = 3650;

/** disabled: its tokens are refused until it is active again. */
export const API_USER_STATUSES = ['active', 'disabled'] as const;
export type ApiUserStatus = (typeof API_USER_STATUSES)[number];

export class CreateApiUserDto extends RoleGrantFields {
  @ApiProperty({ example: 'Dashboard ingest', maxLength: API_USER_NAME_MAX_LENGTH })
  @NonBlankString(API_USER_NAME_MAX_LENGTH)
  name: string;

  @ApiPropertyOptional({
    nullable: true,
    minimum: 1,
    maximum: API_USER_TOKEN_DAYS_MAX,
    description:
      "The first token's lifetime in days; default: never expires. Needed when the workspace's token policy has a maxLifetimeDays",
  })
  @IsOptional()
  @IntInRange(1, API_USER_TOKEN_DAYS_MAX)
  expiresInDays?: number | null;

  @RateLimitField(API_USER_RATE_LIMIT)
  rateLimit?: RateLimitDto | null;

  @AllowedCidrsField(
    'Every token of the API user is usable only from these networks (as well as from its own allowedCidrs, when it has them). null: any network',
  )
  allowedCidrs?: string[] | null;
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

  @RateLimitField(`${API_USER_RATE_LIMIT}. null removes it, left out: unchanged`)
  rateLimit?: RateLimitDto | null;

  @AllowedCidrsField(
    'Every token of the API user is usable only from these networks (as well as from its own allowedCidrs, when it has them). null: any network',
  )
  allowedCidrs?: string[] | null;
}

const API_USER_SCOPES = [...PERMISSIONS, ALL_SCOPES];

export class CreateApiUserTokenDto extends TokenDetailsFields {
  @ApiPropertyOptional({ maxLength: TOKEN_NAME_MAX_LENGTH })
  @Optional()
  @NonBlankString(TOKEN_NAME_MAX_LENGTH)
  name?: string;

  @ApiPropertyOptional({ type: [String], default: ['*'], description: 'Workspace permissions, or ["*"] for all the API user has' })
  @Optional()
  @ScopeList(API_USER_SCOPES, 'each value must be a permission of the catalog or *', { min: 1, max: PERMISSIONS.length })
  scopes?: string[];

  @ApiPropertyOptional({ nullable: true, minimum: 1, maximum: API_USER_TOKEN_DAYS_MAX, description: 'Default: never expires' })
  @IsOptional()
  @IntInRange(1, API_USER_TOKEN_DAYS_MAX)
  expiresInDays?: number | null;

  @RateLimitField()
  rateLimit?: RateLimitDto | null;
}

export class ListApiUserTokensQueryDto extends PageQueryDto {}
