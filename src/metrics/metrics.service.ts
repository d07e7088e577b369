// Prometheus metrics: process defaults, HTTP requests by route, SQL statements sent, the connection pool.
import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { Database } from '../database/database';
import type { DatabaseUnavailableReason } from '../database/database-errors';
import { QueryCounter } from '../database/query-counter';

const UNAVAILABLE_REASONS: DatabaseUnavailableReason[] = ['unreachable', 'pool_exhausted'];

@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly dbUnavailable: Counter<'reason'>;
  /** The scrape being collected: scrapers asking at once share it, so a burst costs one collection. */
  private inFlight: Promise<string> | null = null;

  constructor(queries: QueryCounter, database: Database) {
    collectDefaultMetrics({ register: this.registry, prefix: 'latchkey_' });
    this.httpDuration = new Histogram({
      name: 'latchkey_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    const dbQueries = new Counter({
      name: 'latchkey_db_queries_total',
      help: 'SQL statements sent to the database',
      registers: [this.registry],
    });
    queries.onQuery(() => dbQueries.inc());

    this.dbUnavailable = new Counter({
      name: 'latchkey_db_unavailable_total',
      help: 'Requests answered 503 for want of the database: reason="unreachable" (outage) or "pool_exhausted" (every connection stayed busy)',
      labelNames: ['reason'],
      registers: [this.registry],
    });
    // Both series exist from the start, so a dashboard's rate() sees the first one.
    for (const reason of UNAVAILABLE_REASONS) this.dbUnavailable.inc({ reason }, 0);

    const pool = () => database.poolStats();
    new Gauge({
      name: 'latchkey_db_pool_size',
      help: 'The most connections the pool opens',
      registers: [this.registry],
      collect() {
        this.set(pool().size);
      },
    });
    new Gauge({
      name: 'latchkey_db_pool_connections',
      help: 'Pooled connections: state="in_use" (given to a query or transaction, or opening) or "idle"',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        const stats = pool();
        this.set({ state: 'in_use' }, stats.inUse);
        this.set({ state: 'idle' }, stats.idle);
      },
    });
    new Gauge({
      name: 'latchkey_db_pool_waiting',
      help: 'Queries queued for a pooled connection',
      registers: [this.registry],
      collect() {
        this.set(pool().waiting);
      },
    });
  }

  scrape(): Promise<string> {
    this.inFlight ??= this.registry.metrics().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpDuration.observe({ method, route, status: String(status) }, seconds);
  }

  /**
   * The token usage recorder's flushes and dropped uses, and the requests refused by a token's or API
   * user's own rate limit: counted by their owners as plain numbers (no metrics call on the request
   * path) and read at each scrape.
   */
  observeTokenUsage(
    usage: { readonly flushes: number; readonly flushFailures: number; readonly dropped: number },
    limits: { readonly ownLimitRefusals: number },
  ): void {
    const counted = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    counted('latchkey_token_usage_flushes_total', 'Token usage flushes written (one statement each)', () => usage.flushes);
    counted(
      'latchkey_token_usage_flush_failures_total',
      'Token usage flushes that failed (their counts are kept for the next)',
      () => usage.flushFailures,
    );
    counted('latchkey_token_usage_dropped_total', 'Token uses not counted: the per-instance buffer was full', () => usage.dropped);
    counted(
      'latchkey_token_rate_limit_refusals_total',
      "Requests refused (429) by a token's or API user's own rate limit",
      () => limits.ownLimitRefusals,
    );
  }

  countDatabaseUnavailable(reason: DatabaseUnavailableReason): void {
    this.dbUnavailable.inc({ reason });
  }
}
