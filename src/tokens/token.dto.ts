import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, Length } from 'class-validator';
import { GRANTABLE_SCOPES } from '../authorization/permissions';
import { IntInRange, NonBlankString, ScopeList, UuidList } from '../common/dto-fields';
import { PageQueryDto } from '../common/pagination';
import { Optional } from '../common/validation';
import { RateLimitDto, RateLimitField } from '../rate-limits/token-rate-limit';
import { USER_TOKEN_KINDS, UserTokenKind } from './token.entity';
import { TokenDetailsFields } from './token-details';

/** The longest name of a token (named and API-user tokens; the names the service gives are shorter). */
export const TOKEN_NAME_MAX_LENGTH = 100;
/** The most workspaces a named token may be restricted to. */
export const MAX_TOKEN_WORKSPACES = 100;
/** Longer than any password the account accepts, short enough to refuse junk before it is hashed. */
const CURRENT_PASSWORD_MAX_LENGTH = 1000;

export class CreateNamedTokenDto extends TokenDetailsFields {
  @ApiProperty({ example: 'CI deploy', maxLength: TOKEN_NAME_MAX_LENGTH })
  @NonBlankString(TOKEN_NAME_MAX_LENGTH)
  name: string;

  @ApiProperty({ type: [String], example: ['devices:read', 'account:read'], description: 'From GET /v1/permissions, or ["*"]' })
  @ScopeList(GRANTABLE_SCOPES, 'each value must be a permission, an account scope or *', { min: 1, max: 30 })
  scopes: string[];

  @ApiPropertyOptional({ type: [String], nullable: true, description: 'Restrict the token to these workspaces; omit or null for all' })
  @IsOptional()
  @UuidList({ min: 1, max: MAX_TOKEN_WORKSPACES })
  workspaceIds?: string[] | null;

  @ApiPropertyOptional({ nullable: true, minimum: 1, maximum: 366, default: 90, description: 'null: never expires' })
  @IsOptional()
  @IntInRange(1, 366)
  expiresInDays?: number | null;

  @RateLimitField()
  rateLimit?: RateLimitDto | null;
}

/** PATCH of a named or API-user token: what is given changes, what is left out stays. */
export class RotateTokenDto {
  @ApiPropertyOptional({ minimum: 0, maximum: 86400, default: 0, description: 'How long the old secret keeps working' })
  @Optional()
  @IntInRange(0, 86400)
  graceSeconds?: number;
}

export class RegeneratePersonalTokenDto {
  @ApiPropertyOptional({
    minLength: 1,
    maxLength: CURRENT_PASSWORD_MAX_LENGTH,
    description: 'Needed unless the request comes with a login session (POST /v1/auth/login)',
  })
  @Optional()
  @IsString()
  @Length(1, CURRENT_PASSWORD_MAX_LENGTH)
  currentPassword?: string;
}

export class ListTokensQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: USER_TOKEN_KINDS })
  @Optional()
  @IsIn(USER_TOKEN_KINDS)
  kind?: UserTokenKind;

  @ApiPropertyOptional({ default: false, description: 'Also list revoked and expired tokens' })
  @Optional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  includeInactive?: boolean;
}

export class ExchangeTokenDto {
  @ApiPropertyOptional({ minimum: 60, maximum: 43200, default: 3600 })
  @Optional()
  @IntInRange(60, 43200)
  expiresInSeconds?: number;
}

/** PATCH of a named or API-user token (the personal token: description, metadata and enabled only). */
export class UpdateTokenDto extends TokenDetailsFields {
  @ApiPropertyOptional({
    description: 'false: disable it (refused like a revoked token, 401, until enabled again); true: enable it again, with the same secret',
  })
  @Optional()
  @IsBoolean()
  enabled?: boolean;

  @RateLimitField(
    "Its own rate limit (named and API-user tokens), on top of the global per-token one; null removes it, left out: unchanged. Takes effect at the token's next request",
  )
  rateLimit?: RateLimitDto | null;
}
