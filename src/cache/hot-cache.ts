// A bounded, TTL'd in-process cache for the hot path, dropped entry by entry on invalidation events.
import { LRUCache } from 'lru-cache';
import type { AppConfig } from '../config/app-config';

export class HotCache<V extends object> {
  private readonly cache: LRUCache<string, V> | null;
  /** Bumped by every invalidation: a fill that began before one must not store what it read. */
  private generation = 0;

  constructor(config: AppConfig, maxEntries = config.cache.maxEntries) {
    this.cache = config.cache.ttlSeconds > 0 ? new LRUCache<string, V>({ max: maxEntries, ttl: config.cache.ttlSeconds * 1000, ttlAutopurge: false }) : null;
  }

  get(key: string): V | undefined {
    return this.cache?.get(key);
  }

  set(key: string, value: V): void {
    this.cache?.set(key, value);
  }

  /**
   * Reads through the cache. The value is stored only if no invalidation happened while it was being
   * read: otherwise a read that began before a revocation committed could put the old row back.
   */
  async fill<R extends V | null>(key: string, read: () => Promise<R>): Promise<R> {
    const generation = this.generation;
    const value = await read();
    if (value !== null && generation === this.generation) this.cache?.set(key, value);
    return value;
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
