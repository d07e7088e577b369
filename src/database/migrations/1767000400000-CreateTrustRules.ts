import { MigrationInterface, QueryRunner } from 'typeorm';

// Workload identity federation (docs/federation.md). A trust rule lets an API user be signed in by an
// OIDC token of an outside issuer (a CI platform, a cloud) whose claims meet the rule's conditions.
// The exchange looks rules up by issuer across workspaces, hence that index. A subject token's
// (issuer, jti) is kept until the token expires, so it buys one session only; the daily retention
// purge drops the expired ones.
export class CreateTrustRules1767000400000 implements MigrationInterface {
  name = 'CreateTrustRules1767000400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_user_trust_rules (
        id uuid PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        api_user_id uuid NOT NULL REFERENCES api_users (id) ON DELETE CASCADE,
        description text NOT NULL DEFAULT '',
        issuer text NOT NULL,
        audience text NOT NULL,
        subject text,
        claims jsonb NOT NULL DEFAULT '{}',
        scopes text[],
        max_session_seconds integer,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX api_user_trust_rules_api_user ON api_user_trust_rules (workspace_id, api_user_id, created_at, id)`);
    await q.query(`CREATE INDEX api_user_trust_rules_issuer ON api_user_trust_rules (issuer)`);
    await q.query(`
      CREATE TABLE federation_used_tokens (
        issuer text NOT NULL,
        jti text NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (issuer, jti)
      )`);
    await q.query(`CREATE INDEX federation_used_tokens_expires ON federation_used_tokens (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE federation_used_tokens`);
    await q.query(`DROP TABLE api_user_trust_rules`);
  }
}
