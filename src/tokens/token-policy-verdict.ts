// Whether a workspace's token policy lets a token in, for showing next to the token: clients read the
// verdict instead of judging the policy themselves.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { policyRefusal, TokenPolicy } from '../authorization/token-policy';
import { MAX_LIFETIME_DAYS_MAX } from '../workspaces/workspace.limits';
import type { ReachingToken } from './tokens.repository';

/** The longest reason: each refusal the policy makes, with the longest lifetime a policy may set (TokenPolicyDto). */
const REASON_MAX_LENGTH = Math.max(
  ...[
    policyRefusal({ allowPersonalTokens: false, maxLifetimeDays: null }, { kind: 'named', createdAt: new Date(0), expiresAt: null }),
    policyRefusal(
      { allowPersonalTokens: true, maxLifetimeDays: MAX_LIFETIME_DAYS_MAX },
      { kind: 'named', createdAt: new Date(0), expiresAt: null },
    ),
  ].map((refusal) => reasonFor(refusal ?? '').length),
);

function reasonFor(refusal: string): string {
  return `This workspace ${refusal}.`;
}

export class TokenPolicyVerdictView {
  @ApiProperty({ description: "The workspace's token policy lets the token in" })
  accepted: boolean;

  @ApiPropertyOptional({
    example: 'This workspace does not accept personal access tokens.',
    maxLength: REASON_MAX_LENGTH,
    description: 'When refused: the 403 token_policy detail its holder gets here; absent when accepted',
  })
  reason?: string;
}

/** Judged as the token check judges it (workspace-access.ts assertPolicy): an exchanged session by its parent. */
export function toPolicyVerdict(policy: TokenPolicy, token: ReachingToken): TokenPolicyVerdictView {
  const root =
    token.parentKind !== null && token.parentCreatedAt !== null
      ? { kind: token.parentKind, createdAt: token.parentCreatedAt, expiresAt: token.parentExpiresAt }
      : token;
  const refusal = policyRefusal(policy, root);
  return refusal === null ? { accepted: true } : { accepted: false, reason: reasonFor(refusal) };
}
