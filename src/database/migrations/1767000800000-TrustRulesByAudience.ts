import { MigrationInterface, QueryRunner } from 'typeorm';

// The exchange looks a token's rules up by issuer and audience together (TrustRulesRepository
// .findForExchange): with the issuer alone, every tenant's rules for a shared issuer (GitHub's) were
// read and filtered. A small table (at most 20 rules per API user): built inside the migration.
export class TrustRulesByAudience1767000800000 implements MigrationInterface {
  name = 'TrustRulesByAudience1767000800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX api_user_trust_rules_issuer_audience ON api_user_trust_rules (issuer, audience, created_at, id)`);
    await q.query(`DROP INDEX api_user_trust_rules_issuer`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX api_user_trust_rules_issuer ON api_user_trust_rules (issuer)`);
    await q.query(`DROP INDEX api_user_trust_rules_issuer_audience`);
  }
}
