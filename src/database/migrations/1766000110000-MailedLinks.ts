import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 16, mail:
 * - account_links: the one-time links mailed to an account (verify the address, reset the password),
 *   by the SHA-256 of their secret only, with the address they were sent to: a verification proves that
 *   address and no other (an email changed since makes it worthless).
 * - token_expiry_notices: which expiry notice (7 days, 1 day) a token has had, so each is sent once
 *   however many instances scan; a rotation makes a new token, which starts with none.
 * Accounts already here keep email_verified_at NULL: none of them proved its address, and treating them
 * as verified would hand a squatted address exactly what verification withholds (platform admin by
 * email, invitations by address). Each verifies once (POST /v1/me/email-verification).
 */
export class MailedLinks1766000110000 implements MigrationInterface {
  name = 'MailedLinks1766000110000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE account_links (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        purpose text NOT NULL CHECK (purpose IN ('verify_email', 'password_reset')),
        token_hash text NOT NULL,
        email text NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX account_links_token_hash_key ON account_links (token_hash)`);
    await q.query(`CREATE INDEX account_links_user ON account_links (user_id, purpose) WHERE used_at IS NULL`);
    await q.query(`
      CREATE TABLE token_expiry_notices (
        token_id uuid NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
        days integer NOT NULL CHECK (days IN (1, 7)),
        sent_at timestamptz NOT NULL,
        PRIMARY KEY (token_id, days)
      )`);
    // The expiry scan looks at live tokens expiring within a week.
    await q.query(
      `CREATE INDEX tokens_expiring ON tokens (expires_at) WHERE revoked_at IS NULL AND replaced_by_id IS NULL AND kind IN ('named', 'api_user')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX tokens_expiring`);
    await q.query(`DROP TABLE token_expiry_notices`);
    await q.query(`DROP TABLE account_links`);
  }
}
