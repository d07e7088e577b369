// A bounded, TTL'd in-process cache for the hot path, dropped entry by entry on invalidation events.
import { LRUCache } from 'lru-cache';
import type { AppConfig } from '../config/app-config';

export class HotCache<V extends object> {
  private readonly cache: LRUCache<string, V> | null;
  /** Bumped by every invalidation: a fill that began before one must not store what it read. */
  private generation = 0;
  private readonly ttlMs: number;
  private lastPurge = performance.now();

  constructor(config: AppConfig, maxEntries = config.cache.maxEntries) {
    this.ttlMs = config.cache.ttlSeconds * 1000;
    this.cache = this.ttlMs > 0 ? new LRUCache<string, V>({ max: maxEntries, ttl: this.ttlMs, ttlAutopurge: false }) : null;
  }

  get(key: string): V | undefined {
    return this.cache?.get(key);
  }

  set(key: string, value: V): void {
    this.purgeStaleNowAndThen();
    this.cache?.set(key, value);
  }

  /**
   * Reads through the cache. The value is stored only if no invalidation happened while it was being
   * read: otherwise a read that began before a revocation committed could put the old row back.
   */
  async fill<R extends V | null>(key: string, read: () => Promise<R>): Promise<R> {
    const generation = this.generation;
    const value = await read();
    if (value !== null && generation === this.generation) this.set(key, value);
    return value;
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

  /** Drops every entry the predicate picks (invalidation events are rare; a scan is fine). */
  deleteWhere(pick: (key: string, value: V) => boolean): void {
    if (!this.cache) return;
    const doomed: string[] = [];
    this.generation++;
    for (const [key, value] of this.cache.entries()) if (pick(key, value)) doomed.push(key);
    for (const key of doomed) this.cache.delete(key);
  }

  clear(): void {
    this.generation++;
    this.cache?.clear();
  }

  get size(): number {
    return this.cache?.size ?? 0;
  }
}
