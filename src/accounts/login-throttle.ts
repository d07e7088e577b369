// After LATCHKEY_LOGIN_MAX_FAILURES failures for one email within the last LATCHKEY_LOGIN_WINDOW_SECONDS,
// further attempts get 429 until the oldest of those failures leaves the window. Keyed by the email
// whether or not an account has it, so 429 tells nothing. With REDIS_URL the failures are kept in Redis,
// so instances behind a load balancer share one count; in memory otherwise, and while Redis is unreachable.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { DomainError, ErrorCode } from '../common/errors';
import { RedisConnection } from '../rate-limits/redis-connection';

// A flood of made-up emails must not grow memory without bound.
const MAX_TRACKED_EMAILS = 100_000;
const REDIS_KEY_PREFIX = 'latchkey:login:';

/** Where failures are counted: null when the attempt was counted, else the milliseconds until the lock ends. */
interface FailureLog {
  begin(key: string, now: number): Promise<number | null>;
  reset(key: string): Promise<void>;
}

@Injectable()
export class LoginThrottle {
  private readonly logger = new Logger('LoginThrottle');
  private readonly memory: MemoryFailureLog;
  private readonly shared: RedisFailureLog | null;
  private sharedFailing = false;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly clock: Clock,
    redis: RedisConnection,
  ) {
    const { maxFailures, windowSeconds } = config.login;
    this.memory = new MemoryFailureLog(maxFailures, windowSeconds * 1000);
    this.shared = redis.client ? new RedisFailureLog(redis.client, maxFailures, windowSeconds * 1000) : null;
  }

  /**
   * Counts an attempt as failed before the password is checked, so parallel guesses cannot all pass
   * the check while the first ones are still hashing. A success calls reset(). Throws 429 when locked out.
   * Known and unknown emails take the same path, Redis round trip included.
   */
  async begin(email: string): Promise<void> {
    const key = emailKey(email);
    const now = this.clock.now().getTime();
    const msUntilUnlock = await this.countAttempt(key, now);
    if (msUntilUnlock === null) return;
    throw new DomainError(ErrorCode.RateLimited, 'Too many failed sign-in attempts; try again later.', {
      retryAfterSeconds: Math.max(1, Math.ceil(msUntilUnlock / 1000)),
    });
  }

  /** Never fails the sign-in it follows: a reset that does not reach Redis leaves failures that age out. */
  async reset(email: string): Promise<void> {
    const key = emailKey(email);
    await this.memory.reset(key);
    await this.shared?.reset(key).catch((error: unknown) => this.storeFailed(error));
  }

  private async countAttempt(key: string, now: number): Promise<number | null> {
    if (this.shared) {
      try {
        const result = await this.shared.begin(key, now);
        this.sharedFailing = false;
        return result;
      } catch (error) {
        // As the request rate limits do: count in this process while Redis fails, never fail the sign-in.
        this.storeFailed(error);
      }
    }
    return this.memory.begin(key, now);
  }

  /** Warns once per outage, not once per sign-in. */
  private storeFailed(error: unknown): void {
    if (this.sharedFailing) return;
    this.sharedFailing = true;
    this.logger.warn({ err: { type: (error as Error)?.constructor?.name } }, 'sign-in lockout store failed; counting in memory');
  }
}

/** The email as a key that does not show it (Redis, logs of Redis, heap dumps): SHA-256 of its normal form. */
function emailKey(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
}

/**
 * One process's failures: for each key the times of its recent failures, in a Map ordered by the last
 * failure, so expired keys are at its start. Past maxKeys, expired keys go first; only if none has expired
 * does the least recently failed key go.
 */
export class MemoryFailureLog implements FailureLog {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly maxKeys = MAX_TRACKED_EMAILS,
  ) {}

  get size(): number {
    return this.failures.size;
  }

  async begin(key: string, now: number): Promise<number | null> {
    const recent = (this.failures.get(key) ?? []).filter((at) => at > now - this.windowMs);
    if (recent.length >= this.maxFailures) return recent[recent.length - this.maxFailures] + this.windowMs - now;
    recent.push(now);
    this.failures.delete(key);
    this.failures.set(key, recent);
    if (this.failures.size > this.maxKeys) this.evict(now);
    return null;
  }

  async reset(key: string): Promise<void> {
    this.failures.delete(key);
  }

  private evict(now: number): void {
    for (const [key, times] of this.failures) {
      if (times[times.length - 1] > now - this.windowMs) break;
      this.failures.delete(key);
    }
    if (this.failures.size > this.maxKeys) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
  }
}

/**
 * Every instance's failures: for each key a sorted set of failure times, expiring a window after the last
 * attempt. An attempt is added, counted and taken back if over the limit, in one transaction of plain
 * commands, so parallel attempts on any instance cannot all pass. Not rate-limiter-flexible as for the
 * request limits: its windows are fixed (they start at the first failure and reset whole), which lets
 * twice maxFailures guesses through around a window's end where this window slides as the memory log's.
 * The times come from each instance's clock: clocks a second apart move the window by a second.
 */
class RedisFailureLog implements FailureLog {
  constructor(
    private readonly client: Redis,
    private readonly maxFailures: number,
    private readonly windowMs: number,
  ) {}

  async begin(key: string, now: number): Promise<number | null> {
    const redisKey = REDIS_KEY_PREFIX + key;
    const attempt = `${now}:${randomUUID()}`;
    const replies = await this.client
      .multi()
      .zremrangebyscore(redisKey, '-inf', now - this.windowMs)
      .zadd(redisKey, now, attempt)
      .zcard(redisKey)
      .zrange(redisKey, 0, 0, 'WITHSCORES')
      .pexpire(redisKey, this.windowMs)
      .exec();
    if (!replies) throw new Error('Redis transaction discarded');
    for (const [error] of replies) if (error) throw error;
    const count = replies[2][1] as number;
    if (count <= this.maxFailures) return null;
    // Refused attempts do not count, so a lock ends when the oldest counted failure leaves the window. One
    // that cannot be taken back ages out with the others: the lock can only last longer, never end sooner.
    await this.client.zrem(redisKey, attempt).catch(() => undefined);
    const [, oldestAt] = replies[3][1] as [string, string];
    return Number(oldestAt) + this.windowMs - now;
  }

  async reset(key: string): Promise<void> {
    await this.client.del(REDIS_KEY_PREFIX + key);
  }
}
