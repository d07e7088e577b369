// Request rate limits: per token, per IP on public routes, and per IP for failed token checks (so a
// flood of made-up tokens is cut off before it reaches the database). Counters live in Redis when
// REDIS_URL is set, shared by every instance, with an in-memory limiter standing in while Redis is
// unreachable; in memory otherwise.
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DomainError, ErrorCode } from '../common/errors';

const WINDOW_SECONDS = 60;

@Injectable()
export class RateLimits implements OnApplicationShutdown {
  private readonly logger = new Logger('RateLimits');
  private readonly redis: Redis | null;
  private readonly perToken: RateLimiterAbstract | null;
  private readonly perIp: RateLimiterAbstract | null;
  private readonly failuresPerIp: RateLimiterAbstract | null;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const limits = config.rateLimits;
    this.redis = config.redisUrl ? new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false }) : null;
    this.redis?.on('error', (error: Error) => this.logger.warn({ err: { type: error.constructor.name } }, 'Redis unavailable; limiting in memory'));
    const make = (keyPrefix: string, points: number): RateLimiterAbstract | null => {
      if (points <= 0) return null;
      const memory = new RateLimiterMemory({ keyPrefix, points, duration: WINDOW_SECONDS });
      return this.redis
        ? new RateLimiterRedis({ storeClient: this.redis, keyPrefix: `latchkey:${keyPrefix}`, points, duration: WINDOW_SECONDS, insuranceLimiter: memory })
        : memory;
    };
    this.perToken = make('token', limits.perTokenPerMinute);
    this.perIp = make('ip', limits.publicPerIpPerMinute);
    this.failuresPerIp = make('auth-fail', limits.failedChecksPerIpPerMinute);
  }

  async onApplicationShutdown(): Promise<void> {
    this.redis?.disconnect();
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
