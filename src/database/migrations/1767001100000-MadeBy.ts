import { MigrationInterface, QueryRunner } from 'typeorm';

// Who made what acts for an API user (review 15a, S1–S3): an API user's tokens, its trust rules, the API
// users an API user makes, and webhook endpoints, record their maker (a user or an API user). A password
// reset that takes a squatted address back ends what the squatter made, and what that made in turn, and
// nothing else. Rows made before this say nothing (both null). No foreign keys: a maker deleted leaves an
// id that matches nothing, and what it made stays.
const MAKERS = ['created_by_user_id', 'created_by_api_user_id'];

export class MadeBy1767001100000 implements MigrationInterface {
  name = 'MadeBy1767001100000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of ['tokens', 'api_user_trust_rules', 'webhook_endpoints']) {
      for (const column of MAKERS) await q.query(`ALTER TABLE ${table} ADD COLUMN ${column} uuid`);
    }
    await q.query(`ALTER TABLE api_users ADD COLUMN created_by_api_user_id uuid`);
    // The reset's lookups by maker; most rows have none (a user's own tokens), so the indexes stay small.
    await q.query(
      `CREATE INDEX tokens_created_by_user ON tokens (created_by_user_id) WHERE created_by_user_id IS NOT NULL AND api_user_id IS NOT NULL`,
    );
    await q.query(`CREATE INDEX tokens_created_by_api_user ON tokens (created_by_api_user_id) WHERE created_by_api_user_id IS NOT NULL`);
    await q.query(
      `CREATE INDEX api_users_created_by_api_user ON api_users (created_by_api_user_id) WHERE created_by_api_user_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const index of ['tokens_created_by_user', 'tokens_created_by_api_user', 'api_users_created_by_api_user']) {
      await q.query(`DROP INDEX ${index}`);
    }
    await q.query(`ALTER TABLE api_users DROP COLUMN created_by_api_user_id`);
    for (const table of ['tokens', 'api_user_trust_rules', 'webhook_endpoints']) {
      for (const column of MAKERS) await q.query(`ALTER TABLE ${table} DROP COLUMN ${column}`);
    }
  }
}
