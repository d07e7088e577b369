// What a password reset of an account nobody had proven ends (reviews 13b, 14, 15a, 16a): whoever
// registered the address first (a squatter) may have made more than tokens in its name. Across domains
// in one place, in the reset's transaction: the account's proof is what all of it depended on.
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Invalidation } from '../cache/invalidation';
import { TokensRepository } from '../tokens/tokens.repository';
import { UNANSWERED } from '../workspaces/invitations.repository';

/** Why a webhook endpoint made with the squatted account's tokens stopped. */
export const SQUATTED_ENDPOINT_REASON =
  'Disabled when the address of the account that made it was taken back by a password reset: enable it again if it is yours.';

/** What the reset ended, counted for its audit entry. */
export type UnprovenAccountEnded = {
  apiUsersDisabled: number;
  tokensRevoked: number;
  trustRulesDeleted: number;
  webhooksDisabled: number;
  invitationsRevoked: number;
};

/** The squatter's reach: every token it could use, and the API users it made. */
interface Reach {
  tokenIds: string[];
  apiUserIds: string[];
  trustRuleIds: string[];
}

@Injectable()
export class UnprovenAccount {
  constructor(
    private readonly tokens: TokensRepository,
    private readonly invalidation: Invalidation,
  ) {}

  /**
   * Ends what the account's tokens made, and what that made in turn, followed through the makers each
   * row records (src/authorization/made-by.ts): its own tokens and the sessions exchanged from them; the
   * API users it made (disabled, with their tokens and trust rules, and their invitations revoked: the
   * owner may enable them again, from a login session); tokens it issued or rotated for other API users
   * (revoked, that secret alone: one a colleague rotated out of it afterwards is the colleague's); trust
   * rules it put on other API users (deleted, with the sessions they gave); webhook endpoints (disabled);
   * invitations sent and unanswered (revoked). What others made is left alone, however it was made.
   */
  async endWhatItMade(em: EntityManager, userId: string, now: Date): Promise<UnprovenAccountEnded> {
    await this.tokens.revokeAllOfUser(userId, now, em);
    const reach = await this.reachOf(em, userId);
    const [disabled]: [Array<{ id: string }>, number] = await em.query(
      `UPDATE api_users SET status = 'disabled', updated_at = $2 WHERE id = ANY($1::uuid[]) AND status = 'active' RETURNING id`,
      [reach.apiUserIds, now],
    );
    await this.invalidation.publishAll(
      em,
      disabled.map(({ id }) => ({ kind: 'api_user' as const, id })),
    );
    // Its API users' own tokens are held by their being disabled (enabled again, they come back); the
    // rest of its reach ends now.
    const tokensRevoked = await this.tokens.revokeSecrets(em, reach.tokenIds, reach.apiUserIds, now);
    const [rules]: [unknown[], number] = await em.query(
      `DELETE FROM api_user_trust_rules WHERE id = ANY($1::uuid[]) AND NOT (api_user_id = ANY($2::uuid[])) RETURNING id`,
      [reach.trustRuleIds, reach.apiUserIds],
    );
    const [endpoints]: [unknown[], number] = await em.query(
      `UPDATE webhook_endpoints SET enabled = false, disabled_reason = $2, updated_at = $3, paused_until = NULL
        WHERE enabled AND (created_by_token_id = ANY($1::uuid[]) OR created_by_user_id = $4)
        RETURNING id`,
      [reach.tokenIds, SQUATTED_ENDPOINT_REASON, now, userId],
    );
    const [revoked]: [unknown[], number] = await em.query(
      `UPDATE invitations SET revoked_at = $3
        WHERE (invited_by_user_id = $1 OR invited_by_api_user_id = ANY($2::uuid[]) OR invited_by_token_id = ANY($4::uuid[]))
          AND ${UNANSWERED}
        RETURNING id`,
      [userId, reach.apiUserIds, now, reach.tokenIds],
    );
    return {
      apiUsersDisabled: disabled.length,
      tokensRevoked,
      trustRulesDeleted: rules.length,
      webhooksDisabled: endpoints.length,
      invitationsRevoked: revoked.length,
    };
  }

  /**
   * The account's reach, to a fixed point, in one recursive statement (a round of statements per step
   * made a chain of 3,000 tokens, each made with the one before, cost the reset a minute: review 17a):
   * its tokens, and the API users it is the recorded maker of; then what any token reached made (tokens,
   * sessions exchanged from it, API users, trust rules), the tokens of any API user reached, and the
   * sessions any trust rule reached gave; and so on. UNION drops what was reached already, so each row is
   * visited once and cycles end; every edge is an index.
   */
  private async reachOf(em: EntityManager, userId: string): Promise<Reach> {
    const rows: Array<{ kind: 'token' | 'api_user' | 'trust_rule'; id: string }> = await em.query(
      `WITH RECURSIVE reach (kind, id) AS (
         SELECT 'token'::text, id FROM tokens WHERE user_id = $1 OR created_by_user_id = $1
         UNION
         SELECT 'api_user'::text, id FROM api_users WHERE created_by_user_id = $1
         UNION
         SELECT 'trust_rule'::text, id FROM api_user_trust_rules WHERE created_by_user_id = $1
         UNION
         SELECT made.kind, made.id
           FROM reach r
           CROSS JOIN LATERAL (
             SELECT 'token'::text, t.id FROM tokens t WHERE r.kind = 'token' AND t.created_by_token_id = r.id
             UNION ALL SELECT 'token', t.id FROM tokens t WHERE r.kind = 'token' AND t.parent_id = r.id
             UNION ALL SELECT 'api_user', a.id FROM api_users a WHERE r.kind = 'token' AND a.created_by_token_id = r.id
             UNION ALL SELECT 'trust_rule', x.id FROM api_user_trust_rules x WHERE r.kind = 'token' AND x.created_by_token_id = r.id
             UNION ALL SELECT 'token', t.id FROM tokens t WHERE r.kind = 'api_user' AND t.api_user_id = r.id
             UNION ALL SELECT 'token', t.id FROM tokens t WHERE r.kind = 'trust_rule' AND t.trust_rule_id = r.id
           ) AS made (kind, id)
       )
       SELECT kind, id FROM reach ORDER BY kind, id`,
      [userId],
    );
    const of = (kind: string) => rows.filter((row) => row.kind === kind).map((row) => row.id);
    return { tokenIds: of('token'), apiUserIds: of('api_user'), trustRuleIds: of('trust_rule') };
  }
}
