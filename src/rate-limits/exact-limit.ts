// A limit counted exactly, one Redis command per use with REDIS_URL (every instance shares the count),
// an in-memory limiter standing in while Redis is unreachable, in memory alone without it. For routes
// that cost far more than a command (public routes, password work); the token check's path uses the
// batched counters instead.
import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { DomainError, ErrorCode } from '../common/errors';

const logger = new Logger('RateLimits');

export class ExactLimit {
  private readonly limiter: RateLimiterAbstract | null;

  /** `points` per `durationSeconds` per key; 0 points turns the limit off. `detail` is the 429's. */
  constructor(
    redis: Redis | null,
    keyPrefix: string,
    points: number,
    durationSeconds: number,
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

  /** Counts one use of `key`; 429 with Retry-After past the limit. */
  async consume(key: string): Promise<void> {
    if (!this.limiter) return;
    try {
      await this.limiter.consume(key);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw rateLimited(rejection.msBeforeNext, this.detail);
      // The store failed and no insurance took over: limits fail open, requests do not fail.
      logger.warn({ err: { type: (rejection as Error)?.constructor?.name } }, 'rate limit store failed');
    }
  }
}

/** 429 rate_limited, its Retry-After rounded up to whole seconds (at least one). */
export function rateLimited(msBeforeNext: number, detail: string): DomainError {
  return new DomainError(ErrorCode.RateLimited, detail, { retryAfterSeconds: Math.max(1, Math.ceil(msBeforeNext / 1000)) });
}
