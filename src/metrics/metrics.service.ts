// Prometheus metrics: process defaults, HTTP requests by route, SQL statements sent.
import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { QueryCounter } from '../database/query-counter';

@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly httpDuration: Histogram<'method' | 'route' | 'status'>;

  constructor(queries: QueryCounter) {
    collectDefaultMetrics({ register: this.registry, prefix: 'latchkey_' });
    this.httpDuration = new Histogram({
      name: 'latchkey_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    const dbQueries = new Counter({ name: 'latchkey_db_queries_total', help: 'SQL statements sent to the database', registers: [this.registry] });
    queries.onQuery(() => dbQueries.inc());
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpDuration.observe({ method, route, status: String(status) }, seconds);
  }
}
