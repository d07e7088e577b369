import { MigrationInterface, QueryRunner } from 'typeorm';

// Headless principals of one workspace. An API user's membership row carries its roles and device
// access like a member's; its tokens and membership go with it.
export class CreateApiUsers1764000200000 implements MigrationInterface {
  name = 'CreateApiUsers1764000200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_users (
        id uuid PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        name text NOT NULL,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
        created_by_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        UNIQUE (workspace_id, id)
      )`);
    await q.query(`CREATE UNIQUE INDEX api_users_workspace_name_key ON api_users (workspace_id, lower(name))`);
    await q.query(`CREATE INDEX api_users_workspace_created ON api_users (workspace_id, created_at DESC, id DESC)`);
    await q.query(`
      ALTER TABLE memberships ADD CONSTRAINT memberships_api_user_fkey
        FOREIGN KEY (workspace_id, api_user_id) REFERENCES api_users (workspace_id, id) ON DELETE CASCADE`);
    // An API user belongs to exactly one workspace: one membership, never more.
    await q.query(`CREATE UNIQUE INDEX memberships_api_user_key ON memberships (api_user_id) WHERE api_user_id IS NOT NULL`);
    await q.query(
      `ALTER TABLE tokens ADD CONSTRAINT tokens_api_user_fkey FOREIGN KEY (api_user_id) REFERENCES api_users (id) ON DELETE CASCADE`,
    );
    await q.query(`CREATE INDEX tokens_api_user_created ON tokens (api_user_id, created_at DESC, id DESC) WHERE api_user_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX tokens_api_user_created`);
    await q.query(`ALTER TABLE tokens DROP CONSTRAINT tokens_api_user_fkey`);
    await q.query(`DROP INDEX memberships_api_user_key`);
    await q.query(`ALTER TABLE memberships DROP CONSTRAINT memberships_api_user_fkey`);
    await q.query(`DROP TABLE api_users`);
  }
}
