import { MigrationInterface, QueryRunner } from 'typeorm';

// The daily retention purge (src/outbox/retention.ts) finds finished webhook deliveries by age across
// workspaces; without this index each batch would scan every delivery of every workspace.
export class RetentionIndexes1766000400000 implements MigrationInterface {
  name = 'RetentionIndexes1766000400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (updated_at) WHERE status <> 'pending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX webhook_deliveries_finished`);
  }
}
