import { MigrationInterface, QueryRunner } from 'typeorm';

// Webhook endpoints of a workspace and their deliveries. An endpoint's signing secret is kept
// encrypted (AES-256-GCM, src/webhooks/webhook-secrets.ts): it must be read back to sign, so it cannot
// be hashed like a token. A rotated-out secret keeps signing alongside the new one until
// previous_secret_expires_at. A delivery is one message to one endpoint; its message_id is the
// `webhook-id` receivers deduplicate on, the same for every retry and redelivery.
export class CreateWebhooks1766000200000 implements MigrationInterface {
  name = 'CreateWebhooks1766000200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        url text NOT NULL,
        description text NOT NULL DEFAULT '',
        events text[] NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        disabled_reason text,
        secret_sealed text NOT NULL,
        previous_secret_sealed text,
        previous_secret_expires_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        UNIQUE (workspace_id, id)
      )`);
    await q.query(`CREATE INDEX webhook_endpoints_workspace_created ON webhook_endpoints (workspace_id, created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY,
        workspace_id uuid NOT NULL,
        endpoint_id uuid NOT NULL,
        message_id text NOT NULL,
        event_type text NOT NULL,
        payload jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed', 'cancelled')),
        attempts integer NOT NULL DEFAULT 0,
        response_status integer,
        response_body text,
        duration_ms integer,
        last_error text,
        next_attempt_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        FOREIGN KEY (workspace_id, endpoint_id) REFERENCES webhook_endpoints (workspace_id, id) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX webhook_deliveries_endpoint_created ON webhook_deliveries (workspace_id, endpoint_id, created_at DESC, id DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_deliveries`);
    await q.query(`DROP TABLE webhook_endpoints`);
  }
}
