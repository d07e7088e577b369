// Periodic work (the expiry scan, retention) as outbox jobs that schedule their own next run. A run
// belongs to a time slot and is added with Outbox.addOnce under the slot's number, so however many
// instances schedule it, one job per slot exists and one instance runs it; a crash mid-run is retried
// after the lease like any delivery. Where no instance runs the worker, nothing periodic runs either.
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Outbox, OutboxHandler } from './outbox';
import { OutboxWorker } from './outbox-worker';

export interface PeriodicTask {
  /** The outbox kind of its jobs, unique. */
  readonly kind: string;
  /** The slot length: a run per slot, due at the slot's start. */
  readonly everyMs: number;
  run(): Promise<void>;
}

/** A failed run is tried again a minute later, three times, before the next slot's run takes over. */
const RETRY_MS = 60_000;
const ATTEMPTS = 3;

@Injectable()
export class PeriodicJobs implements OnApplicationBootstrap {
  private readonly tasks: PeriodicTask[] = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly worker: OutboxWorker,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Call from onModuleInit: the runs are scheduled at bootstrap, once every module has registered. */
  register(task: PeriodicTask): void {
    this.tasks.push(task);
    const handler: OutboxHandler = {
      kind: task.kind,
      deliver: async () => {
        const startedAt = this.clock.now();
        await task.run();
        await this.schedule(task, new Date(startedAt.getTime() + task.everyMs));
      },
      retryDelayMs: (failedAttempt) => (failedAttempt < ATTEMPTS ? RETRY_MS : null),
      onGiveUp: () => this.schedule(task, new Date(this.clock.now().getTime() + task.everyMs)),
    };
    this.worker.register(handler);
  }

  /** An instance that delivers makes sure each task's current slot is scheduled, unless another instance did. */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.outbox.worker) return;
    for (const task of this.tasks) await this.schedule(task, this.clock.now());
  }

  /** The job of the slot `at` falls in, due at the slot's start or now, whichever is later. */
  private async schedule(task: PeriodicTask, at: Date): Promise<void> {
    const slot = Math.floor(at.getTime() / task.everyMs);
    await this.outbox.addOnce(this.dataSource.manager, String(slot), {
      kind: task.kind,
      payload: {},
      runAt: new Date(Math.max(slot * task.everyMs, this.clock.now().getTime())),
    });
  }
}
