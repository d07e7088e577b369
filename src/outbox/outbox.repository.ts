// The outbox_jobs table. A claim is one statement (FOR UPDATE SKIP LOCKED, then run_at pushed one lease
// ahead), so no lock is held while a job is delivered; the later writes name the attempt they finish,
// so a worker whose lease ran out cannot overwrite the attempt that replaced it.
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { insertRows } from '../database/insert-rows';
import type { ClaimRoom } from './outbox-lane';

/** The payloads of the jobs a move touched. */
export type JobPayloads = Array<Record<string, unknown>>;

export interface NewJobRow {
  kind: string;
  payload: Record<string, unknown>;
  shareKey?: string;
  runAt: Date;
  createdAt: Date;
}

export interface ClaimedJobRow {
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  attempt: number;
  createdAt: Date;
  shareKey: string | null;
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

  async insert(em: EntityManager, job: NewJobRow, id: string = randomUUID()): Promise<string> {
    // A given id is a job that exists once (Outbox.addOnce): a second insert of it does nothing.
    await em.query(
      `INSERT INTO outbox_jobs (id, kind, payload, share_key, run_at, created_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (id) DO NOTHING`,
      [id, job.kind, JSON.stringify(job.payload), job.shareKey ?? null, job.runAt, job.createdAt],
    );
    return id;
  }

  /** Jobs with new ids, in few statements; their ids in order. */
  async insertMany(em: EntityManager, jobs: readonly NewJobRow[]): Promise<string[]> {
    const ids = jobs.map(() => randomUUID());
    await insertRows(
      em,
      'outbox_jobs',
      ['id', 'kind', 'payload', 'share_key', 'run_at', 'created_at'],
      jobs.map((job, i) => [ids[i], job.kind, JSON.stringify(job.payload), job.shareKey ?? null, job.runAt, job.createdAt]),
    );
    return ids;
  }

  /**
   * Takes due jobs of a kind, each until `leaseUntil`: up to `room.limit`, oldest due first, and of each
   * share key no more than its room. The keys with room are taken by their oldest due job, then each
   * gives its oldest due jobs, so a key with thousands of older jobs at its cap leaves every slot to
   * the others (an ORDER BY run_at LIMIT over all jobs would find only its jobs). The keys are found by
   * a loose index scan (one probe of outbox_jobs_due_shared per key with pending jobs, and one for its
   * oldest), so a claim reads about as many rows as there are keys, however deep one key's backlog.
   * The failing keys (each given a room of one) are taken, oldest first, no more than `failingRoom` of
   * them. Jobs without a key have no share. A job locked here but trimmed by the limit is free again
   * when the statement ends.
   */
  async claim(kind: string, now: Date, leaseUntil: Date, room: ClaimRoom): Promise<ClaimedJobRow[]> {
    const busyKeys = [...room.roomByShareKey.keys()];
    const busyRooms = busyKeys.map((key) => room.roomByShareKey.get(key)!);
    // FOR UPDATE is refused beside GROUP BY, DISTINCT, window functions and UNION, and allowed in a
    // LATERAL subquery and a CTE of its own: hence one CTE per way of taking jobs.
    const [rows]: [ClaimedJobRow[], number] = await this.dataSource.query(
      `WITH RECURSIVE busy AS (
         SELECT * FROM unnest($5::text[], $6::int[]) AS busy(share_key, room)),
       pending_keys(share_key) AS (
         (SELECT share_key FROM outbox_jobs
           WHERE status = 'pending' AND kind = $1 AND share_key IS NOT NULL
           ORDER BY share_key LIMIT 1)
         UNION ALL
         SELECT (SELECT next.share_key FROM outbox_jobs next
                  WHERE next.status = 'pending' AND next.kind = $1 AND next.share_key IS NOT NULL
                    AND next.share_key > pending_keys.share_key
                  ORDER BY next.share_key LIMIT 1)
           FROM pending_keys WHERE pending_keys.share_key IS NOT NULL),
       due_keys AS (
         SELECT pending_keys.share_key, coalesce(busy.room, $7) AS room, oldest.run_at,
                pending_keys.share_key = ANY($8::text[]) AS failing,
                row_number() OVER (PARTITION BY pending_keys.share_key = ANY($8::text[]) ORDER BY oldest.run_at) AS nth
           FROM pending_keys
           LEFT JOIN busy ON busy.share_key = pending_keys.share_key
           CROSS JOIN LATERAL (
             SELECT run_at FROM outbox_jobs
              WHERE status = 'pending' AND kind = $1 AND share_key = pending_keys.share_key
              ORDER BY run_at LIMIT 1) oldest
          WHERE pending_keys.share_key IS NOT NULL AND coalesce(busy.room, $7) > 0 AND oldest.run_at <= $2),
       open_keys AS (
         SELECT share_key, room FROM due_keys
          WHERE NOT failing OR nth <= $9
          ORDER BY run_at
          LIMIT $3),
       keyed AS (
         SELECT job.id, job.run_at FROM open_keys CROSS JOIN LATERAL (
           SELECT id, run_at FROM outbox_jobs
            WHERE status = 'pending' AND kind = $1 AND share_key = open_keys.share_key AND run_at <= $2
            ORDER BY run_at
            LIMIT open_keys.room
            FOR UPDATE SKIP LOCKED) job),
       unkeyed AS (
         SELECT id, run_at FROM outbox_jobs
          WHERE status = 'pending' AND kind = $1 AND share_key IS NULL AND run_at <= $2
          ORDER BY run_at
          LIMIT $3
          FOR UPDATE SKIP LOCKED),
       due AS (
         SELECT id FROM (SELECT * FROM keyed UNION ALL SELECT * FROM unkeyed) taken ORDER BY run_at LIMIT $3)
       UPDATE outbox_jobs j SET attempts = j.attempts + 1, run_at = $4, leased = true
         FROM due WHERE j.id = due.id
       RETURNING j.id, j.kind, j.payload, j.attempts AS attempt, j.created_at AS "createdAt", j.share_key AS "shareKey"`,
      [kind, now, room.limit, leaseUntil, busyKeys, busyRooms, room.perShareKey, room.failingKeys, room.failingRoom],
    );
    return rows;
  }

