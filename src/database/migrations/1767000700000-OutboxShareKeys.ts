import { MigrationInterface, QueryRunner } from 'typeorm';

// A share of an outbox lane per tenant (src/outbox/outbox-lane.ts): a job's share_key names whose it is
// (a webhook delivery's workspace), and a lane runs no more than a few jobs of one key at once, so one
// workspace's receivers that never answer cannot take every webhook slot. NULL: no share (mail).
//
// The claim takes keyed and unkeyed jobs apart, each through an index of its own: the keys with due
// jobs and each key's oldest due jobs from outbox_jobs_due_shared, the unkeyed ones from
// outbox_jobs_due, which no longer walks past every keyed due job (nor, with kind first, past every
// other kind's). Pending webhook jobs queued before this get their workspace as key. The table holds
// only undelivered jobs, so the indexes build in the migration's transaction.
export class OutboxShareKeys1767000700000 implements MigrationInterface {
  name = 'OutboxShareKeys1767000700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox_jobs ADD COLUMN share_key text`);
    await q.query(`UPDATE outbox_jobs SET share_key = payload->>'workspaceId' WHERE kind = 'webhook' AND status = 'pending'`);
    await q.query(`DROP INDEX outbox_jobs_due`);
    await q.query(`CREATE INDEX outbox_jobs_due ON outbox_jobs (kind, run_at) WHERE status = 'pending' AND share_key IS NULL`);
    await q.query(
      `CREATE INDEX outbox_jobs_due_shared ON outbox_jobs (kind, share_key, run_at) WHERE status = 'pending' AND share_key IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX outbox_jobs_due_shared`);
    await q.query(`DROP INDEX outbox_jobs_due`);
    await q.query(`ALTER TABLE outbox_jobs DROP COLUMN share_key`);
    await q.query(`CREATE INDEX outbox_jobs_due ON outbox_jobs (run_at) WHERE status = 'pending'`);
  }
}
