// Per-token usage (requests and refusals per hour) without a write per request: counted in memory per
// instance and added to token_usage_hourly in one statement per flush (every
// LATCHKEY_LAST_USED_FLUSH_SECONDS, as last-used is, and once more at shutdown). Several instances
// each add their own counts. Rows older than 30 days are deleted by this timer, at most once an hour
// per instance (a DELETE by hour is idempotent, so instances racing it need no lock).
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Clock } from '../common/clock';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Database } from '../database/database';
import { TokenUsageRepository, UsageTally } from './token-usage.repository';

export const HOUR_MS = 3_600_000;
/** How long the hourly counts are kept, and the most days the usage routes answer. */
export const USAGE_RETENTION_DAYS = 30;
/**
 * Tokens counted per instance between flushes. Past it, a new token's use is dropped and counted
 * (latchkey_token_usage_dropped_total), never silently; tokens already counted go on being counted.
 */
export const USAGE_MAX_PENDING = 200_000;

interface Tally {
  hour: number;
  requests: number;
  refusals: number;
}

@Injectable()
export class TokenUsageRecorder implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('TokenUsage');
  /** The current hour's tally per token: a request finds its token's and adds one, allocating nothing. */
  private current = new Map<string, Tally>();
  /** Past hours' tallies (a token's hour changed before the flush, or a failed flush kept them). */
  private closed: UsageTally[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private lastPruneAt = 0;
  /** For the metrics: flushes done and failed, uses dropped at the cap. */
  readonly stats = { flushes: 0, flushFailures: 0, dropped: 0 };

  constructor(
    private readonly usage: TokenUsageRepository,
    private readonly database: Database,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), this.config.lastUsedFlushSeconds * 1000);
    this.timer.unref();
    this.database.beforeClose(() => this.flush());
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** An authenticated use of the token (the token check, TokenAuthenticator.admit). */
  request(tokenId: string, nowMs: number): void {
    const tally = this.tally(tokenId, nowMs);
    if (tally) tally.requests++;
  }

  /**
   * The one hook for a refusal: a request by an identified live token answered 401, 403 or 429 (the
   * response hook in app.setup.ts calls it; a check that refuses a token before the principal exists
   * calls it itself).
   */
  refusal(tokenId: string): void {
    const tally = this.tally(tokenId, this.clock.nowMs());
    if (tally) tally.refusals++;
  }

  private tally(tokenId: string, nowMs: number): Tally | null {
    const hour = Math.floor(nowMs / HOUR_MS);
    const tally = this.current.get(tokenId);
    if (tally !== undefined) {
      if (tally.hour !== hour) {
        this.close(tokenId, tally);
        tally.hour = hour;
        tally.requests = 0;
        tally.refusals = 0;
      }
      return tally;
    }
    if (this.current.size >= USAGE_MAX_PENDING) {
      this.stats.dropped++;
      return null;
    }
    const fresh = { hour, requests: 0, refusals: 0 };
    this.current.set(tokenId, fresh);
    return fresh;
  }

  private close(tokenId: string, tally: Tally): void {
    if (tally.requests === 0 && tally.refusals === 0) return;
    if (this.closed.length >= USAGE_MAX_PENDING) {
      this.stats.dropped += tally.requests;
      return;
    }
    this.closed.push({ tokenId, hour: new Date(tally.hour * HOUR_MS), requests: tally.requests, refusals: tally.refusals });
  }

  /** Writes what was counted (one statement), then prunes when due. Flushes run one at a time. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushNow());
    return this.flushing;
  }

  private async flushNow(): Promise<void> {
    const counted = this.current;
    this.current = new Map();
    for (const [tokenId, tally] of counted) this.close(tokenId, tally);
    const batch = merged(this.closed);
    this.closed = [];
    if (batch.length > 0) {
      try {
        await this.usage.add(batch);
        this.stats.flushes++;
      } catch (error) {
        this.stats.flushFailures++;
        this.logger.warn(
          { entries: batch.length, err: { type: (error as Error)?.constructor?.name } },
          'token usage flush failed; will retry',
        );
        for (const tally of batch) {
          if (this.closed.length < USAGE_MAX_PENDING) this.closed.push(tally);
          else this.stats.dropped += tally.requests;
        }
      }
    }
    const now = this.clock.nowMs();
    if (now - this.lastPruneAt >= HOUR_MS) await this.prune(now);
  }

  /** Deletes the hours past retention. */
  async prune(nowMs = this.clock.nowMs()): Promise<void> {
    this.lastPruneAt = nowMs;
    try {
      await this.usage.deleteBefore(new Date(retentionStart(nowMs)));
    } catch (error) {
      this.logger.warn({ err: { type: (error as Error)?.constructor?.name } }, 'token usage retention failed; will retry');
      this.lastPruneAt = 0;
    }
  }
}

/** The first hour kept: the usage of the last USAGE_RETENTION_DAYS days, this hour included. */
export function retentionStart(nowMs: number, days = USAGE_RETENTION_DAYS): number {
  return (Math.floor(nowMs / HOUR_MS) + 1) * HOUR_MS - days * 86_400_000;
}

/** One row per token and hour (one statement may not touch a row twice). */
function merged(tallies: UsageTally[]): UsageTally[] {
  const byKey = new Map<string, UsageTally>();
  for (const t of tallies) {
    const key = `${t.tokenId}|${t.hour.getTime()}`;
    const seen = byKey.get(key);
    if (seen) {
      seen.requests += t.requests;
      seen.refusals += t.refusals;
    } else byKey.set(key, { ...t });
  }
  return [...byKey.values()];
}
