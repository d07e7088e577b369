// Trust rules of API users (workload identity federation), and the subject tokens already exchanged.
// Workspace id first, always, except the exchange's lookups by issuer: the token names its issuer, not
// a workspace, so those read across workspaces and the rule they find says where it belongs.
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { type Maker, makerColumns } from '../authorization/made-by';
import { WorkspaceScoped } from '../database/workspace-scoped';

export interface TrustRuleRecord {
  id: string;
  workspaceId: string;
  apiUserId: string;
  description: string;
  issuer: string;
  audience: string;
  subject: string | null;
  claims: Record<string, string>;
  scopes: string[] | null;
  maxSessionSeconds: number | null;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = `id, workspace_id AS "workspaceId", api_user_id AS "apiUserId", description, issuer, audience, subject, claims,
  scopes, max_session_seconds AS "maxSessionSeconds", created_at AS "createdAt", updated_at AS "updatedAt"`;

/**
 * Rules an unnamed exchange weighs at most. Any tenant may write rules for a shared issuer and audience
 * (GitHub's), so past this many the exchange asks for the API user by name instead of choosing among
 * the oldest: another tenant's rules never hide a newer one.
 */
export const MAX_RULES_PER_UNNAMED_EXCHANGE = 500;

@Injectable()
@WorkspaceScoped({ notScoped: ['trustsIssuer', 'findForExchange', 'markUsed', 'purgeUsed'] })
export class TrustRulesRepository {
  constructor(private readonly dataSource: DataSource) {}

  listForApiUser(workspaceId: string, apiUserId: string, em: EntityManager = this.dataSource.manager): Promise<TrustRuleRecord[]> {
    return em.query(`SELECT ${COLUMNS} FROM api_user_trust_rules WHERE workspace_id = $1 AND api_user_id = $2 ORDER BY created_at, id`, [
      workspaceId,
      apiUserId,
    ]);
  }

  /** The rules of these API users of the workspace, oldest first (GraphQL's apiUsers { trustRules }). */
  listForApiUsers(workspaceId: string, apiUserIds: readonly string[]): Promise<TrustRuleRecord[]> {
    return this.dataSource.query(
      `SELECT ${COLUMNS} FROM api_user_trust_rules WHERE workspace_id = $1 AND api_user_id = ANY($2::uuid[]) ORDER BY created_at, id`,
      [workspaceId, apiUserIds],
    );
  }

  async countForApiUser(workspaceId: string, apiUserId: string, em: EntityManager): Promise<number> {
    const rows: Array<{ count: number }> = await em.query(
      `SELECT count(*)::int AS count FROM api_user_trust_rules WHERE workspace_id = $1 AND api_user_id = $2`,
      [workspaceId, apiUserId],
    );
    return rows[0].count;
  }

  async find(
    workspaceId: string,
    apiUserId: string,
    ruleId: string,
    em: EntityManager = this.dataSource.manager,
  ): Promise<TrustRuleRecord | null> {
    const rows: TrustRuleRecord[] = await em.query(
      `SELECT ${COLUMNS} FROM api_user_trust_rules WHERE workspace_id = $1 AND api_user_id = $2 AND id = $3`,
      [workspaceId, apiUserId, ruleId],
    );
    return rows[0] ?? null;
  }

  async insert(
    workspaceId: string,
    rule: Omit<TrustRuleRecord, 'workspaceId' | 'updatedAt'>,
    madeBy: Maker,
    em: EntityManager,
  ): Promise<void> {
    await em.query(
      `INSERT INTO api_user_trust_rules
         (id, workspace_id, api_user_id, description, issuer, audience, subject, claims, scopes, max_session_seconds, created_at, updated_at,
          created_by_user_id, created_by_api_user_id, created_by_token_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $11, $12, $13, $14)`,
      [
        rule.id,
        workspaceId,
        rule.apiUserId,
        rule.description,
        rule.issuer,
        rule.audience,
        rule.subject,
        JSON.stringify(rule.claims),
        rule.scopes,
        rule.maxSessionSeconds,
        rule.createdAt,
        ...makerColumns(madeBy),
      ],
    );
  }

  async delete(workspaceId: string, ruleId: string, em: EntityManager): Promise<boolean> {
    // A DELETE answers [rows, count] through TypeORM.
    const [rows]: [unknown[], number] = await em.query(
      `DELETE FROM api_user_trust_rules WHERE workspace_id = $1 AND id = $2 RETURNING id`,
      [workspaceId, ruleId],
    );
    return rows.length > 0;
  }

  /** Whether any rule (of any workspace) trusts this issuer: the exchange's first step, before any key is fetched. */
  async trustsIssuer(issuer: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(`SELECT 1 FROM api_user_trust_rules WHERE issuer = $1 LIMIT 1`, [issuer]);
    return rows.length > 0;
  }

  /**
   * The rules (of any workspace) of this issuer for one of the verified token's audiences, oldest first;
   * only the named API user's when `apiUserId` is given (at most its cap of rules). Unnamed, at most
   * one more than MAX_RULES_PER_UNNAMED_EXCHANGE, so the caller can tell there were too many.
   */
  findForExchange(issuer: string, audiences: readonly string[], apiUserId: string | null): Promise<TrustRuleRecord[]> {
    if (apiUserId !== null) {
      return this.dataSource.query(
        // The API user's workspace first, so the per-API-user index answers (not every rule of the issuer).
        `SELECT ${COLUMNS} FROM api_user_trust_rules
          WHERE workspace_id = (SELECT workspace_id FROM api_users WHERE id = $1) AND api_user_id = $1
            AND issuer = $2 AND audience = ANY($3::text[])
          ORDER BY created_at, id`,
        [apiUserId, issuer, audiences],
      );
    }
    return this.dataSource.query(
      `SELECT ${COLUMNS} FROM api_user_trust_rules WHERE issuer = $1 AND audience = ANY($2::text[]) ORDER BY created_at, id LIMIT $3`,
      [issuer, audiences, MAX_RULES_PER_UNNAMED_EXCHANGE + 1],
    );
  }

  /**
   * Records a subject token as used until it expires; false when it was already (a replay). Written in
   * the exchange's transaction: a concurrent exchange of the same token waits on this row and then finds it.
   */
  async markUsed(issuer: string, jti: string, expiresAt: Date, em: EntityManager): Promise<boolean> {
    const rows: unknown[] = await em.query(
      `INSERT INTO federation_used_tokens (issuer, jti, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING jti`,
      [issuer, jti, expiresAt],
    );
    return rows.length > 0;
  }

  /** Retention: tokens expired before `cutoff` cannot be presented again (their exp is checked first). */
  async purgeUsed(cutoff: Date, limit: number): Promise<number> {
    const [rows]: [unknown[], number] = await this.dataSource.query(
      `DELETE FROM federation_used_tokens WHERE (issuer, jti) IN
         (SELECT issuer, jti FROM federation_used_tokens WHERE expires_at < $1 LIMIT $2) RETURNING jti`,
      [cutoff, limit],
    );
    return rows.length;
  }
}
