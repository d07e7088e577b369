// latchkey_http_request_duration_seconds, kept in plain numbers per series and handed to prom-client's
// registry at each scrape. prom-client's Histogram builds a label object, validates it and hashes it
// to a string on every observation: a microsecond of every token check (docs/performance.md). Here
// a request finds its series through three map lookups (route, method, status) and adds to numbers.
// The exposition is the one prom-client's Histogram writes (bucket lines with le first, then _sum, _count).
import type { MetricValueWithName, Registry } from 'prom-client';

interface Series {
  labels: { method: string; route: string; status: string };
  /** Observations per bucket (not cumulative), the last one past every bound (+Inf). */
  counts: number[];
  sum: number;
  count: number;
}

export class RequestDurations {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly byRoute = new Map<string, Map<string, Map<number, Series>>>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    let byMethod = this.byRoute.get(route);
    if (byMethod === undefined) this.byRoute.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) byMethod.set(method, (byStatus = new Map()));
    let series = byStatus.get(status);
    if (series === undefined) {
      series = {
        labels: { method, route, status: String(status) },
        counts: new Array<number>(this.bounds.length + 1).fill(0),
        sum: 0,
        count: 0,
      };
      byStatus.set(status, series);
    }
    let bucket = 0;
    while (bucket < this.bounds.length && seconds > this.bounds[bucket]) bucket++;
    series.counts[bucket]++;
    series.sum += seconds;
    series.count++;
  }

  /** What the registry reads at a scrape. */
  get(): { name: string; help: string; type: 'histogram'; values: Array<MetricValueWithName<string>>; aggregator: 'sum' } {
    const values: Array<MetricValueWithName<string>> = [];
    for (const byMethod of this.byRoute.values())
      for (const byStatus of byMethod.values())
        for (const series of byStatus.values()) {
          let cumulative = 0;
          for (let i = 0; i < this.bounds.length; i++) {
            cumulative += series.counts[i];
            values.push({ labels: { le: this.bounds[i], ...series.labels }, value: cumulative, metricName: `${this.name}_bucket` });
          }
          values.push({ labels: { le: '+Inf', ...series.labels }, value: series.count, metricName: `${this.name}_bucket` });
          values.push({ labels: { ...series.labels }, value: series.sum, metricName: `${this.name}_sum` });
          values.push({ labels: { ...series.labels }, value: series.count, metricName: `${this.name}_count` });
        }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    this.byRoute.clear();
  }
}
