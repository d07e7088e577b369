// Request rate limits: per token, per client on public routes, and per client for failed token checks
// (a client is an address, an IPv6 one by its /64 as the sign-in lockout counts it: one subscriber holds
// the whole /64 and could take a fresh address per request). The failed checks cut a flood of made-up
// tokens off before it reaches the database; tokens known to exist are still looked up, so an address's
// junk never gets a valid token refused. With REDIS_URL every instance
// shares the counts. The two limits on the token check's path (per token, failed checks per IP) are
// decided in memory and shared in batches (BatchedRedisCounter): no Redis round trip per check. The
// public routes' limit is exact, one Redis command per request, with an in-memory limiter standing in
// while Redis is unreachable. Without REDIS_URL everything counts in memory.
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { clientKey } from './client-key';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DomainError } from '../common/errors';
import { BatchedRedisCounter, CounterState } from './batched-redis-counter';
import { ExactLimit, rateLimited } from './exact-limit';
import type { RateLimitState } from './rate-limit-fields';
import { RedisConnection } from './redis-connection';
import type { AuthenticatedToken } from '../auth/principal';
import { Clock } from '../common/clock';
import type { OwnRateLimit } from './token-rate-limit';

const WINDOW_SECONDS = 60;
const TOO_MANY = 'Too many requests; slow down.';
/** How long Redis remembers that a token exists (renewed when an instance first meets it again). */
const KNOWN_TOKEN_SECONDS = 30 * 86_400;
/** Half the SHA-256 of the secret: enough to tell tokens apart, and not the whole of what the database holds. */
const knownTokenKey = (tokenHash: string) => `latchkey:known-token:${tokenHash.slice(0, 32)}`;

@Injectable()
export class RateLimits implements OnModuleDestroy {
  private readonly perToken: BatchedRedisCounter | null;
  private readonly perIp: ExactLimit;
  private readonly failuresPerIp: BatchedRedisCounter | null;
  /**
   * Hashes of tokens that exist: issued here, or found by a lookup. Knowing one grants nothing (the
   * token is still looked up and checked); it only lets a flooded address look it up. Kept far longer
   * than the hot cache, so a valid token that fell out of that cache is not refused.
   */
  private readonly knownTokens: LRUCache<string, true> | null;
  private readonly redis: RedisConnection['client'];
  /**
   * The own limits of tokens and API users (token-rate-limit.ts): one counter, each key with its own
   * limit and window. On the service's clock, so tests move its windows (the global ones follow Date.now).
   */
  private readonly own: BatchedRedisCounter;
  /** Requests refused by an own limit (latchkey_token_rate_limit_refusals_total). */
  readonly stats = { ownLimitRefusals: 0 };

  constructor(@Inject(APP_CONFIG) config: AppConfig, redis: RedisConnection, clock: Clock) {
    const limits = config.rateLimits;
    this.redis = redis.client;
    const batched = (keyPrefix: string, points: number): BatchedRedisCounter | null =>
      points > 0 ? new BatchedRedisCounter(redis.client, `latchkey:${keyPrefix}`, points, WINDOW_SECONDS * 1000) : null;
    this.perToken = batched('token', limits.perTokenPerMinute);
    this.failuresPerIp = batched('auth-fail', limits.failedChecksPerIpPerMinute);
    this.knownTokens = this.failuresPerIp ? new LRUCache({ max: config.cache.maxEntries }) : null;
    this.own = new BatchedRedisCounter(redis.client, 'latchkey:own-limit', 0, WINDOW_SECONDS * 1000, () => clock.nowMs());
    this.perIp = new ExactLimit(redis.client, 'ip', limits.publicPerIpPerMinute, WINDOW_SECONDS, TOO_MANY);
  }

  onModuleDestroy(): void {
    this.perToken?.stop();
    this.failuresPerIp?.stop();
    this.own.stop();
  }

