// A bounded, TTL'd in-process cache for the hot path. Every entry is filed under its tags, the things
// it was read from as invalidation events name them ('token:<id>', 'user:<id>', 'api_user:<id>',
// 'workspace:<id>', 'device:<id>'): an event drops its own entries through that index and discards only the fills
// that read one of them, in time proportional to what it concerns, never a scan of the whole cache.
// A hit is one LRU lookup, as before: the bookkeeping runs on misses and events only.
import { LRUCache } from 'lru-cache';
import type { AppConfig } from '../config/app-config';
import type { InvalidationEvent } from './invalidation';

type NamedEvent = Exclude<InvalidationEvent, { kind: 'all' }>;

/** The tag under which an entry read from this principal, token or workspace is filed. */
export function tag(kind: NamedEvent['kind'], id: string): string {
  return `${kind}:${id}`;
}

/** The tags of an entry: every id whose event must drop it. */
export type TagsOf<V> = (key: string, value: V) => readonly string[];

const NO_TAGS: readonly string[] = Object.freeze([]);

/**
 * Events remembered for the fills in flight at most this many: past it (a fill hung on a stalled
 * query while events pour in), every fill in flight is discarded instead, and the memory let go.
 */
const TOUCHED_MAX = 10_000;

export interface HotCacheOptions<V> {
  /** Entries without tags are dropped only by an 'all' event (and the TTL). */
  tags?: TagsOf<V>;
  maxEntries?: number;
}

export class HotCache<V extends object> {
  private readonly cache: LRUCache<string, V> | null;
  private readonly tagsOf: TagsOf<V>;
  /**
   * Keys by tag: the key itself while a tag has one (most: a token's own), a set past that. Kept exact
   * by the LRU's dispose (eviction, expiry, delete, overwrite).
   */
  private readonly index = new Map<string, string | Set<string>>();
  /** Counts invalidation events. A fill remembers the count it began at. */
  private seq = 0;
  /** Fills that began before this count store nothing (set by 'all'). */
  private floor = 0;
  /** Tag → the count of its last event, oldest first; only what a fill in flight may still need. */
  private readonly touched = new Map<string, number>();
  /** Fills in flight by the count they began at, oldest first. */
  private readonly inFlight = new Map<number, number>();
  private clearing = false;
  /** Set while the invalidation channel is lost: nothing is stored, so nothing can go stale. */
  private bypassed = false;
  private readonly ttlMs: number;
  private lastPurge = performance.now();

  constructor(config: AppConfig, options: HotCacheOptions<V> = {}) {
    this.ttlMs = config.cache.ttlSeconds * 1000;
    this.tagsOf = options.tags ?? (() => NO_TAGS);
    this.cache =
      this.ttlMs > 0
        ? new LRUCache<string, V>({
            max: options.maxEntries ?? config.cache.maxEntries,
            ttl: this.ttlMs,
            ttlAutopurge: false,
            dispose: (value, key) => this.unindex(key, value),
          })
        : null;
  }

  get(key: string): V | undefined {
    return this.cache?.get(key);
  }

  set(key: string, value: V): void {
    if (!this.cache || this.bypassed) return;
    this.purgeStaleNowAndThen();
    // Replacing a value disposes of the old one (its tags leave the index) before the new one's are filed.
    this.cache.set(key, value);
    for (const t of this.tagsOf(key, value)) {
      const held = this.index.get(t);
      if (held === undefined) this.index.set(t, key);
      else if (typeof held !== 'string') held.add(key);
      else if (held !== key) this.index.set(t, new Set([held, key]));
    }
  }

  /**
   * Reads through the cache. The value is stored only if no event about one of its tags (and no 'all')
   * came while it was being read: otherwise a read that began before a revocation committed could put
   * the old row back. Events about anything else leave it alone, so event spam cannot keep a cache cold.
   */
  async fill<R extends V | null>(key: string, read: () => Promise<R>): Promise<R> {
    const { start, value } = await this.readInFlight(read);
    if (value !== null && this.unchangedSince(start, key, value)) this.set(key, value);
    return value;
  }

