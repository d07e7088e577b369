import { MigrationInterface, QueryRunner } from 'typeorm';

// Revoking a token ends its whole rotation chain: walking back to its predecessors looks tokens up
// by the token that replaced them.
export class IndexRotationChains1765000090000 implements MigrationInterface {
  name = 'IndexRotationChains1765000090000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX tokens_replaced_by ON tokens (replaced_by_id) WHERE replaced_by_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX tokens_replaced_by`);
  }
}
