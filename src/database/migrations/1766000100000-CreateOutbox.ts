import { MigrationInterface, QueryRunner } from 'typeorm';

// The outbox: work that leaves Latchkey (mail, webhooks), written in the transaction of the change that
// causes it and delivered afterwards by a worker (src/outbox). A claimed job's run_at is pushed one
// lease ahead, so a worker that dies mid-delivery leaves it due again; `attempts` tells the holder of
// the current attempt from a stale one. Delivered jobs are deleted; given-up ones stay as 'failed',
// their payload blanked.
export class CreateOutbox1766000100000 implements MigrationInterface {
  name = 'CreateOutbox1766000100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE outbox_jobs (
        id uuid PRIMARY KEY,
        kind text NOT NULL,
        payload jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        run_at timestamptz NOT NULL,
        last_error text,
        created_at timestamptz NOT NULL,
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX outbox_jobs_due ON outbox_jobs (run_at) WHERE status = 'pending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE outbox_jobs`);
  }
}
