// Sign-in throttling, in two parts, so that an attacker elsewhere can slow the owner down but not lock them out:
// - per email and client address (an IPv6 client by its /64): after LATCHKEY_LOGIN_MAX_FAILURES failures
//   within the last LATCHKEY_LOGIN_WINDOW_SECONDS, further attempts from there get 429 until the oldest of
//   those failures leaves the window;
// - per email from every address: past as many failures, each attempt waits first, 250 ms doubling per
//   further failure up to LATCHKEY_LOGIN_SLOWDOWN_MAX_MS: the owner with the right password still gets in.
// Keyed by the email whether or not an account has it, so neither tells anything. With REDIS_URL the counts
// are kept in Redis, under SHA-256 keys, so instances behind a load balancer share them; in memory
// otherwise, and while Redis is unreachable. The authenticated password change is not counted here
// (PasswordLimits counts it per user): a stolen token must not lock the owner's sign-in either.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { readableWait } from '../common/durations';
import { DomainError, ErrorCode } from '../common/errors';
import { clientKey } from '../rate-limits/client-key';
import { RedisConnection } from '../rate-limits/redis-connection';
import { canonicalEmail } from './email-address';

// A flood of made-up emails must not grow memory without bound.
const MAX_TRACKED_EMAILS = 100_000;
const PAIR_KEY_PREFIX = 'latchkey:login:';
const EMAIL_KEY_PREFIX = 'latchkey:login-email:';
/** The first slow-down; it doubles with each further failure, up to the configured cap. */
const SLOWDOWN_BASE_MS = 250;

interface Keys {
  /** The email and the client address. */
  pair: string;
  /** The email alone. */
  email: string;
}

/** null when the attempt was counted, else the milliseconds until the pair's lock ends; and the email's recent failures. */
interface Begun {
  msUntilUnlock: number | null;
  emailFailures: number;
}

/** Where attempts are counted. */
interface AttemptStore {
  begin(keys: Keys, now: number): Promise<Begun>;
  failed(emailKey: string, now: number): Promise<void>;
  reset(pairKey: string): Promise<void>;
}

@Injectable()
export class LoginThrottle {
  private readonly logger = new Logger('LoginThrottle');
  private readonly memory: MemoryAttemptStore;
  private readonly shared: RedisAttemptStore | null;
  private readonly maxFailures: number;
  private readonly slowdownMaxMs: number;
  private sharedFailing = false;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly clock: Clock,
    redis: RedisConnection,
  ) {
    const { maxFailures, windowSeconds, slowdownMaxMs } = config.login;
    this.maxFailures = maxFailures;
    this.slowdownMaxMs = slowdownMaxMs;
    this.memory = new MemoryAttemptStore(maxFailures, windowSeconds * 1000);
    this.shared = redis.client ? new RedisAttemptStore(redis.client, maxFailures, windowSeconds * 1000) : null;
  }

  /**
   * Counts an attempt from this address as failed before the password is checked, so parallel guesses
   * cannot all pass the check while the first ones are still hashing; a success calls succeeded(). Throws
   * 429 when this address is locked out for this email; else waits out the email's slow-down, if any.
   * Known and unknown emails take the same path, Redis round trip and slow-down included.
   */
  async begin(email: string, ip: string): Promise<void> {
    const keys = { pair: pairKey(email, ip), email: emailKey(email) };
    const now = this.clock.now().getTime();
    const { msUntilUnlock, emailFailures } = await this.use((store) => store.begin(keys, now));
    if (msUntilUnlock !== null) {
      // The detail says the same wait as Retry-After, for a person reading the sign-in form.
      const retryAfterSeconds = Math.max(1, Math.ceil(msUntilUnlock / 1000));
      throw new DomainError(ErrorCode.RateLimited, `Too many failed sign-in attempts; try again in ${readableWait(retryAfterSeconds)}.`, {
        retryAfterSeconds,
      });
    }
    const delay = this.slowdownMs(emailFailures);
    if (delay > 0) await sleep(delay);
  }

  /** A failed sign-in for the email, from whichever address: what the slow-down counts. */
  async failed(email: string): Promise<void> {
    const key = emailKey(email);
    const now = this.clock.now().getTime();
    await this.use((store) => store.failed(key, now));
  }

  /** Clears this address's failures for the email. Never fails the sign-in it follows: a reset that does not reach Redis leaves failures that age out. */
  async succeeded(email: string, ip: string): Promise<void> {
    const key = pairKey(email, ip);
    await this.memory.reset(key);
    await this.shared?.reset(key).catch((error: unknown) => this.storeFailed(error));
  }

  private slowdownMs(emailFailures: number): number {
    if (this.slowdownMaxMs === 0 || emailFailures < this.maxFailures) return 0;
    return Math.min(this.slowdownMaxMs, SLOWDOWN_BASE_MS * 2 ** Math.min(emailFailures - this.maxFailures, 16));
  }

  private async use<T>(operation: (store: AttemptStore) => Promise<T>): Promise<T> {
    if (this.shared) {
      try {
        const result = await operation(this.shared);
        this.sharedFailing = false;
        return result;
      } catch (error) {
        // As the request rate limits do: count in this process while Redis fails, never fail the sign-in.
        this.storeFailed(error);
      }
    }
    return operation(this.memory);
  }

  /** Warns once per outage, not once per sign-in. */
  private storeFailed(error: unknown): void {
    if (this.sharedFailing) return;
    this.sharedFailing = true;
    this.logger.warn({ err: { type: (error as Error)?.constructor?.name } }, 'sign-in lockout store failed; counting in memory');
  }
}

