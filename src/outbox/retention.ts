// Retention: once a day, rows that only look back (finished webhook deliveries, given-up outbox jobs,
// used or expired mailed links) older than LATCHKEY_RETENTION_DAYS are deleted. Each domain registers
// how its table is purged; the deletes go in small batches, so no long lock holds up the writes that
// add rows meanwhile. The audit log is not purged here: it is the record, kept until its workspace goes.
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Clock } from '../common/clock';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { OutboxRepository } from './outbox.repository';
import { PeriodicJobs, PeriodicTask } from './periodic-jobs';

/** Deletes up to `limit` rows older than `cutoff`; returns how many it deleted. */
export type Purge = (cutoff: Date, limit: number) => Promise<number>;
export type PurgedListener = (table: string, rows: number) => void;

const DAY_MS = 86_400_000;
const BATCH = 1_000;

@Injectable()
export class Retention implements PeriodicTask, OnModuleInit {
  readonly kind = 'retention';
  readonly everyMs = DAY_MS;
  private readonly logger = new Logger('Retention');
  private readonly purges = new Map<string, Purge>();
  private readonly listeners: PurgedListener[] = [];

  constructor(
    private readonly periodic: PeriodicJobs,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    jobs: OutboxRepository,
  ) {
    this.register('outbox_jobs', (cutoff, limit) => jobs.purgeFailed(cutoff, limit));
  }

  onModuleInit(): void {
    this.periodic.register(this);
  }

  /** `table` names the rows in the log and the metrics. */
  register(table: string, purge: Purge): void {
    if (this.purges.has(table)) throw new Error(`a retention purge for '${table}' is already registered`);
    this.purges.set(table, purge);
  }

  onPurged(listener: PurgedListener): void {
    this.listeners.push(listener);
  }

  async run(): Promise<void> {
    await this.purgeAll();
  }

  /** Purges every registered table now; returns the rows deleted by table. */
  async purgeAll(): Promise<Record<string, number>> {
    const cutoff = new Date(this.clock.now().getTime() - this.config.outbox.retentionDays * DAY_MS);
    const deleted: Record<string, number> = {};
    for (const [table, purge] of this.purges) {
      let rows = 0;
      for (;;) {
        const batch = await purge(cutoff, BATCH);
        rows += batch;
        if (batch < BATCH) break;
      }
      deleted[table] = rows;
      for (const listener of this.listeners) listener(table, rows);
    }
    this.logger.log({ before: cutoff.toISOString(), deleted }, 'retention purge');
    return deleted;
  }
}
