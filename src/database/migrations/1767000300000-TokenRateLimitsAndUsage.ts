import { MigrationInterface, QueryRunner } from 'typeorm';

// Per-token and per-API-user rate limits (issue 18 part 4): a limit and its window, both or neither,
// within the bounds the API documents (docs/rate-limits.md). And the hourly usage counters (part 5):
// one row per token and hour, added to by each instance's batched flush, kept for 30 days.
const LIMIT_COLUMNS = `ADD COLUMN rate_limit integer, ADD COLUMN rate_limit_window_seconds integer`;
const limitCheck = (name: string) =>
  `ADD CONSTRAINT ${name} CHECK ((rate_limit IS NULL AND rate_limit_window_seconds IS NULL) OR
     (rate_limit BETWEEN 1 AND 1000000 AND rate_limit_window_seconds BETWEEN 1 AND 86400))`;

export class TokenRateLimitsAndUsage1767000300000 implements MigrationInterface {
  name = 'TokenRateLimitsAndUsage1767000300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tokens ${LIMIT_COLUMNS}, ${limitCheck('tokens_rate_limit_valid')}`);
    await q.query(`ALTER TABLE api_users ${LIMIT_COLUMNS}, ${limitCheck('api_users_rate_limit_valid')}`);
    await q.query(
      `CREATE TABLE token_usage_hourly (
         token_id uuid NOT NULL REFERENCES tokens(id) ON DELETE CASCADE,
         hour timestamptz NOT NULL,
         requests integer NOT NULL DEFAULT 0,
         refusals integer NOT NULL DEFAULT 0,
         PRIMARY KEY (token_id, hour)
       )`,
    );
    // The retention job deletes by hour.
    await q.query(`CREATE INDEX token_usage_hourly_hour ON token_usage_hourly (hour)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE token_usage_hourly`);
    await q.query(
      `ALTER TABLE api_users DROP CONSTRAINT api_users_rate_limit_valid, DROP COLUMN rate_limit, DROP COLUMN rate_limit_window_seconds`,
    );
    await q.query(
      `ALTER TABLE tokens DROP CONSTRAINT tokens_rate_limit_valid, DROP COLUMN rate_limit, DROP COLUMN rate_limit_window_seconds`,
    );
  }
}
