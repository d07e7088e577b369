import { MigrationInterface, QueryRunner } from 'typeorm';

// A circuit breaker per webhook endpoint (src/webhooks/webhook-deliveries.ts): an endpoint whose last
// attempt failed is paused until its failed delivery's retry (paused_until), and its other pending jobs
// wait past that, so a receiver that never answers holds at most one attempt at a time, however many
// deliveries it has and however often its workspace's other endpoints answer.
//
// outbox_jobs.leased tells a claimed job (in flight, or its worker died before its lease ran out) from
// one waiting: a pause or its end moves only waiting jobs, never one a worker is delivering, so no job
// is made due again while its attempt is still running.
export class WebhookEndpointPause1767000900000 implements MigrationInterface {
  name = 'WebhookEndpointPause1767000900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE webhook_endpoints ADD COLUMN paused_until timestamptz`);
    await q.query(`ALTER TABLE outbox_jobs ADD COLUMN leased boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox_jobs DROP COLUMN leased`);
    await q.query(`ALTER TABLE webhook_endpoints DROP COLUMN paused_until`);
  }
}