  /**
   * Many entries read at once (the start-up warm-up's priming), each stored on fill()'s terms: not if
   * an event about one of its tags came while they were being read. Nothing is read while the cache
   * keeps nothing (no TTL, or the channel lost): the read would only be thrown away.
   */
  async fillMany(read: () => Promise<ReadonlyArray<readonly [string, V]>>): Promise<void> {
    if (!this.cache || this.bypassed) return;
    const { start, value: entries } = await this.readInFlight(read);
    for (const [key, value] of entries) if (this.unchangedSince(start, key, value)) this.set(key, value);
  }

  /** A read, counted in flight from the event count it began at (which it returns) until it settles. */
  private async readInFlight<T>(read: () => Promise<T>): Promise<{ start: number; value: T }> {
    const start = this.seq;
    this.inFlight.set(start, (this.inFlight.get(start) ?? 0) + 1);
    try {
      return { start, value: await read() };
    } finally {
      const left = (this.inFlight.get(start) ?? 1) - 1;
      if (left > 0) this.inFlight.set(start, left);
      else this.inFlight.delete(start);
    }
  }

  /** Drops what the event names: its own entries, and the fills in flight that read one of them. */
  invalidate(event: InvalidationEvent): void {
    if (event.kind !== 'all') return this.drop(tag(event.kind, event.id));
    this.clear();
    this.bypassed = event.channelLost === true;
  }

  clear(): void {
    this.floor = ++this.seq;
    this.touched.clear();
    this.index.clear();
    this.clearing = true;
    try {
      this.cache?.clear();
    } finally {
      this.clearing = false;
    }
  }

  get size(): number {
    return this.cache?.size ?? 0;
  }

  /** For tests: how many tags are indexed, and how many events are remembered for fills in flight. */
  get bookkeeping(): { tags: number; touched: number; fillsInFlight: number } {
    let fills = 0;
    for (const n of this.inFlight.values()) fills += n;
    return { tags: this.index.size, touched: this.touched.size, fillsInFlight: fills };
  }

  private drop(t: string): void {
    if (!this.cache) return;
    const at = ++this.seq;
    // Re-inserted, so the map stays in the order of the counts and forget() can stop at the first young one.
    this.touched.delete(t);
    this.touched.set(t, at);
    this.forget();
    const held = this.index.get(t);
    if (held === undefined) return;
    this.index.delete(t);
    // Each delete disposes of the entry, taking its key out of its other tags.
    if (typeof held === 'string') this.cache.delete(held);
    else for (const key of held) this.cache.delete(key);
  }

  /** Whether a fill that began at `start` may store what it read. */
  private unchangedSince(start: number, key: string, value: V): boolean {
    if (start < this.floor) return false;
    if (this.touched.size === 0) return true;
    for (const t of this.tagsOf(key, value)) {
      const at = this.touched.get(t);
      if (at !== undefined && at > start) return false;
    }
    return true;
  }

  /** Lets go of the events no fill in flight began before: they can no longer discard anything. */
  private forget(): void {
    const oldest = this.inFlight.size > 0 ? (this.inFlight.keys().next().value as number) : this.seq;
    for (const [t, at] of this.touched) {
      if (at > oldest) break;
      this.touched.delete(t);
    }
    if (this.touched.size > TOUCHED_MAX) {
      this.floor = this.seq;
      this.touched.clear();
    }
  }

  private unindex(key: string, value: V): void {
    if (this.clearing) return;
    for (const t of this.tagsOf(key, value)) {
      const held = this.index.get(t);
      if (held === key) this.index.delete(t);
      else if (typeof held === 'object' && held.delete(key) && held.size === 0) this.index.delete(t);
    }
  }

  /**
   * Expired entries otherwise stay until the LRU bound pushes them out: a soak of short-lived sessions
   * grew the heap by about 2 KiB per session up to the bound. At most once per TTL, and only when
   * adding (a miss), so a hit costs nothing.
   */
  private purgeStaleNowAndThen(): void {
    const now = performance.now();
    if (!this.cache || now - this.lastPurge < this.ttlMs) return;
    this.lastPurge = now;
    this.cache.purgeStale();
  }
}
