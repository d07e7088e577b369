// The outbox_jobs table. A claim is one statement (FOR UPDATE SKIP LOCKED, then run_at pushed one lease
// ahead), so no lock is held while a job is delivered; the later writes name the attempt they finish,
// so a worker whose lease ran out cannot overwrite the attempt that replaced it.
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { insertRows } from '../database/insert-rows';

export interface ClaimedJobRow {
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  attempt: number;
  createdAt: Date;
}

export interface OutboxQueueRow {
  kind: string;
  status: 'pending' | 'failed';
  jobs: number;
  /** How long the oldest due, unclaimed job has waited past its time; 0 when none is due. */
  oldestDueSeconds: number;
}

/** Longest error text kept on a row (an operator's hint, not a log). */
const MAX_ERROR_LENGTH = 500;

@Injectable()
export class OutboxRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(
    em: EntityManager,
    job: { kind: string; payload: Record<string, unknown>; runAt: Date; createdAt: Date },
    id: string = randomUUID(),
  ): Promise<string> {
    // A given id is a job that exists once (Outbox.addOnce): a second insert of it does nothing.
    await em.query(
      `INSERT INTO outbox_jobs (id, kind, payload, run_at, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
      [id, job.kind, JSON.stringify(job.payload), job.runAt, job.createdAt],
    );
    return id;
  }

  /** Jobs with new ids, in few statements; their ids in order. */
  async insertMany(
    em: EntityManager,
    jobs: ReadonlyArray<{ kind: string; payload: Record<string, unknown>; runAt: Date; createdAt: Date }>,
  ): Promise<string[]> {
    const ids = jobs.map(() => randomUUID());
    await insertRows(
      em,
      'outbox_jobs',
      ['id', 'kind', 'payload', 'run_at', 'created_at'],
      jobs.map((job, i) => [ids[i], job.kind, JSON.stringify(job.payload), job.runAt, job.createdAt]),
    );
    return ids;
  }

  /** Takes up to `limit` due jobs of these kinds, oldest due first, each until `leaseUntil`. */
  async claim(kinds: string[], now: Date, leaseUntil: Date, limit: number): Promise<ClaimedJobRow[]> {
    if (kinds.length === 0) return [];
    const [rows]: [ClaimedJobRow[], number] = await this.dataSource.query(
      `WITH due AS (
         SELECT id FROM outbox_jobs
          WHERE status = 'pending' AND run_at <= $1 AND kind = ANY($2::text[])
          ORDER BY run_at
          LIMIT $3
          FOR UPDATE SKIP LOCKED)
       UPDATE outbox_jobs j SET attempts = j.attempts + 1, run_at = $4
         FROM due WHERE j.id = due.id
       RETURNING j.id, j.kind, j.payload, j.attempts AS attempt, j.created_at AS "createdAt"`,
      [now, kinds, limit, leaseUntil],
    );
    return rows;
  }

  /** Delivered: the row goes, and with it whatever the payload held. */
  async delivered(id: string, attempt: number): Promise<void> {
    await this.dataSource.query(`DELETE FROM outbox_jobs WHERE id = $1 AND attempts = $2 AND status = 'pending'`, [id, attempt]);
  }

  async retryAt(id: string, attempt: number, runAt: Date, error: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE outbox_jobs SET run_at = $3, last_error = $4 WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
      [id, attempt, runAt, error.slice(0, MAX_ERROR_LENGTH)],
    );
  }

  /** Given up: kept for the operator with its error, its payload blanked (no link or body stays). */
  async failed(id: string, attempt: number, at: Date, error: string): Promise<boolean> {
    const [rows]: [unknown[], number] = await this.dataSource.query(
      `UPDATE outbox_jobs SET status = 'failed', payload = '{}', last_error = $3, finished_at = $4
        WHERE id = $1 AND attempts = $2 AND status = 'pending' RETURNING id`,
      [id, attempt, error.slice(0, MAX_ERROR_LENGTH), at],
    );
    return rows.length > 0;
  }

  /** Jobs by kind and status (one aggregate over a table holding only undelivered jobs). */
  async queue(now: Date): Promise<OutboxQueueRow[]> {
    const rows: Array<OutboxQueueRow & { oldestDueSeconds: number | string | null }> = await this.dataSource.query(
      `SELECT kind, status, count(*)::int AS jobs,
              EXTRACT(EPOCH FROM ($1::timestamptz - min(run_at) FILTER (WHERE status = 'pending' AND run_at <= $1))) AS "oldestDueSeconds"
         FROM outbox_jobs GROUP BY kind, status ORDER BY kind, status`,
      [now],
    );
    return rows.map((row) => ({ ...row, oldestDueSeconds: Number(row.oldestDueSeconds ?? 0) }));
  }

  /** Retention: given-up jobs finished before `cutoff`, up to `limit`; returns how many went. */
  async purgeFailed(cutoff: Date, limit: number): Promise<number> {
    const [rows]: [unknown[], number] = await this.dataSource.query(
      `DELETE FROM outbox_jobs WHERE id IN (
         SELECT id FROM outbox_jobs WHERE status = 'failed' AND finished_at < $1 LIMIT $2)
       RETURNING id`,
      [cutoff, limit],
    );
    return rows.length;
  }
}
