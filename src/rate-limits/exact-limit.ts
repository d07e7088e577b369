// A limit counted exactly, one Redis command per use with REDIS_URL (every instance shares the count),
// an in-memory limiter standing in while Redis is unreachable, in memory alone without it. For routes
// that cost far more than a command (public routes, password work); the token check's path uses the
// batched counters instead.
import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { DomainError, ErrorCode } from '../common/errors';
import { RateLimitState, rateLimitFields } from './rate-limit-fields';

const logger = new Logger('RateLimits');

export class ExactLimit {
  private readonly limiter: RateLimiterAbstract | null;

  /**
   * `points` per `durationSeconds` per key; 0 points turns the limit off. `detail` is the 429's.
   * `keyPrefix` also names the limit in the RateLimit fields.
   */
  constructor(
    redis: Redis | null,
    private readonly keyPrefix: string,
    private readonly points: number,
    private readonly durationSeconds: number,
    private readonly detail: string,
  ) {
    const memory = points > 0 ? new RateLimiterMemory({ keyPrefix, points, duration: durationSeconds }) : null;
    this.limiter =
      memory && redis
        ? new RateLimiterRedis({
            storeClient: redis,
            keyPrefix: `latchkey:${keyPrefix}`,
            points,
            duration: durationSeconds,
            insuranceLimiter: memory,
          })
        : memory;
  }

  /**
   * Counts one use of `key`: where it stands afterwards, or null when the limit is off or its store
   * failed. Past the limit, 429 with Retry-After and the RateLimit fields.
   */
  async consume(key: string): Promise<RateLimitState | null> {
    if (!this.limiter) return null;
    try {
      return this.state(await this.limiter.consume(key));
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw rateLimited(this.state(rejection), this.detail);
      // The store failed and no insurance took over: limits fail open, requests do not fail.
      logger.warn({ err: { type: (rejection as Error)?.constructor?.name } }, 'rate limit store failed');
      return null;
    }
  }

  private state(answer: RateLimiterRes): RateLimitState {
    return {
      policy: this.keyPrefix,
      quota: this.points,
      windowSeconds: this.durationSeconds,
      remaining: answer.remainingPoints,
      msBeforeReset: answer.msBeforeNext,
    };
  }
}

/** 429 rate_limited with the limit's RateLimit fields, its Retry-After rounded up to whole seconds (at least one). */
export function rateLimited(state: RateLimitState, detail: string): DomainError {
  return new DomainError(ErrorCode.RateLimited, detail, {
    retryAfterSeconds: Math.max(1, Math.ceil(state.msBeforeReset / 1000)),
    headers: rateLimitFields({ ...state, remaining: 0 }),
  });
}
