// The outbox: what leaves Latchkey (mail, webhooks) is written in the transaction of the change that
// causes it, like the audit event, and delivered after COMMIT by the OutboxWorker, at least once.
// The interface is shared with the webhooks (/work/wt/prompts/outbox-interface.md, docs/operations.md).
import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import {
  DataSource,
  EntityManager,
  EntitySubscriberInterface,
  QueryRunner,
  TransactionCommitEvent,
  TransactionRollbackEvent,
} from 'typeorm';
import { Clock } from '../common/clock';
import { JobPayloads, NewJobRow, OutboxRepository } from './outbox.repository';

export interface OutboxJobInput {
  /** Which handler delivers it: 'mail', 'webhook', ... */
  kind: string;
  /**
   * JSON. No secret beyond what the delivery needs (a mail's one-time link is allowed): the whole
   * payload is deleted with the row once delivered, and blanked once given up.
   */
  payload: Record<string, unknown>;
  /** Not before this time (default: now). */
  runAt?: Date;
  /**
   * Whose job it is, for a fair share of its lane: the jobs of one key take no more than a few of the
   * lane's slots on an instance (OutboxLane), so one tenant's stuck receivers cannot hold up the
   * others'. A webhook delivery's workspace; none (the default): no share.
   */
  shareKey?: string;
}

export interface OutboxJob {
  /** Stable across retries: the delivery's idempotency id (webhook-id, Message-ID). */
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  /** 1 = first try. */
  attempt: number;
  createdAt: Date;
  /** OutboxJobInput.shareKey; null: none. */
  shareKey: string | null;
}

export interface OutboxHandler {
  readonly kind: string;
  /** Delivers once. Throwing means "failed, maybe retry": the worker asks retryDelayMs. */
  deliver(job: OutboxJob): Promise<void>;
  /** Delay before attempt `failedAttempt + 1`, or null to give up (then onGiveUp). */
  retryDelayMs(failedAttempt: number): number | null;
  onGiveUp?(job: OutboxJob, lastError: string): Promise<void>;
}

/**
 * Thrown by a handler whose attempt failed and that chose, and recorded, when it is tried again (a
 * webhook delivery, whose retry may wait past its endpoint's probe): the worker retries at `at` as is.
 * Any other error is retried after `retryDelayMs`.
 */
export class RetryAt extends Error {
  constructor(
    message: string,
    readonly at: Date,
  ) {
    super(message);
  }
}

/** Told when a transaction that added jobs of these kinds has committed (the worker wakes their lanes instead of waiting for its poll). */
export type CommitListener = (kinds: ReadonlySet<string>) => void;

@Injectable()
export class Outbox implements EntitySubscriberInterface {
  /** Open transactions that added jobs, and the kinds they added. */
  private readonly waiting = new WeakMap<QueryRunner, Set<string>>();
  private listener: CommitListener = () => undefined;

  constructor(
    private readonly jobs: OutboxRepository,
    private readonly clock: Clock,
    dataSource: DataSource,
  ) {
    // TypeORM tells its subscribers about every COMMIT and ROLLBACK, whichever service ran the transaction.
    dataSource.subscribers.push(this);
  }

  /**
   * Adds a job inside the caller's transaction (the change's EntityManager), so the change and its job
   * commit together or not at all. Returns the job id.
   */
  async add(manager: EntityManager, job: OutboxJobInput): Promise<string> {
    return this.insert(manager, job);
  }

  /** Adds jobs inside the caller's transaction, as add() does each, in a few statements (a bulk change's). Their ids in order. */
  async addMany(manager: EntityManager, jobs: readonly OutboxJobInput[]): Promise<string[]> {
    if (jobs.length === 0) return [];
    const now = this.clock.now();
    const ids = await this.jobs.insertMany(
      manager,
      jobs.map((job) => rowOf(job, now)),
    );
    this.wake(manager, jobs);
    return ids;
  }

  /**
   * Adds the job unless one with the same `key` is still in the outbox (pending or given up): periodic
   * work that any instance may schedule, such as the next run of a scan. Returns the job id.
   */
  addOnce(manager: EntityManager, key: string, job: OutboxJobInput): Promise<string> {
    return this.insert(manager, job, uuidFromKey(`${job.kind}:${key}`));
  }

  private async insert(manager: EntityManager, job: OutboxJobInput, id?: string): Promise<string> {
    const jobId = await this.jobs.insert(manager, rowOf(job, this.clock.now()), id);
    this.wake(manager, [job]);
    return jobId;
  }

  /**
   * Holds back the waiting jobs of a kind and share key whose payload holds `match` until `notBefore`
   * (a paused webhook endpoint's), in `manager`'s transaction; jobs in flight are left to their outcome.
   * Answers the payloads of the jobs it held back.
   */
  postpone(manager: EntityManager, kind: string, shareKey: string, match: Record<string, string>, notBefore: Date): Promise<JobPayloads> {
    return this.jobs.postpone(manager, kind, shareKey, match, notBefore);
  }

  /**
   * Makes the waiting jobs that postpone() held back (and any others of theirs due later) due now, and
   * wakes their lane after the commit as a new job would. Answers the payloads of the jobs it moved.
   */
  async resume(manager: EntityManager, kind: string, shareKey: string, match: Record<string, string>): Promise<JobPayloads> {
    const moved = await this.jobs.resume(manager, kind, shareKey, match, this.clock.now());
    if (moved.length > 0) this.wake(manager, [{ kind }]);
    return moved;
  }

  /** The worker is told of new jobs after COMMIT: before it, no other session sees them. */
  private wake(manager: EntityManager, jobs: ReadonlyArray<Pick<OutboxJobInput, 'kind'>>): void {
    const transaction = manager.queryRunner?.isTransactionActive ? manager.queryRunner : null;
    const kinds = transaction ? (this.waiting.get(transaction) ?? new Set<string>()) : new Set<string>();
    for (const job of jobs) kinds.add(job.kind);
    if (transaction) this.waiting.set(transaction, kinds);
    else this.listener(kinds);
  }

  onCommit(listener: CommitListener): void {
    this.listener = listener;
  }

  /** TypeORM, after COMMIT or RELEASE SAVEPOINT: only the outermost commit makes the jobs visible. */
  afterTransactionCommit({ queryRunner }: TransactionCommitEvent): void {
    const kinds = this.waiting.get(queryRunner);
    if (queryRunner.isTransactionActive || !kinds) return;
    this.waiting.delete(queryRunner);
    this.listener(kinds);
  }

  afterTransactionRollback({ queryRunner }: TransactionRollbackEvent): void {
    if (!queryRunner.isTransactionActive) this.waiting.delete(queryRunner);
  }
}

/** A UUID (version 8, RFC 9562: custom) made from a key, so every instance names one job alike. */
function uuidFromKey(key: string): string {
  const bytes = createHash('sha256').update(key).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The row a job is stored as, added at `now` (and due then unless it says when). */
function rowOf(job: OutboxJobInput, now: Date): NewJobRow {
  return { kind: job.kind, payload: job.payload, shareKey: job.shareKey, runAt: job.runAt ?? now, createdAt: now };
}
