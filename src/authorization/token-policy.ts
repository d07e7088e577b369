// A workspace's token policy, judged in one place: at every request (on the root token) and when a
// token bound to the workspace is made.
import { DomainError, ErrorCode } from '../common/errors';
import type { TokenKind } from '../tokens/token.entity';

export interface TokenPolicy {
  maxLifetimeDays: number | null;
  allowPersonalTokens: boolean;
}

/** What the policy looks at: the kind and the lifetime (never-expiring: expiresAt null). */
export interface JudgedToken {
  kind: TokenKind;
  createdAt: Date;
  expiresAt: Date | null;
}

const DAY_MS = 86_400_000;

/** Why the policy refuses a token of this kind and lifetime ("does not accept …"), or null. */
export function policyRefusal(policy: TokenPolicy, token: JudgedToken): string | null {
  if (!policy.allowPersonalTokens && (token.kind === 'personal' || token.kind === 'named')) {
    return 'does not accept personal access tokens';
  }
  if (policy.maxLifetimeDays !== null) {
    const lifetime = token.expiresAt === null ? Infinity : token.expiresAt.getTime() - token.createdAt.getTime();
    if (lifetime > policy.maxLifetimeDays * DAY_MS) return `accepts only tokens that expire within ${policy.maxLifetimeDays} days`;
  }
  return null;
}

/**
 * 403 token_policy when the policy refuses the token, worded "<who> <refusal>[; <advice>].": `who`
 * names the workspace ("This workspace", or "Workspace <id>" where several are judged at once).
 */
export function assertPolicyAccepts(policy: TokenPolicy, token: JudgedToken, who: string, advice?: string): void {
  const refusal = policyRefusal(policy, token);
  if (refusal) throw new DomainError(ErrorCode.TokenPolicy, `${who} ${refusal}${advice ? `; ${advice}` : ''}.`);
}

/** Does `after` accept a token `before` refused (a longer lifetime, or personal tokens again)? */
export function policyLoosens(before: TokenPolicy, after: TokenPolicy): boolean {
  if (after.allowPersonalTokens && !before.allowPersonalTokens) return true;
  if (before.maxLifetimeDays === null) return false;
  return after.maxLifetimeDays === null || after.maxLifetimeDays > before.maxLifetimeDays;
}
