import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { TokensRepository } from '../tokens/tokens.repository';
import { InvitationsRepository } from './invitations.repository';
import { WorkspacesRepository } from './workspaces.repository';

/** What ended with a membership, for its audit entry. */
export type MembershipEnded = {
  tokensRevoked: number;
  tokensCutOff: number;
  invitationsRevoked: number;
};

/**
 * A membership ends: the member removed, or leaving. What the member made to act here through it does
 * not wait, dormant, for a later membership to bring it back (review 13b's question, decided): their
 * tokens restricted to this workspace end here (revoked when they name it alone, cut off from it
 * otherwise), and the invitations they sent that nobody has answered are revoked. Tokens restricted to
 * no workspace follow the user's memberships, as they always have: invited back, they reach it again.
 * API users the member made belong to the workspace and stay. Across domains in one place, in the
 * caller's transaction (under the workspace's lock).
 */
@Injectable()
export class MembershipEnd {
  constructor(
    private readonly workspaces: WorkspacesRepository,
    private readonly invitations: InvitationsRepository,
    private readonly tokens: TokensRepository,
  ) {}

  async end(workspaceId: string, membershipId: string, at: Date, em: EntityManager): Promise<MembershipEnded> {
    const userId = await this.workspaces.deleteMembership(workspaceId, membershipId, em);
    if (userId === null) return { tokensRevoked: 0, tokensCutOff: 0, invitationsRevoked: 0 };
    const tokens = await this.tokens.endInWorkspaceOf(userId, workspaceId, at, em);
    return { ...tokens, invitationsRevoked: await this.invitations.revokeSentBy(workspaceId, userId, at, em) };
  }
}
