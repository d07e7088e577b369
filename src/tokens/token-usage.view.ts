// What the usage routes answer: a token's hourly requests and refusals over the last days.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn } from 'class-validator';
import { IntInRange } from '../common/dto-fields';
import { Optional } from '../common/validation';
import { PageQueryDto } from '../common/pagination';
import { DATE_TIME } from '../common/view-fields';
import { USAGE_RETENTION_DAYS } from './token-usage.recorder';

export const TOKEN_USAGE_DESCRIPTION =
  "The token's requests and refusals per hour over the last `days` (sparse: hours without use are left out), " +
  'as flushed by every instance (counts reach the database within LATCHKEY_LAST_USED_FLUSH_SECONDS)';

export class TokenUsageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: USAGE_RETENTION_DAYS, default: USAGE_RETENTION_DAYS, description: 'How many days back' })
  @Optional()
  @Type(() => Number)
  @IntInRange(1, USAGE_RETENTION_DAYS)
  days?: number;
}

/** The lists of tokens left unused this long. */
export const UNUSED_DAYS = [30, 90] as const;

export class UnusedTokensListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    enum: UNUSED_DAYS,
    default: UNUSED_DAYS[0],
    description: 'Unused for at least this many days (by last use, or creation when never used)',
  })
  @Optional()
  @Type(() => Number)
  @IsIn(UNUSED_DAYS)
  days?: (typeof UNUSED_DAYS)[number];
}

/** An hour's count is a PostgreSQL integer; a total adds up to 30 days of hours. */
const HOURLY_COUNT_MAX = 2_147_483_647;
const TOTAL_COUNT_MAX = HOURLY_COUNT_MAX * USAGE_RETENTION_DAYS * 24;

export class TokenUsageBucketView {
  @ApiProperty({ ...DATE_TIME, description: 'The hour (its start, UTC)' })
  hour: Date;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    maximum: HOURLY_COUNT_MAX,
    description: 'Authenticated requests of the token in that hour, refused ones included',
  })
  requests: number;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    maximum: HOURLY_COUNT_MAX,
    description: 'Of those, the ones answered 401, 403 or 429 after the token was identified',
  })
  refusals: number;
}

export class TokenUsageTotalsView {
  @ApiProperty({ type: 'integer', minimum: 0, maximum: TOTAL_COUNT_MAX })
  requests: number;

  @ApiProperty({ type: 'integer', minimum: 0, maximum: TOTAL_COUNT_MAX })
  refusals: number;
}

export class TokenUsageView {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  tokenId: string;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: USAGE_RETENTION_DAYS })
  days: number;

  @ApiProperty({ ...DATE_TIME, description: 'The first hour counted' })
  since: Date;

  @ApiProperty({ type: [TokenUsageBucketView], maxItems: USAGE_RETENTION_DAYS * 24, description: 'Hours with use, oldest first' })
  buckets: TokenUsageBucketView[];

  @ApiProperty({ type: TokenUsageTotalsView })
  totals: TokenUsageTotalsView;

  @ApiProperty({
    description:
      "true: a member's token that also reaches other workspaces, seen by this workspace's admins: its use is its owner's " +
      'business (as its lastUsedAt is), so no hours are given',
  })
  hidden: boolean;
}