  /** Delivered: the row goes, and with it whatever the payload held. */
  async delivered(id: string, attempt: number): Promise<void> {
    await this.dataSource.query(`DELETE FROM outbox_jobs WHERE id = $1 AND attempts = $2 AND status = 'pending'`, [id, attempt]);
  }

  async retryAt(id: string, attempt: number, runAt: Date, error: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE outbox_jobs SET run_at = $3, last_error = $4, leased = false WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
      [id, attempt, runAt, error.slice(0, MAX_ERROR_LENGTH)],
    );
  }

  /**
   * The waiting jobs of a kind and share key whose payload holds `match` (a webhook endpoint's), made
   * due no sooner than `notBefore`. Jobs a worker holds (leased) are left alone: their outcome sets
   * their next time. Answers the payloads of the jobs it moved.
   */
  postpone(em: EntityManager, kind: string, shareKey: string, match: Record<string, string>, notBefore: Date): Promise<JobPayloads> {
    return this.moveWaiting(em, { kind, shareKey, match }, notBefore, 'due sooner');
  }

  /**
   * The waiting jobs of a kind and share key whose payload holds `match`, due later than `now`, made
   * due now: what postpone() held back. A job waiting for its own retry comes forward too (the receiver
   * has just answered); one a worker holds is left alone. Answers the payloads of the jobs it moved.
   */
  resume(em: EntityManager, kind: string, shareKey: string, match: Record<string, string>, now: Date): Promise<JobPayloads> {
    return this.moveWaiting(em, { kind, shareKey, match }, now, 'due later');
  }

  /** The matching jobs not in flight that are due sooner (or later) than `to`, moved to `to`. */
  private async moveWaiting(
    em: EntityManager,
    jobs: { kind: string; shareKey: string; match: Record<string, string> },
    to: Date,
    which: 'due sooner' | 'due later',
  ): Promise<JobPayloads> {
    // An UPDATE answers [rows, count].
    const [rows]: [Array<{ payload: Record<string, unknown> }>, number] = await em.query(
      `UPDATE outbox_jobs SET run_at = $4
        WHERE kind = $1 AND share_key = $2 AND status = 'pending' AND NOT leased AND payload @> $3::jsonb
          AND run_at ${which === 'due sooner' ? '<' : '>'} $4
        RETURNING payload`,
      [jobs.kind, jobs.shareKey, JSON.stringify(jobs.match), to],
    );
    return rows.map((row) => row.payload);
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
