import { MigrationInterface, QueryRunner } from 'typeorm';

// Who made what acts for an API user (reviews 15a and 16a): tokens, trust rules, API users and webhook
// endpoints record their maker (invitations their inviter's token), a user or an API user, and the token it acted with; a federated session
// records the trust rule it came through. A password reset that takes a squatted address back ends what
// the squatter's tokens made, and what that made in turn, and nothing else (src/accounts/unproven-account.ts).
// Rows made before this say nothing (all null). No foreign keys: a maker deleted leaves an id that matches
// nothing, and what it made stays.
const MAKERS = ['created_by_user_id', 'created_by_api_user_id', 'created_by_token_id'];

export class MadeBy1767001100000 implements MigrationInterface {
  name = 'MadeBy1767001100000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of ['tokens', 'api_user_trust_rules', 'webhook_endpoints']) {
      for (const column of MAKERS) await q.query(`ALTER TABLE ${table} ADD COLUMN ${column} uuid`);
    }
    await q.query(`ALTER TABLE api_users ADD COLUMN created_by_api_user_id uuid, ADD COLUMN created_by_token_id uuid`);
    await q.query(`ALTER TABLE tokens ADD COLUMN trust_rule_id uuid`);
    await q.query(`ALTER TABLE invitations ADD COLUMN invited_by_token_id uuid`);
    // The reset's lookups by maker; most rows have none (a user's own tokens), so the indexes stay small.
    for (const table of ['tokens', 'api_users', 'api_user_trust_rules', 'webhook_endpoints']) {
      await q.query(`CREATE INDEX ${table}_created_by_token ON ${table} (created_by_token_id) WHERE created_by_token_id IS NOT NULL`);
    }
    await q.query(`CREATE INDEX tokens_trust_rule ON tokens (trust_rule_id) WHERE trust_rule_id IS NOT NULL`);
    await q.query(`CREATE INDEX tokens_created_by_user ON tokens (created_by_user_id) WHERE created_by_user_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX tokens_created_by_user`);
    await q.query(`DROP INDEX tokens_trust_rule`);
    for (const table of ['tokens', 'api_users', 'api_user_trust_rules', 'webhook_endpoints'])
      await q.query(`DROP INDEX ${table}_created_by_token`);
    await q.query(`ALTER TABLE invitations DROP COLUMN invited_by_token_id`);
    await q.query(`ALTER TABLE tokens DROP COLUMN trust_rule_id`);
    await q.query(`ALTER TABLE api_users DROP COLUMN created_by_api_user_id, DROP COLUMN created_by_token_id`);
    for (const table of ['tokens', 'api_user_trust_rules', 'webhook_endpoints']) {
      for (const column of MAKERS) await q.query(`ALTER TABLE ${table} DROP COLUMN ${column}`);
    }
  }
}
