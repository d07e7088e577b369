// Limits on the routes that spend argon2 outside sign-in: password changes per user (PATCH /me with a
// password: also the only way to guess the current password with a stolen token, so it is its own
// bucket, not the sign-in lockout's) and registrations per client address. Shared through Redis as the
// public per-IP limit is (one command per request, in memory while Redis is unreachable).
import { Inject, Injectable, Logger } from '@nestjs/common';
import { RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DomainError, ErrorCode } from '../common/errors';
import { RedisConnection } from '../rate-limits/redis-connection';
import { clientKey } from '../rate-limits/client-key';

const PASSWORD_CHANGE_WINDOW_SECONDS = 15 * 60;
const REGISTER_WINDOW_SECONDS = 10 * 60;

@Injectable()
export class PasswordLimits {
  private readonly logger = new Logger('PasswordLimits');
  private readonly changes: RateLimiterAbstract | null;
  private readonly registrations: RateLimiterAbstract | null;

  constructor(@Inject(APP_CONFIG) config: AppConfig, redis: RedisConnection) {
    const limiter = (keyPrefix: string, points: number, duration: number): RateLimiterAbstract | null => {
      if (points <= 0) return null;
      const memory = new RateLimiterMemory({ keyPrefix, points, duration });
      return redis.client
        ? new RateLimiterRedis({ storeClient: redis.client, keyPrefix: `latchkey:${keyPrefix}`, points, duration, insuranceLimiter: memory })
        : memory;
    };
    const { changesPerUserPer15Minutes, registrationsPerIpPer10Minutes } = config.passwordLimits;
    this.changes = limiter('password-change', changesPerUserPer15Minutes, PASSWORD_CHANGE_WINDOW_SECONDS);
    this.registrations = limiter('register', registrationsPerIpPer10Minutes, REGISTER_WINDOW_SECONDS);
  }

  /** Every attempt counts, right or wrong: the limit bounds argon2 work and current-password guesses alike. */
  consumePasswordChange(userId: string): Promise<void> {
    return this.consume(this.changes, userId, 'Too many password changes; try again later.');
  }

  /** Keyed like the sign-in lockout's client: an IPv6 client by its /64. */
  consumeRegistration(ip: string): Promise<void> {
    return this.consume(this.registrations, clientKey(ip), 'Too many registrations from this address; try again later.');
  }

  private async consume(limiter: RateLimiterAbstract | null, key: string, detail: string): Promise<void> {
    if (!limiter) return;
    try {
      await limiter.consume(key);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        throw new DomainError(ErrorCode.RateLimited, detail, { retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) });
      }
      // The store failed and no insurance took over: limits fail open, requests do not fail.
      this.logger.warn({ err: { type: (rejection as Error)?.constructor?.name } }, 'password limit store failed');
    }
  }
}
