import { MigrationInterface, QueryRunner } from 'typeorm';

// Tokens bound to devices and networks, with a description, small metadata and an off switch (issue 18).
// device_ids / allowed_cidrs null: not bound. allowed_cidrs are stored normalised (network address and
// prefix, src/tokens/network-allow-list.ts). disabled_at: refused like a revoked token until enabled
// again, with the same secret. An API user's allowed_cidrs apply to every token of it.
export class TokenBindings1767000200000 implements MigrationInterface {
  name = 'TokenBindings1767000200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tokens
      ADD COLUMN device_ids uuid[],
      ADD COLUMN allowed_cidrs text[],
      ADD COLUMN description text,
      ADD COLUMN metadata jsonb,
      ADD COLUMN disabled_at timestamptz`);
    await q.query(`ALTER TABLE api_users ADD COLUMN allowed_cidrs text[]`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_users DROP COLUMN allowed_cidrs`);
    await q.query(`ALTER TABLE tokens DROP COLUMN device_ids, DROP COLUMN allowed_cidrs, DROP COLUMN description,
      DROP COLUMN metadata, DROP COLUMN disabled_at`);
  }
}
