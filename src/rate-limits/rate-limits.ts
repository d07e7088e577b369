// Request rate limits: per token, per IP on public routes, and per IP for failed token checks (so a
// flood of made-up tokens is cut off before it reaches the database). Counters live in Redis when
// REDIS_URL is set, shared by every instance, with an in-memory limiter standing in while Redis is
// unreachable; in memory otherwise.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DomainError, ErrorCode } from '../common/errors';
import { RedisConnection } from './redis-connection';

const WINDOW_SECONDS = 60;

@Injectable()
export class RateLimits {
  private readonly logger = new Logger('RateLimits');
  private readonly perToken: RateLimiterAbstract | null;
  private readonly perIp: RateLimiterAbstract | null;
  private readonly failuresPerIp: RateLimiterAbstract | null;

  constructor(@Inject(APP_CONFIG) config: AppConfig, redis: RedisConnection) {
    const limits = config.rateLimits;
    const make = (keyPrefix: string, points: number): RateLimiterAbstract | null => {
      if (points <= 0) return null;
      const memory = new RateLimiterMemory({ keyPrefix, points, duration: WINDOW_SECONDS });
      return redis.client
        ? new RateLimiterRedis({ storeClient: redis.client, keyPrefix: `latchkey:${keyPrefix}`, points, duration: WINDOW_SECONDS, insuranceLimiter: memory })
        : memory;
    };
    this.perToken = make('token', limits.perTokenPerMinute);
    this.perIp = make('ip', limits.publicPerIpPerMinute);
    this.failuresPerIp = make('auth-fail', limits.failedChecksPerIpPerMinute);
  }

  consumeToken(tokenId: string): Promise<void> {
    return this.consume(this.perToken, tokenId);
  }

  consumePublic(ip: string): Promise<void> {
    return this.consume(this.perIp, ip);
  }

  /** Refuses an IP that has failed too many token checks lately, before its token is looked at. */
  async assertNotFlooding(ip: string): Promise<void> {
    const state = await this.failuresPerIp?.get(ip).catch(() => null);
    if (state && state.consumedPoints >= (this.failuresPerIp?.points ?? Infinity)) throw limited(state);
  }

  async recordFailedCheck(ip: string): Promise<void> {
    await this.consume(this.failuresPerIp, ip).catch(() => undefined);
  }

  private async consume(limiter: RateLimiterAbstract | null, key: string): Promise<void> {
    if (!limiter) return;
    try {
      await limiter.consume(key);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw limited(rejection);
      // The store failed and no insurance took over: limits fail open, requests do not fail.
      this.logger.warn({ err: { type: (rejection as Error)?.constructor?.name } }, 'rate limit store failed');
    }
  }
}

function limited(state: RateLimiterRes): DomainError {
  return new DomainError(ErrorCode.RateLimited, 'Too many requests; slow down.', {
    retryAfterSeconds: Math.max(1, Math.ceil(state.msBeforeNext / 1000)),
  });
}
