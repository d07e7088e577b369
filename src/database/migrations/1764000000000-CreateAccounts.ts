import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateAccounts1764000000000 implements MigrationInterface {
  name = 'CreateAccounts1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY,
        email text NOT NULL,
        name text NOT NULL,
        password_hash text NOT NULL,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deactivated')),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        deactivated_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email))`);
    await q.query(`CREATE INDEX users_created ON users (created_at DESC, id DESC)`);

    await q.query(`
      CREATE TABLE tokens (
        id uuid PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('personal', 'named', 'session', 'api_user')),
        user_id uuid REFERENCES users (id) ON DELETE CASCADE,
        api_user_id uuid,
        name text,
        token_hash text NOT NULL,
        hint text NOT NULL,
        scopes text[] NOT NULL,
        workspace_ids uuid[],
        parent_id uuid REFERENCES tokens (id) ON DELETE CASCADE,
        replaced_by_id uuid REFERENCES tokens (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz,
        revoked_at timestamptz,
        last_used_at timestamptz,
        last_used_ip text,
        CHECK ((user_id IS NULL) <> (api_user_id IS NULL))
      )`);
    // The hot path looks a token up by its SHA-256 and nothing else.
    await q.query(`CREATE UNIQUE INDEX tokens_token_hash_key ON tokens (token_hash)`);
    await q.query(`CREATE UNIQUE INDEX tokens_one_personal_per_user ON tokens (user_id) WHERE kind = 'personal' AND revoked_at IS NULL`);
    await q.query(`CREATE INDEX tokens_user_created ON tokens (user_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX tokens_parent ON tokens (parent_id) WHERE parent_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE tokens`);
    await q.query(`DROP TABLE users`);
  }
}
