// Token governance for workspace admins: every token that can reach the workspace, and revoking one.
import { Injectable } from '@nestjs/common';
import { SecurityNotices } from '../accounts/security-notices';
import type { Actor } from '../audit/audit-log';
import { policyRefusal, type TokenPolicy } from '../authorization/token-policy';
import type { WorkspaceAccess } from '../authorization/workspace-access';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { WorkspaceWrites } from '../authorization/workspace-writes';
import { Clock } from '../common/clock';
import { notFound } from '../common/errors';
import { TokenUsageService } from './token-usage.service';
import { UNUSED_DAYS, type TokenUsageQueryDto, type TokenUsageView, type UnusedTokensListQueryDto } from './token-usage.view';
import { decodeCursor, Page, PageQueryDto, pageLimit, toPage } from '../common/pagination';
import { POLICY_PREVIEW_MAX_ITEMS, PolicyPreviewTokenView, TokenPolicyPreviewView } from './token-policy-preview.view';
import { toPolicyVerdict } from './token-policy-verdict';
import { toTokenViewWithin, WorkspaceTokenView } from './token.view';
import { ReachingToken, reachesOnly, TokensRepository } from './tokens.repository';

/** How many tokens a policy preview reads per query. */
const PREVIEW_BATCH = 500;

/**
 * A member's token that also reaches other workspaces was last used wherever: when and from which
 * address, and which other workspaces it names, are none of this workspace's business, so its admins
 * see the last use for tokens of this workspace alone, and only this workspace among the ids.
 */
function toGovernedTokenView(t: ReachingToken, caller: WorkspaceAccess, policy: TokenPolicy, now: Date): WorkspaceTokenView {
  const workspaceId = caller.workspaceId;
  const onlyHere = reachesOnly(t, workspaceId);
  const lastUse = onlyHere ? {} : { lastUsedAt: null, lastUsedIp: null };
  return {
    ...toTokenViewWithin(t, now, caller.deviceAccess),
    ...lastUse,
    onlyHere,
    // Nor which other workspaces a restricted token names: the row was reached through this one.
    workspaceIds: t.workspaceIds === null ? null : [workspaceId],
    // Its metadata may be about its other workspaces: shown for a token of this one alone.
    metadata: onlyHere ? t.metadata : null,
    // A member's token: its user and the address exist (the row was reached through the membership).
    owner: t.apiUserId ? { type: 'api_user', id: t.apiUserId } : { type: 'user', id: t.userId as string, email: t.ownerEmail as string },
    policy: toPolicyVerdict(policy, t),
    current: t.id === caller.principal.token.id,
  };
}

@Injectable()
export class WorkspaceTokensService {
  constructor(
    private readonly tokens: TokensRepository,
    private readonly writes: WorkspaceWrites,
    private readonly clock: Clock,
    private readonly notices: SecurityNotices,
    private readonly usageReader: TokenUsageService,
  ) {}

  async list(access: WorkspaceAccess, query: PageQueryDto): Promise<Page<WorkspaceTokenView>> {
    const limit = pageLimit(query);
    const now = this.clock.now();
    const rows = await this.tokens.listReachingWorkspace(access.workspaceId, now, decodeCursor(query.cursor), limit);
    return toPage(rows, limit, (row) => toGovernedTokenView(row, access, access.tokenPolicy, now));
  }

  /**
   * Tokens of this workspace alone (reachesOnly: API-user tokens, members' tokens restricted to it
   * alone) with no use for `days` days: their last use, or their creation when never used, is older.
   * Members' other tokens are left out, as their last use is (toGovernedTokenView): a use elsewhere is
   * not this workspace's to see, and "unused" would tell it.
   */
  async unused(access: WorkspaceAccess, query: UnusedTokensListQueryDto): Promise<Page<WorkspaceTokenView>> {
    const limit = pageLimit(query);
    const now = this.clock.now();
    const before = new Date(now.getTime() - (query.days ?? UNUSED_DAYS[0]) * 86_400_000);
    const rows = await this.tokens.listUnusedInWorkspace(access.workspaceId, now, before, decodeCursor(query.cursor), limit);
    return toPage(rows, limit, (row) => toGovernedTokenView(row, access, access.tokenPolicy, now));
  }

