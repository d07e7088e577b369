// What a password reset of an account nobody had proven ends (reviews 13b, 14, 15a, 16a): whoever
// registered the address first (a squatter) may have made more than tokens in its name. Across domains
// in one place, in the reset's transaction: the account's proof is what all of it depended on.
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Invalidation } from '../cache/invalidation';
import { TokensRepository } from '../tokens/tokens.repository';

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
    for (const { id } of disabled) await this.invalidation.publish(em, { kind: 'api_user', id });
    // Its API users' own tokens are held by their being disabled (enabled again, they come back); the
    // rest of its reach ends now.
    const tokensRevoked = await this.tokens.revokeSecrets(em, reach.tokenIds, reach.apiUserIds, now);
    const [rules]: [unknown[], number] = await em.query(
      `DELETE FROM api_user_trust_rules WHERE id = ANY($1::uuid[]) AND NOT (api_user_id = ANY($2::uuid[])) RETURNING id`,
      [reach.trustRuleIds, reach.apiUserIds],
    );
    const [endpoints]: [unknown[], number] = await em.query(
      `UPDATE webhook_endpoints SET enabled = false, disabled_reason = $2, updated_at = $3, paused_until = NULL
        WHERE enabled AND created_by_token_id = ANY($1::uuid[])
        RETURNING id`,
      [reach.tokenIds, SQUATTED_ENDPOINT_REASON, now],
    );
    const [revoked]: [unknown[], number] = await em.query(
      `UPDATE invitations SET revoked_at = $3
        WHERE (invited_by_user_id = $1 OR invited_by_api_user_id = ANY($2::uuid[]) OR invited_by_token_id = ANY($4::uuid[]))
          AND accepted_at IS NULL AND declined_at IS NULL AND revoked_at IS NULL
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
   * The account's reach, to a fixed point: its tokens; what they made (tokens, API users, trust rules);
   * the tokens of API users it made, sessions exchanged from any of these, and sessions a trust rule of
   * its gave; and so on. Each round is three statements; a squatter's reach is small, and each round
   * only grows it, so this ends. API users made before makers were recorded count when the account
   * itself is their recorded maker (created_by_user_id, kept since API users began).
   */
  private async reachOf(em: EntityManager, userId: string): Promise<Reach> {
    const reach: Reach = { tokenIds: [], apiUserIds: [], trustRuleIds: [] };
    for (;;) {
      const apiUsers: Array<{ id: string }> = await em.query(
        `SELECT id FROM api_users WHERE created_by_user_id = $1 OR created_by_token_id = ANY($2::uuid[]) ORDER BY id`,
        [userId, reach.tokenIds],
      );
      const rules: Array<{ id: string }> = await em.query(
        `SELECT id FROM api_user_trust_rules WHERE created_by_token_id = ANY($1::uuid[]) ORDER BY id`,
        [reach.tokenIds],
      );
      const tokens: Array<{ id: string }> = await em.query(
        `SELECT id FROM tokens
          WHERE user_id = $1 OR created_by_token_id = ANY($2::uuid[]) OR parent_id = ANY($2::uuid[])
             OR api_user_id = ANY($3::uuid[]) OR trust_rule_id = ANY($4::uuid[])
          ORDER BY id`,
        [userId, reach.tokenIds, apiUsers.map((row) => row.id), rules.map((row) => row.id)],
      );
      const grown =
        apiUsers.length > reach.apiUserIds.length || rules.length > reach.trustRuleIds.length || tokens.length > reach.tokenIds.length;
      reach.apiUserIds = apiUsers.map((row) => row.id);
      reach.trustRuleIds = rules.map((row) => row.id);
      reach.tokenIds = tokens.map((row) => row.id);
      if (!grown) return reach;
    }
  }
}
