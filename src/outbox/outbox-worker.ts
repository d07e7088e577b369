// Delivers the outbox: claims due jobs in small batches (FOR UPDATE SKIP LOCKED, so instances share
// the work), hands each to the handler of its kind outside any request and any transaction, and
// records the outcome. A job whose worker died stays claimed only until its lease runs out. Wakes right
// after a commit that added jobs on this instance, polls otherwise (jobs from other instances, retries).
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '../common/clock';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Outbox, OutboxHandler, OutboxJob } from './outbox';
import { OutboxQueueRow, OutboxRepository } from './outbox.repository';

const BATCH_SIZE = 10;

/** delivered; retried: failed, tried again later; given_up: failed for the last time. */
export type DeliveryOutcome = 'delivered' | 'retried' | 'given_up';
export type DeliveryListener = (kind: string, outcome: DeliveryOutcome, seconds: number) => void;
/** How long shutdown waits for deliveries in flight; an unfinished one is retried after its lease. */
const SHUTDOWN_WAIT_MS = 10_000;

@Injectable()
export class OutboxWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Outbox');
  private readonly handlers = new Map<string, OutboxHandler>();
  private readonly listeners: DeliveryListener[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly jobs: OutboxRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    outbox: Outbox,
  ) {
    outbox.onCommit(() => this.nudge());
  }

  register(handler: OutboxHandler): void {
    if (this.handlers.has(handler.kind)) throw new Error(`an outbox handler for '${handler.kind}' is already registered`);
    this.handlers.set(handler.kind, handler);
  }

  /** Told of every delivery attempt this instance made (the metrics). */
  onDelivery(listener: DeliveryListener): void {
    this.listeners.push(listener);
  }

  /** The outbox as it stands, across instances: jobs by kind and status, and how late the oldest due job is. */
  queue(): Promise<OutboxQueueRow[]> {
    return this.jobs.queue(this.clock.now());
  }

  onApplicationBootstrap(): void {
    if (!this.config.outbox.worker) return;
    this.timer = setInterval(() => this.nudge(), this.config.outbox.pollSeconds * 1000);
    this.timer.unref();
    this.nudge();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (!this.running) return;
    let wait: NodeJS.Timeout | undefined;
    await Promise.race([this.running, new Promise((resolve) => (wait = setTimeout(resolve, SHUTDOWN_WAIT_MS)))]);
    clearTimeout(wait);
  }

  /** Runs every due job now, until none is due; returns how many ran. For tests and shutdown. */
  async drainDue(): Promise<number> {
    let ran = 0;
    for (;;) {
      const batch = await this.runBatch();
      if (batch === 0) return ran;
      ran += batch;
    }
  }

  /** Soon, once: a run in progress runs again when it ends, so a commit during a run is not missed. */
  private nudge(): void {
    if (!this.config.outbox.worker || this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drainDue()
      .catch((error: unknown) => {
        // The database is away (an outage, shutdown): the next poll tries again.
        this.logger.warn(
          { err: { type: (error as Error)?.constructor?.name, code: (error as { code?: string }).code } },
          'outbox run failed',
        );
      })
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.nudge();
        }
      });
  }

  private async runBatch(): Promise<number> {
    const now = this.clock.now();
    const leaseMs = this.config.outbox.leaseSeconds * 1000;
    const claimed = await this.jobs.claim([...this.handlers.keys()], now, new Date(now.getTime() + leaseMs), BATCH_SIZE);
    await Promise.all(claimed.map((job) => this.run(job, leaseMs)));
    return claimed.length;
  }

  private async run(job: OutboxJob, leaseMs: number): Promise<void> {
    const handler = this.handlers.get(job.kind) as OutboxHandler;
    const started = process.hrtime.bigint();
    try {
      await withTimeout(handler.deliver(job), leaseMs);
    } catch (error) {
      const retried = await this.failed(handler, job, describe(error));
      this.tell(job.kind, retried ? 'retried' : 'given_up', started);
      return;
    }
    this.tell(job.kind, 'delivered', started);
    await this.jobs.delivered(job.id, job.attempt);
  }

  private tell(kind: string, outcome: DeliveryOutcome, started: bigint): void {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    for (const listener of this.listeners) listener(kind, outcome, seconds);
  }

  /** true when the job will be tried again. */
  private async failed(handler: OutboxHandler, job: OutboxJob, reason: string): Promise<boolean> {
    const delay = handler.retryDelayMs(job.attempt);
    if (delay !== null) {
      this.logger.warn(
        { jobId: job.id, kind: job.kind, attempt: job.attempt, retryInMs: delay, reason },
        'outbox delivery failed; will retry',
      );
      await this.jobs.retryAt(job.id, job.attempt, new Date(this.clock.now().getTime() + delay), reason);
      return true;
    }
    this.logger.error({ jobId: job.id, kind: job.kind, attempt: job.attempt, reason }, 'outbox delivery failed; giving up');
    if (!(await this.jobs.failed(job.id, job.attempt, this.clock.now(), reason))) return false;
    try {
      await handler.onGiveUp?.(job, reason);
    } catch (error) {
      this.logger.error({ jobId: job.id, kind: job.kind, reason: describe(error) }, 'outbox give-up hook failed');
    }
    return false;
  }
}

/** An error's class and message, for the row and the log: handlers must not put secrets in their messages. */
function describe(error: unknown): string {
  if (error instanceof Error) return `${error.constructor.name}: ${error.message}`.slice(0, 500);
  return 'non-error thrown';
}

async function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`delivery took longer than the ${ms} ms lease`)), ms);
  });
  try {
    await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
