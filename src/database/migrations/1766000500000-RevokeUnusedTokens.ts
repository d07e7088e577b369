import { MigrationInterface, QueryRunner } from 'typeorm';

// Tokens nobody uses stop working (src/tokens/unused-tokens.ts): a workspace's policy
// revoke_unused_after_days, and the warnings sent a week before, one per token, scope and last use
// (a token used again after its warning gets a new one when it falls idle again). The scope is the
// workspace whose policy warned, or the nil UUID for the instance default.
export class RevokeUnusedTokens1766000500000 implements MigrationInterface {
  name = 'RevokeUnusedTokens1766000500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE workspaces ADD COLUMN revoke_unused_after_days integer`);
    await q.query(`
      CREATE TABLE unused_token_warnings (
        token_id uuid NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
        scope uuid NOT NULL,
        last_use timestamptz NOT NULL,
        warned_at timestamptz NOT NULL,
        PRIMARY KEY (token_id, scope, last_use)
      )`);
    await q.query(`CREATE INDEX unused_token_warnings_warned ON unused_token_warnings (warned_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE unused_token_warnings`);
    await q.query(`ALTER TABLE workspaces DROP COLUMN revoke_unused_after_days`);
  }
}
