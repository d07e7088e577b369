import { MigrationInterface, QueryRunner } from 'typeorm';

// Deletes at scale: every foreign key whose referencing column had no index of its own. Deleting an
// API user (each one a workspace delete takes with it, or a DELETE of the API user) set its
// invitations' invited_by_api_user_id to null by reading every invitation of every workspace; deleting
// a user did the same for invitations it sent or accepted and API users it created. Partial: the
// columns are mostly null, and only the non-null values are ever looked up.
//
// Plain CREATE INDEX, inside the migration's transaction: it blocks writes to invitations and
// api_users while it builds, which on these tables (rows per invitation sent, per API user) takes
// well under a second. An index on a table of millions (audit_events, tokens) would need CREATE INDEX
// CONCURRENTLY, which cannot run in a transaction, and all migrations run in one (src/database/migrate.ts
// refuses `transaction = false`): build such an index by hand before the deploy, and let its migration
// create it IF NOT EXISTS.
export class ForeignKeyIndexes1767000600000 implements MigrationInterface {
  name = 'ForeignKeyIndexes1767000600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX invitations_invited_by_api_user ON invitations (invited_by_api_user_id) WHERE invited_by_api_user_id IS NOT NULL`,
    );
    await q.query(`CREATE INDEX invitations_invited_by_user ON invitations (invited_by_user_id) WHERE invited_by_user_id IS NOT NULL`);
    await q.query(`CREATE INDEX invitations_accepted_by_user ON invitations (accepted_by_user_id) WHERE accepted_by_user_id IS NOT NULL`);
    await q.query(`CREATE INDEX api_users_created_by_user ON api_users (created_by_user_id) WHERE created_by_user_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX api_users_created_by_user`);
    await q.query(`DROP INDEX invitations_accepted_by_user`);
    await q.query(`DROP INDEX invitations_invited_by_user`);
    await q.query(`DROP INDEX invitations_invited_by_api_user`);
  }
}
