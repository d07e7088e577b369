// A token's or an API user's own rate limit: `limit` requests per `windowSeconds`, on top of the
// global per-token limit (LATCHKEY_RATE_LIMIT_PER_TOKEN), which keeps applying: an own limit can
// only make a token's allowance stricter. One that is looser than the global one is accepted (the
// global limit may change with the deployment; a stored limit should not turn invalid with it) and
// simply never the one that refuses. The exact algorithm is in docs/rate-limits.md.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsObject, ValidateIf, ValidateNested } from 'class-validator';
import { IntInRange } from '../common/dto-fields';
import { nullableRef } from '../common/view-fields';

export const RATE_LIMIT_MAX = 1_000_000;
export const RATE_LIMIT_WINDOW_MAX_SECONDS = 86_400;

export interface RateLimitSetting {
  limit: number;
  windowSeconds: number;
}

export class RateLimitDto implements RateLimitSetting {
  @ApiProperty({ description: 'Requests allowed per window (whole number)', example: 600 })
  @IntInRange(1, RATE_LIMIT_MAX)
  limit: number;

  @ApiProperty({ description: 'The window, in seconds (whole number)', example: 60 })
  @IntInRange(1, RATE_LIMIT_WINDOW_MAX_SECONDS)
  windowSeconds: number;
}

export class RateLimitView implements RateLimitSetting {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: RATE_LIMIT_MAX })
  limit: number;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: RATE_LIMIT_WINDOW_MAX_SECONDS })
  windowSeconds: number;
}

const RATE_LIMIT_DESCRIPTION =
  'Its own rate limit, on top of the global per-token one (which keeps applying); null: none. ' + 'A fixed window: see docs/rate-limits.md';

/** The `rateLimit` field of a form: an object, or null for none; left out: none (creation) or unchanged (PATCH). */
export function RateLimitField(description = RATE_LIMIT_DESCRIPTION): PropertyDecorator {
  return (target, key) => {
    ApiPropertyOptional({ ...nullableRef(RateLimitDto), description })(target, key);
    ValidateIf((_o, value) => value !== undefined && value !== null)(target, key);
    IsObject()(target, key);
    ValidateNested()(target, key);
    Type(() => RateLimitDto)(target, key);
  };
}

/** The stored pair as the API shows it. */
export function rateLimitOf(limit: number | null, windowSeconds: number | null): RateLimitView | null {
  return limit === null || windowSeconds === null ? null : { limit, windowSeconds };
}

/** One own limit a request must pass: the token's (or its parent's), or its API user's shared one. */
export interface OwnRateLimit {
  /** `token-limit` or `api-user-limit`, as the RateLimit fields name it. */
  readonly policy: 'token-limit' | 'api-user-limit';
  /** The bucket: by token or API user, and by window length, so a changed window starts a new one. */
  readonly key: string;
  readonly limit: number;
  readonly windowSeconds: number;
}

export const RATE_LIMIT_VIEW_DESCRIPTION = 'Its own rate limit ({limit, windowSeconds}), on top of the global one; null: none';
