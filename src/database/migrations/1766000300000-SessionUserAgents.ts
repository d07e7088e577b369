import { MigrationInterface, QueryRunner } from 'typeorm';

// "Your active sessions" names the browser a session was signed in from: the User-Agent sent with the
// sign-in (or the exchange), kept truncated. Older sessions have none.
export class SessionUserAgents1766000300000 implements MigrationInterface {
  name = 'SessionUserAgents1766000300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tokens ADD COLUMN user_agent text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tokens DROP COLUMN user_agent`);
  }
}
