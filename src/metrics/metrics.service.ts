// Prometheus metrics: process defaults, HTTP requests by route, SQL statements sent, the connection pool,
// the outbox (deliveries by outcome, the queue and its lag), the retention purge and the cache
// invalidation channel.
import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { Invalidation } from '../cache/invalidation';
import { Database } from '../database/database';
import type { DatabaseUnavailableReason } from '../database/database-errors';
import { QueryCounter } from '../database/query-counter';
import { OutboxWorker } from '../outbox/outbox-worker';
import { Retention } from '../outbox/retention';
import { RequestDurations } from './request-durations';

const UNAVAILABLE_REASONS: DatabaseUnavailableReason[] = ['unreachable', 'pool_exhausted'];
/** How long a scrape waits for the outbox queue's numbers. */
const QUEUE_READ_TIMEOUT_MS = 1000;

/** `promise`'s value, or null when it takes longer than `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
    timer.unref();
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly httpDuration: RequestDurations;
  private readonly dbUnavailable: Counter<'reason'>;
  /** The scrape being collected: scrapers asking at once share it, so a burst costs one collection. */
  private inFlight: Promise<string> | null = null;

  constructor(queries: QueryCounter, database: Database, outbox: OutboxWorker, retention: Retention, invalidation: Invalidation) {
    collectDefaultMetrics({ register: this.registry, prefix: 'latchkey_' });
    this.httpDuration = new RequestDurations(
      'latchkey_http_request_duration_seconds',
      'HTTP requests by method, route pattern and status',
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      this.registry,
    );
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
    this.outboxMetrics(outbox, retention);
    this.invalidationMetrics(invalidation);
  }

  private invalidationMetrics(invalidation: Invalidation): void {
    new Gauge({
      name: 'latchkey_invalidation_channel_up',
      help: "1 while this instance hears other instances' changes (LISTEN); 0 while the channel is lost and the caches are bypassed. No sample where there is no channel (embedded database, caches off)",
      registers: [this.registry],
      collect() {
        this.reset();
        const state = invalidation.state;
        if (state === 'listening' || state === 'lost') this.set(state === 'listening' ? 1 : 0);
      },
    });
    this.counted('latchkey_invalidation_channel_losses_total', 'Times the LISTEN connection was lost', () => invalidation.counts.losses);
    this.counted(
      'latchkey_invalidation_events_received_total',
      'Invalidation events received through LISTEN',
      () => invalidation.counts.received,
    );
  }

  private outboxMetrics(outbox: OutboxWorker, retention: Retention): void {
    const deliveries = new Counter({
      name: 'latchkey_outbox_deliveries_total',
      help: 'Outbox delivery attempts on this instance by kind (mail, webhook, …) and outcome: delivered, retried (failed, tried again later) or given_up',
      labelNames: ['kind', 'outcome'],
      registers: [this.registry],
    });
    const duration = new Histogram({
      name: 'latchkey_outbox_delivery_duration_seconds',
      help: 'How long one outbox delivery attempt took, by kind',
      labelNames: ['kind'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    outbox.onDelivery((kind, outcome, seconds) => {
      deliveries.inc({ kind, outcome });
      duration.observe({ kind }, seconds);
    });

    // The queue is read from the database once per scrape (shared by concurrent scrapes, scrape()): a
    // growing lag means no instance delivers (worker off everywhere, receivers down, the database slow).
    let queue: Promise<Awaited<ReturnType<OutboxWorker['queue']>> | null> | null = null;
    // Bounded: with every connection busy the read would wait the pool's acquire timeout (up to 60 s)
    // and the scraper would time out, losing the pool's own metrics when they matter; past the bound
    // the gauges have no samples (the read goes on and its answer is dropped).
    const readQueue = () =>
      (queue ??= within(
        outbox.queue().catch(() => null),
        QUEUE_READ_TIMEOUT_MS,
      ).finally(() => setImmediate(() => (queue = null))));
    new Gauge({
      name: 'latchkey_outbox_jobs',
      help: 'Undelivered outbox jobs across instances, by kind and status: pending (due, waiting or being delivered) or failed (given up, kept for LATCHKEY_RETENTION_DAYS)',
      labelNames: ['kind', 'status'],
      registers: [this.registry],
      async collect() {
        const rows = await readQueue();
        this.reset();
        for (const row of rows ?? []) this.set({ kind: row.kind, status: row.status }, row.jobs);
      },
    });
    new Gauge({
      name: 'latchkey_outbox_oldest_due_seconds',
      help: 'How long the oldest due outbox job of each kind has waited past its time (0: none waiting)',
      labelNames: ['kind'],
      registers: [this.registry],
      async collect() {
        const rows = await readQueue();
        this.reset();
        for (const row of rows ?? []) if (row.status === 'pending') this.set({ kind: row.kind }, row.oldestDueSeconds);
      },
    });

    const purged = new Counter({
      name: 'latchkey_retention_deleted_rows_total',
      help: 'Rows the retention purge deleted on this instance, by table',
      labelNames: ['table'],
      registers: [this.registry],
    });
    retention.onPurged((table, rows) => purged.inc({ table }, rows));
  }

  scrape(): Promise<string> {
    this.inFlight ??= this.registry.metrics().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpDuration.observe(method, route, status, seconds);
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
    this.counted('latchkey_token_usage_flushes_total', 'Token usage flushes written (one statement each)', () => usage.flushes);
    this.counted(
      'latchkey_token_usage_flush_failures_total',
      'Token usage flushes that failed (their counts are kept for the next)',
      () => usage.flushFailures,
    );
    this.counted('latchkey_token_usage_dropped_total', 'Token uses not counted: the per-instance buffer was full', () => usage.dropped);
    this.counted(
      'latchkey_token_rate_limit_refusals_total',
      "Requests refused (429) by a token's or API user's own rate limit",
      () => limits.ownLimitRefusals,
    );
  }

  /** A counter kept by its owner as a plain number (no metrics call where it counts), read at each scrape. */
  private counted(name: string, help: string, read: () => number): void {
    new Counter({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  }

  countDatabaseUnavailable(reason: DatabaseUnavailableReason): void {
    this.dbUnavailable.inc({ reason });
  }
}