  /**
   * Synchronous: the token check's path waits for nothing here. Every limit of the token must pass:
   * the global per-token one and its own (its own or its parent's, and its API user's). A refused
   * request counts against none of them. The state returned (and the 429's) is the most constraining
   * one: the fewest requests left; on a refusal, the refusing limit that resets last, so a client
   * that waits Retry-After finds every refusing limit reset. null with no limit.
   */
  consumeToken(token: AuthenticatedToken): RateLimitState | null {
    const limits = token.rateLimits;
    if (!limits || limits.length === 0) {
      if (!this.perToken) return null;
      const over = this.perToken.consume(token.id);
      if (over) throw limited(standing('token', this.perToken, over));
      return standing('token', this.perToken, this.perToken.peek(token.id));
    }
    let refusal: RateLimitState | null = null;
    const global = this.perToken?.over(token.id, this.perToken.points, WINDOW_SECONDS * 1000);
    if (global && this.perToken) refusal = standing('token', this.perToken, global);
    let ownRefused = false;
    for (const limit of limits) {
      const over = this.own.over(limit.key, limit.limit, limit.windowSeconds * 1000);
      if (over && (!refusal || over.msBeforeNext > refusal.msBeforeReset)) refusal = ownStanding(limit, over);
      if (over) ownRefused = true;
    }
    if (refusal) {
      if (ownRefused) this.stats.ownLimitRefusals++;
      throw limited(refusal);
    }
    let tightest: RateLimitState | null = null;
    if (this.perToken) {
      this.perToken.consume(token.id);
      tightest = standing('token', this.perToken, this.perToken.peek(token.id));
    }
    for (const limit of limits) {
      const windowMs = limit.windowSeconds * 1000;
      this.own.consume(limit.key, limit.limit, windowMs);
      const state = ownStanding(limit, this.own.peek(limit.key, windowMs));
      if (!tightest || state.remaining < tightest.remaining) tightest = state;
    }
    return tightest;
  }

  consumePublic(ip: string): Promise<RateLimitState | null> {
    return this.perIp.consume(clientKey(ip));
  }

  /**
   * Before a token that is not in the hot cache is looked up: an address that has failed too many
   * token checks lately may look up only tokens known to exist. A cached token never comes here, so a
   * valid token is never refused for its address's failures; unknown ones pay, and cost no query.
   * With Redis, a token this instance does not know yet (issued by another, or before a restart) is
   * asked about there: one round trip, only for a flooded address's unknown tokens.
   */
  assertMayLookUp(ip: string, tokenHash: string): void | Promise<void> {
    if (!this.failuresPerIp || this.knownTokens?.has(tokenHash)) return;
    const failures = this.failuresPerIp;
    const refused = failures.over(clientKey(ip), failures.points, WINDOW_SECONDS * 1000);
    if (!refused) return;
    const state = standing('failed-checks', failures, refused);
    if (!this.redis) throw limited(state);
    return this.redis.exists(knownTokenKey(tokenHash)).then(
      (found) => {
        if (!found) throw limited(state);
        this.knownTokens?.set(tokenHash, true);
      },
      (error: unknown) => {
        if (error instanceof DomainError) throw error;
        // Redis cannot say: the database stays protected.
        throw limited(state);
      },
    );
  }

  /**
   * How many live tokens this instance should learn from the database at start, or 0. Without Redis the
   * known tokens live in this process only: after a restart every earlier token would be unknown, and
   * a flood of junk from a gateway's address would get all of them refused until each was seen again,
   * which, refused, it never is (security review). With Redis, the shared keys answer for them.
   */
  get knownTokensToLearn(): number {
    return this.knownTokens && !this.redis ? this.knownTokens.max : 0;
  }

  /** Learnt at start, least recently used first: remembered in this process only. */
  learnExistingTokens(tokenHashes: readonly string[]): void {
    for (let i = tokenHashes.length - 1; i >= 0; i--) this.knownTokens?.set(tokenHashes[i], true);
  }

  /** A token that exists (just issued, or found by a lookup): its lookups are never refused. */
  rememberToken(tokenHash: string): void {
    if (!this.knownTokens || this.knownTokens.has(tokenHash)) return;
    this.knownTokens.set(tokenHash, true);
    // Shared once per instance and token; a failed write only costs that token a 429 elsewhere during a flood.
    this.redis?.set(knownTokenKey(tokenHash), '1', 'EX', KNOWN_TOKEN_SECONDS).catch(() => undefined);
  }

  /** Counts a failed token check against the caller's address: where the address stands, or null with no limit. */
  recordFailedCheck(ip: string): RateLimitState | null {
    if (!this.failuresPerIp) return null;
    const key = clientKey(ip);
    this.failuresPerIp.consume(key);
    return standing('failed-checks', this.failuresPerIp, this.failuresPerIp.peek(key));
  }
}

function standing(policy: string, counter: BatchedRedisCounter, counted: CounterState): RateLimitState {
  return {
    policy,
    quota: counter.points,
    windowSeconds: WINDOW_SECONDS,
    remaining: counter.points - counted.count,
    msBeforeReset: counted.msBeforeNext,
  };
}

function ownStanding(limit: OwnRateLimit, counted: CounterState): RateLimitState {
  return {
    policy: limit.policy,
    quota: limit.limit,
    windowSeconds: limit.windowSeconds,
    remaining: limit.limit - counted.count,
    msBeforeReset: counted.msBeforeNext,
  };
}

function limited(state: RateLimitState): DomainError {
  return rateLimited(state, TOO_MANY);
}
