// What a proposed token policy would do to the tokens that reach a workspace, before it is saved.
import { ApiProperty } from '@nestjs/swagger';
import { TokenPolicyView } from '../workspaces/workspaces.dto';
import { TokenPolicyVerdictView } from './token-policy-verdict';
import { WorkspaceTokenView } from './token.view';

/** The most refused tokens a preview lists; the counts cover them all. */
export const POLICY_PREVIEW_MAX_ITEMS = 100;

export class PolicyPreviewTokenView extends WorkspaceTokenView {
  @ApiProperty({
    type: TokenPolicyVerdictView,
    description: "The proposed policy's verdict: refused, with the 403 token_policy detail its holder would get",
  })
  override policy: TokenPolicyVerdictView;

  @ApiProperty({
    type: TokenPolicyVerdictView,
    description: 'The policy in force now: accepted means saving the proposed one would cut this token off',
  })
  currentPolicy: TokenPolicyVerdictView;
}

export class TokenPolicyPreviewView {
  @ApiProperty({ type: TokenPolicyView, description: 'The policy judged, as proposed' })
  policy: TokenPolicyView;

  @ApiProperty({ minimum: 0, description: 'Live tokens that reach the workspace (as GET /workspaces/{wid}/tokens lists them)' })
  checked: number;

  @ApiProperty({ minimum: 0, description: 'Of those, how many the proposed policy would refuse' })
  refused: number;

  @ApiProperty({ minimum: 0, description: 'Of those refused, how many the policy in force accepts now: what saving it would cut off' })
  newlyRefused: number;

  @ApiProperty({
    description: 'true: the token of this request would be refused: saving the policy would lock this token out of the workspace',
  })
  callerRefused: boolean;

  @ApiProperty({
    type: [PolicyPreviewTokenView],
    maxItems: POLICY_PREVIEW_MAX_ITEMS,
    description: `The refused tokens, newest first: those cut off by the change first, at most ${POLICY_PREVIEW_MAX_ITEMS}`,
  })
  items: PolicyPreviewTokenView[];

  @ApiProperty({ description: 'true: more tokens are refused than items lists' })
  truncated: boolean;
}
