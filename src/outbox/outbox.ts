// STAND-IN for the outbox of branch outbox-mail, written to the interface in
// /work/wt/prompts/outbox-interface.md so the webhooks can be built and tested before the merge; the
// merge replaces this file. Jobs are kept in memory and run by drainDue() only: nothing here survives
// a restart or knows whether the adding transaction committed.
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';

export interface OutboxJobInput {
  kind: string;
  payload: Record<string, unknown>;
  runAt?: Date;
}

export interface OutboxJob {
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  attempt: number;
  createdAt: Date;
}

export interface OutboxHandler {
  readonly kind: string;
  deliver(job: OutboxJob): Promise<void>;
  retryDelayMs(failedAttempt: number): number | null;
  onGiveUp?(job: OutboxJob, lastError: string): Promise<void>;
}

interface Pending extends OutboxJob {
  runAt: number;
}

@Injectable()
export class OutboxWorker {
  private readonly handlers = new Map<string, OutboxHandler>();
  readonly jobs: Pending[] = [];

  register(handler: OutboxHandler): void {
    this.handlers.set(handler.kind, handler);
  }

  async drainDue(): Promise<number> {
    let ran = 0;
    for (;;) {
      const job = this.jobs.find((j) => j.runAt <= Date.now());
      if (!job) return ran;
      this.jobs.splice(this.jobs.indexOf(job), 1);
      const handler = this.handlers.get(job.kind);
      if (!handler) continue;
      ran++;
      try {
        await handler.deliver(job);
      } catch (error) {
        const delay = handler.retryDelayMs(job.attempt);
        if (delay === null) await handler.onGiveUp?.(job, String(error));
        else this.jobs.push({ ...job, attempt: job.attempt + 1, runAt: Date.now() + delay });
      }
    }
  }
}

@Injectable()
export class Outbox {
  constructor(private readonly worker: OutboxWorker) {}

  add(_manager: EntityManager, job: OutboxJobInput): Promise<string> {
    const id = randomUUID();
    this.worker.jobs.push({
      id,
      kind: job.kind,
      payload: job.payload,
      attempt: 1,
      createdAt: new Date(),
      runAt: job.runAt?.getTime() ?? 0,
    });
    return Promise.resolve(id);
  }
}