/** The email as a key that does not show it (Redis, logs of Redis, heap dumps): SHA-256 of its canonical form (L7). */
function emailKey(email: string): string {
  return createHash('sha256').update(canonicalEmail(email)).digest('hex');
}

/** The email and the client, hashed together: neither shows. */
function pairKey(email: string, ip: string): string {
  return createHash('sha256')
    .update(`${canonicalEmail(email)}\n${clientKey(ip)}`)
    .digest('hex');
}

/** Both counts in this process. */
class MemoryAttemptStore implements AttemptStore {
  private readonly pairs: MemoryFailureLog;
  private readonly emails: MemoryFailureLog;

  constructor(maxFailures: number, windowMs: number) {
    this.pairs = new MemoryFailureLog(maxFailures, windowMs);
    this.emails = new MemoryFailureLog(maxFailures, windowMs);
  }

  async begin(keys: Keys, now: number): Promise<Begun> {
    return { msUntilUnlock: await this.pairs.begin(keys.pair, now), emailFailures: this.emails.count(keys.email, now) };
  }

  async failed(emailKey: string, now: number): Promise<void> {
    this.emails.add(emailKey, now);
  }

  async reset(pairKey: string): Promise<void> {
    await this.pairs.reset(pairKey);
  }
}

/**
 * One process's failures: for each key the times of its recent failures, in a Map ordered by the last
 * failure, so expired keys are at its start. Past maxKeys, expired keys go first; only if none has expired
 * does the least recently failed key go.
 */
export class MemoryFailureLog {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly maxKeys = MAX_TRACKED_EMAILS,
  ) {}

  get size(): number {
    return this.failures.size;
  }

  /** Counts a failure unless maxFailures are already in the window: then the milliseconds until one leaves it. */
  async begin(key: string, now: number): Promise<number | null> {
    const recent = this.recent(key, now);
    if (recent.length >= this.maxFailures) return recent[recent.length - this.maxFailures] + this.windowMs - now;
    this.store(key, recent, now);
    return null;
  }

  /** The failures in the window. */
  count(key: string, now: number): number {
    return this.recent(key, now).length;
  }

  /** Counts a failure, whatever the count. */
  add(key: string, now: number): void {
    this.store(key, this.recent(key, now), now);
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((at) => at > now - this.windowMs);
  }

  private store(key: string, recent: number[], now: number): void {
    recent.push(now);
    this.failures.delete(key);
    this.failures.set(key, recent);
    if (this.failures.size > this.maxKeys) this.evict(now);
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
 * Every instance's attempts: for each key a sorted set of failure times, expiring a window after the last
 * one. An attempt is added to its pair, counted and taken back if over the limit, and the email's failures
 * read, in one transaction of plain commands (one round trip), so parallel attempts on any instance cannot
 * all pass. Not rate-limiter-flexible as for the request limits: its windows are fixed (they start at the
 * first failure and reset whole), which lets twice maxFailures guesses through around a window's end where
 * this window slides as the memory log's. The times come from each instance's clock: clocks a second apart
 * move the window by a second.
 */
class RedisAttemptStore implements AttemptStore {
  constructor(
    private readonly client: Redis,
    private readonly maxFailures: number,
    private readonly windowMs: number,
  ) {}

  async begin(keys: Keys, now: number): Promise<Begun> {
    const pair = PAIR_KEY_PREFIX + keys.pair;
    const email = EMAIL_KEY_PREFIX + keys.email;
    const attempt = `${now}:${randomUUID()}`;
    const replies = await this.client
      .multi()
      .zremrangebyscore(pair, '-inf', now - this.windowMs)
      .zadd(pair, now, attempt)
      .zcard(pair)
      .zrange(pair, 0, 0, 'WITHSCORES')
      .pexpire(pair, this.windowMs)
      .zremrangebyscore(email, '-inf', now - this.windowMs)
      .zcard(email)
      .exec();
    if (!replies) throw new Error('Redis transaction discarded');
    for (const [error] of replies) if (error) throw error;
    const count = replies[2][1] as number;
    const emailFailures = replies[6][1] as number;
    if (count <= this.maxFailures) return { msUntilUnlock: null, emailFailures };
    // Refused attempts do not count, so a lock ends when the oldest counted failure leaves the window. One
    // that cannot be taken back ages out with the others: the lock can only last longer, never end sooner.
    await this.client.zrem(pair, attempt).catch(() => undefined);
    const [, oldestAt] = replies[3][1] as [string, string];
    return { msUntilUnlock: Number(oldestAt) + this.windowMs - now, emailFailures };
  }

  async failed(emailKey: string, now: number): Promise<void> {
    const email = EMAIL_KEY_PREFIX + emailKey;
    const replies = await this.client
      .multi()
      .zremrangebyscore(email, '-inf', now - this.windowMs)
      .zadd(email, now, `${now}:${randomUUID()}`)
      .pexpire(email, this.windowMs)
      .exec();
    if (!replies) throw new Error('Redis transaction discarded');
    for (const [error] of replies) if (error) throw error;
  }

  async reset(pairKey: string): Promise<void> {
    await this.client.del(PAIR_KEY_PREFIX + pairKey);
  }
}
