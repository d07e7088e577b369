// Counting for the limits on the token check's path (per token, and failed checks per IP): decided in
// memory, shared through Redis in batches. A Redis round trip per check doubled the check's cost and
// halved its throughput (npm run bench with REDIS_URL); this costs none.
//
// Each instance counts per key in fixed windows aligned to the clock, so every instance names the same
// Redis key for a window (`<prefix>:<key>:<window>`). Every SYNC_MS it adds what it counted (INCRBY)
// and reads back the total of all instances. A key is over its limit when the last total read plus
// what this instance counted since reaches it. The price: a burst may pass the limit by what the
// instances admit within one sync interval (and a key an instance has not synced yet starts from its
// own count). While Redis fails, counts stay here and are sent when it answers again. Without Redis
// it is a plain in-memory counter whose window starts at a key's first use.
import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { LRUCache } from 'lru-cache';

const SYNC_MS = 100;
/** Keys kept per instance by default; the longest unused goes first. */
const MAX_KEYS = 100_000;

interface Window {
  /** Its length: the counter's, or the one a use named (an own limit's). */
  windowMs: number;
  /** Which window (epoch ms / window length) the counts are for: its Redis key's suffix. */
  window: number;
  /** When the window ends (epoch ms). */
  endsAt: number;
  /** The total of every instance, as Redis last answered. */
  shared: number;
  /** Counted here and sent, not yet answered. */
  sending: number;
  /** Counted here since the last send. */
  pending: number;
}

export interface CounterState {
  count: number;
  msBeforeNext: number;
}

export class BatchedRedisCounter {
  private readonly logger = new Logger('RateLimits');
  // Kept in use order without touching a Map per use: a Map lives in the old generation, and each
  // delete-and-set (the way a Map is kept in use order) rehashed its table there, about 100 bytes of
  // old-space garbage per check; at 25,000 checks a second that forced a full collection every few
  // seconds, each pausing the check 10-25 ms (docs/performance.md, "At scale"). lru-cache keeps the order in
  // typed arrays and touches its Map only for a new key or an eviction.
  private readonly windows: LRUCache<string, Window>;
  private readonly dirty = new Set<string>();
  private readonly timer: NodeJS.Timeout | undefined;
  private syncing = false;
  private failing = false;

  constructor(
    private readonly redis: Redis | null,
    private readonly prefix: string,
    readonly points: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    maxKeys = MAX_KEYS,
  ) {
    this.windows = new LRUCache<string, Window>({ max: maxKeys });
    this.timer = setInterval(() => void this.sync(), SYNC_MS);
    this.timer.unref();
    if (!redis) clearInterval(this.timer);
  }

  /**
   * Counts one use of `key`; the state it would have had, when the key was over its limit already
   * (nothing counted). `points` and `windowMs` default to the counter's: a counter of own limits
   * (one per token or API user) passes each key's, and names the window length in the key.
   */
  consume(key: string, points = this.points, windowMs = this.windowMs): CounterState | null {
    const now = this.now();
    const entry = this.current(key, now, windowMs);
    if (entry.shared + entry.sending + entry.pending >= points) return this.state(entry, now);
    entry.pending++;
    if (this.redis) this.dirty.add(key);
    return null;
  }

  /** How far `key` is into its window, without counting. */
  peek(key: string, windowMs = this.windowMs): CounterState {
    const now = this.now();
    const entry = this.windows.peek(key);
    if (!entry || now >= entry.endsAt || entry.windowMs !== windowMs)
      return { count: 0, msBeforeNext: this.newWindow(now, windowMs).endsAt - now };
    return this.state(entry, now);
  }

  /**
   * The state of `key` when one more use would be over `points`, else null; counts nothing. Asking
   * makes the key the most recently used, so a key refused again and again stays counted: new keys
   * cannot push it out and reset its count.
   */
  over(key: string, points: number, windowMs: number): CounterState | null {
    const now = this.now();
    const entry = this.windows.get(key);
    if (!entry || now >= entry.endsAt || entry.windowMs !== windowMs) return null;
    return entry.shared + entry.sending + entry.pending >= points ? this.state(entry, now) : null;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Sends what was counted since the last sync, and takes the totals Redis answers. */
  async sync(): Promise<void> {
    if (!this.redis || this.syncing || this.dirty.size === 0) return;
    this.syncing = true;
    const batch: Array<{ key: string; entry: Window; delta: number }> = [];
    for (const key of this.dirty) {
      const entry = this.windows.peek(key);
      if (entry && entry.pending > 0) {
        batch.push({ key, entry, delta: entry.pending });
        entry.sending += entry.pending;
        entry.pending = 0;
      }
    }
    this.dirty.clear();
    try {
      const pipeline = this.redis.multi();
      for (const { key, entry, delta } of batch) {
        const redisKey = `${this.prefix}:${key}:${entry.window}`;
        pipeline.incrby(redisKey, delta).pexpire(redisKey, entry.windowMs * 2);
      }
      const replies = (await pipeline.exec()) ?? [];
      batch.forEach(({ entry, delta }, i) => {
        const [error, total] = replies[i * 2] ?? [new Error('no reply'), null];
        entry.sending -= delta;
        if (error) entry.pending += delta;
        else entry.shared = Math.max(entry.shared, Number(total));
      });
      if (this.failing) this.logger.log('rate limit counts shared through Redis again');
      this.failing = false;
    } catch (error) {
      // Kept here and sent again next time: limits go on counting locally meanwhile.
      for (const { key, entry, delta } of batch) {
        entry.sending -= delta;
        entry.pending += delta;
        this.dirty.add(key);
      }
      if (!this.failing)
        this.logger.warn({ err: { type: (error as Error)?.constructor?.name } }, 'Redis unavailable; rate limits count in memory');
      this.failing = true;
    } finally {
      this.syncing = false;
    }
  }

  /** The key's window now, made the most recently used. */
  private current(key: string, now: number, windowMs: number): Window {
    const entry = this.windows.get(key);
    if (entry && now < entry.endsAt && entry.windowMs === windowMs) return entry;
    const fresh = this.newWindow(now, windowMs);
    this.windows.set(key, fresh);
    return fresh;
  }

  /** Shared windows are aligned to the clock, so instances agree on them; a local one starts now. */
  private newWindow(now: number, windowMs: number): Window {
    const window = Math.floor(now / windowMs);
    const endsAt = this.redis ? (window + 1) * windowMs : now + windowMs;
    return { windowMs, window, endsAt, shared: 0, sending: 0, pending: 0 };
  }

  private state(entry: Window, now: number): CounterState {
    return { count: entry.shared + entry.sending + entry.pending, msBeforeNext: entry.endsAt - now };
  }
}
