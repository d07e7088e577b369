// Delivers the outbox: each kind in its own lane (OutboxLane: mail never waits behind webhooks, a stuck
// delivery holds one of its lane's slots, and one workspace's deliveries no more than their share of
// them), claiming due jobs (FOR UPDATE SKIP LOCKED, so instances share the work), handing each to the
// handler of its kind outside any request and any transaction, and recording the outcome. A job whose
// worker died stays claimed only until its lease runs out. A lane wakes right after a commit that added
// jobs of its kind on this instance, polls otherwise (jobs from other instances, retries).
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '../common/clock';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Outbox, OutboxHandler, OutboxJob, RetryAt } from './outbox';
import { OutboxLane } from './outbox-lane';
import { OutboxQueueRow, OutboxRepository } from './outbox.repository';

/**
 * Jobs of one kind in flight at once on an instance: the batch the worker used to claim, so each kind
 * asks no more of its receivers, the SMTP server and the connection pool than before; now a slot is
 * refilled as soon as its job ends, and nine stuck webhook receivers still leave one slot moving.
 */
const SLOTS_PER_KIND = 10;
/**
 * Jobs of one share key (a webhook delivery's workspace) in flight at once in a lane on an instance.
 * A workspace whose receivers never answer holds 3 of the 10 webhook slots until its first attempts
 * time out, then one (OutboxLane holds a failing key to one slot until a job of it goes through), and
 * the others go on delivering every other workspace's. Three still lets one busy workspace's
 * deliveries to receivers that answer go three at once.
 */
const SLOTS_PER_SHARE_KEY = 3;
/**
 * Slots that the failing keys of a lane take together. Workspaces are free, so one user can make ten
 * whose receivers never answer, one slot each once failing; held to half, they leave the other half
 * to the workspaces whose deliveries go through, and still get tried, five at a time.
 */
const SLOTS_FOR_FAILING_KEYS = 5;

/** delivered; retried: failed, tried again later; given_up: failed for the last time. */
export type DeliveryOutcome = 'delivered' | 'retried' | 'given_up';
export type DeliveryListener = (kind: string, outcome: DeliveryOutcome, seconds: number) => void;
/** How long shutdown waits for deliveries in flight; an unfinished one is retried after its lease. */
const SHUTDOWN_WAIT_MS = 10_000;

@Injectable()
export class OutboxWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Outbox');
  private readonly handlers = new Map<string, OutboxHandler>();
  private readonly lanes = new Map<string, OutboxLane>();
  private readonly listeners: DeliveryListener[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly jobs: OutboxRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    outbox: Outbox,
  ) {
    outbox.onCommit((kinds) => {
      for (const kind of kinds) this.nudge(kind);
    });
  }

  register(handler: OutboxHandler): void {
    if (this.handlers.has(handler.kind)) throw new Error(`an outbox handler for '${handler.kind}' is already registered`);
    this.handlers.set(handler.kind, handler);
    const leaseMs = () => this.config.outbox.leaseSeconds * 1000;
    const lane = new OutboxLane(
      SLOTS_PER_KIND,
      SLOTS_PER_SHARE_KEY,
      SLOTS_FOR_FAILING_KEYS,
      (room) => {
        const now = this.clock.now();
        return this.jobs.claim(handler.kind, now, new Date(now.getTime() + leaseMs()), room);
      },
      (job) => this.run(handler, job, leaseMs()),
      (error) => {
        // The database is away (an outage, shutdown): the next poll tries again.
        this.logger.warn(
          { kind: handler.kind, err: { type: (error as Error)?.constructor?.name, code: (error as { code?: string }).code } },
          'outbox run failed',
        );
      },
    );
    this.lanes.set(handler.kind, lane);
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
    this.timer = setInterval(() => this.nudgeAll(), this.config.outbox.pollSeconds * 1000);
    this.timer.unref();
    this.nudgeAll();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const lanes = Promise.all([...this.lanes.values()].map((lane) => lane.stop()));
    let wait: NodeJS.Timeout | undefined;
    await Promise.race([lanes, new Promise((resolve) => (wait = setTimeout(resolve, SHUTDOWN_WAIT_MS)))]);
    clearTimeout(wait);
  }

  /**
   * Runs every due job now, every lane at once, until none is due; returns how many ran. For tests.
   * Rounds until one runs nothing: a job may add another lane's (a reset request adds its mail).
   */
  async drainDue(): Promise<number> {
    let ran = 0;
    for (;;) {
      const round = await Promise.all([...this.lanes.values()].map((lane) => lane.drain()));
      const n = round.reduce((sum, one) => sum + one, 0);
      if (n === 0) return ran;
      ran += n;
    }
  }

  private nudgeAll(): void {
    for (const kind of this.lanes.keys()) this.nudge(kind);
  }

  /** Soon, once: a lane's run in progress claims again, so a commit during a run is not missed. */
  private nudge(kind: string): void {
    if (this.config.outbox.worker) this.lanes.get(kind)?.nudge();
  }

  /** true when the job went through (its lane gives its share key a full share again). */
  private async run(handler: OutboxHandler, job: OutboxJob, leaseMs: number): Promise<boolean> {
    const started = process.hrtime.bigint();
    try {
      await withTimeout(handler.deliver(job), leaseMs);
    } catch (error) {
      const retried = await this.failed(handler, job, describe(error), error instanceof RetryAt ? error.at : null);
      this.tell(job.kind, retried ? 'retried' : 'given_up', started);
      return false;
    }
    this.tell(job.kind, 'delivered', started);
    await this.jobs.delivered(job.id, job.attempt);
    return true;
  }

  private tell(kind: string, outcome: DeliveryOutcome, started: bigint): void {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    for (const listener of this.listeners) listener(kind, outcome, seconds);
  }

  /** true when the job will be tried again: after its delay, or at the time the handler chose (RetryAt). */
  private async failed(handler: OutboxHandler, job: OutboxJob, reason: string, chosenAt: Date | null): Promise<boolean> {
    const delay = handler.retryDelayMs(job.attempt);
    if (delay !== null) {
      const retryAt = chosenAt?.getTime() ?? this.clock.now().getTime() + delay;
      this.logger.warn(
        { jobId: job.id, kind: job.kind, attempt: job.attempt, retryInMs: delay, reason },
        'outbox delivery failed; will retry',
      );
      await this.jobs.retryAt(job.id, job.attempt, new Date(retryAt), reason);
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
