import { MigrationInterface, QueryRunner } from 'typeorm';

// An address asked for by an account whose own address is verified, not yet proven (review 13b): the
// account keeps its proven address, for sign-in, resets, invitations and its members' views, until the
// link mailed to the new one is opened. An account that never proved its address changes at once.
export class PendingEmail1767001000000 implements MigrationInterface {
  name = 'PendingEmail1767001000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN pending_email text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users DROP COLUMN pending_email`);
  }
}