  /**
   * The usage of a token that reaches the workspace (else 404). A member's token that reaches other
   * workspaces too is answered `hidden`, without hours, as its last use is (toGovernedTokenView).
   */
  async usage(access: WorkspaceAccess, tokenId: string, query: TokenUsageQueryDto): Promise<TokenUsageView> {
    const token = await this.tokens.findReachingWorkspace(access.workspaceId, tokenId, this.clock.now());
    if (!token) throw notFound('Token');
    if (!reachesOnly(token, access.workspaceId)) return this.usageReader.hidden(token.id, query.days);
    return this.usageReader.read(token.id, query.days);
  }

  /**
   * What saving `proposed` would do: every live token that reaches the workspace judged by it, with the
   * verdict the token check would give (toPolicyVerdict, policyRefusal: the rule is written once), read
   * in pages so that a workspace with many tokens costs pages, not one huge answer.
   */
  async previewPolicy(
    access: WorkspaceAccess,
    proposed: TokenPolicy & { revokeUnusedAfterDays?: number | null },
  ): Promise<TokenPolicyPreviewView> {
    const now = this.clock.now();
    // Judged per request: the lifetime and the kind. Tokens left unused are another matter (unused-tokens.ts).
    const policy = {
      maxLifetimeDays: proposed.maxLifetimeDays,
      allowPersonalTokens: proposed.allowPersonalTokens,
      revokeUnusedAfterDays: proposed.revokeUnusedAfterDays ?? null,
    };
    // Newest first, those the change would cut off ahead of those refused already; each list capped.
    const cutOff: PolicyPreviewTokenView[] = [];
    const refusedAlready: PolicyPreviewTokenView[] = [];
    let checked = 0;
    let refusedCount = 0;
    let newlyRefused = 0;
    for (let after: ReachingToken | null = null; ;) {
      const rows = await this.tokens.listReachingWorkspace(access.workspaceId, now, after, PREVIEW_BATCH);
      for (const row of rows.slice(0, PREVIEW_BATCH)) {
        checked++;
        const verdict = toPolicyVerdict(policy, row);
        if (verdict.accepted) continue;
        refusedCount++;
        const currentPolicy = toPolicyVerdict(access.tokenPolicy, row);
        if (currentPolicy.accepted) newlyRefused++;
        const list = currentPolicy.accepted ? cutOff : refusedAlready;
        if (list.length < POLICY_PREVIEW_MAX_ITEMS) list.push({ ...toGovernedTokenView(row, access, policy, now), currentPolicy });
      }
      if (rows.length <= PREVIEW_BATCH) break;
      after = rows[PREVIEW_BATCH - 1];
    }
    const items = [...cutOff, ...refusedAlready].slice(0, POLICY_PREVIEW_MAX_ITEMS);
    return {
      policy,
      checked,
      refused: refusedCount,
      newlyRefused,
      callerRefused: policyRefusal(policy, access.principal.token.root) !== null,
      items,
      truncated: refusedCount > items.length,
    };
  }

  /**
   * An API user's token, or a token restricted to this workspace alone, is revoked. A member's token
   * that also reaches other workspaces is cut off from this one only: an admin here has no say elsewhere.
   * Decided on the caller's rights (tokens:manage, and all that the token's owner holds here: assertCanActOn)
   * as they are under the workspace's lock.
   */
  async revoke(caller: WorkspaceCaller, actor: Actor, tokenId: string): Promise<void> {
    await this.writes.run(caller, actor, async ({ em, access, audit, assertCanActOn }) => {
      const now = this.clock.now();
      const token = await this.tokens.findReachingWorkspace(access.workspaceId, tokenId, now, em);
      if (!token) throw notFound('Token');
      // Cutting off a token cuts off its principal here: the caller must hold all that principal holds.
      const owner =
        token.apiUserId !== null
          ? ({ type: 'api_user', id: token.apiUserId } as const)
          : ({ type: 'user', id: token.userId as string } as const);
      await assertCanActOn(owner, 'Token', "this token's owner");
      const onlyHere = reachesOnly(token, access.workspaceId);
      const changed = onlyHere
        ? await this.tokens.revoke(token.id, now, em)
        : await this.tokens.blockInWorkspace(access.workspaceId, token.id, em);
      // A revocation that raced this one got there first: one change, one event.
      if (!changed) return;
      await audit({
        action: 'token.revoked',
        accountId: token.userId,
        target: { type: 'token', id: token.id },
        details: { effect: onlyHere ? 'revoked' : 'blocked_in_workspace', kind: token.kind },
      });
      // A member's token: its owner is told (an API user has no mailbox; its admins did this).
      if (token.userId) {
        await this.notices.tokenRevokedByAdmin(em, token.userId, access.workspaceId, token, onlyHere ? 'revoked' : 'blocked_in_workspace');
      }
    });
  }
}
