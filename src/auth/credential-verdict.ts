// A stored credential judged: whether it is alive now, and whose it is. The token check applies these
// rules to every request (TokenAuthenticator); a write applies them again to its caller's rows, read
// under lock in its own transaction (CallerHold).
import type { OwnRateLimit } from '../rate-limits/token-rate-limit';
import { DomainError, ErrorCode } from '../common/errors';
import type { TokenCredential } from '../tokens/tokens.repository';
import { commonCidrs, NetworkMatcher } from './network-allow-list';
import type { Principal } from './principal';

/**
 * The refusals every bad token gets, made once: they carry nothing of the request, so one frozen
 * instance each serves every refusal (no error object per refused check).
 */
export const INVALID = Object.freeze(new DomainError(ErrorCode.TokenInvalid, 'The token is not valid.'));
export const EXPIRED = Object.freeze(new DomainError(ErrorCode.TokenExpired, 'The token has expired.'));
export const NOT_FROM_HERE = Object.freeze(new DomainError(ErrorCode.NetworkNotAllowed, 'The token may not be used from this network.'));

/**
 * The credential's network rule: a client must be inside the token's allow-list and its API user's,
 * each where set (NOT_FROM_HERE otherwise); null when neither is set and every address may use it.
 */
export function networkRuleOf(credential: TokenCredential): NetworkMatcher | null {
  const matcher = new NetworkMatcher([credential.allowedCidrs, credential.apiUserAllowedCidrs]);
  return matcher.restricts ? matcher : null;
}

/**
 * Why the token itself is dead at `nowMs`, or null: revoked or disabled (a disabled token reads as a
 * revoked one: no hint that it could come back), its parent so, or expired (its own expiry or its
 * parent's). Its owner is judged by buildPrincipal().
 */
export function deadOrExpired(credential: TokenCredential, nowMs: number): DomainError | null {
  if (credential.revokedOutright || diedBy(credential.revokedAt, nowMs) || credential.disabledAt !== null) return INVALID;
  if (
    credential.parentId !== null &&
    (credential.parentRevokedOutright || diedBy(credential.parentRevokedAt, nowMs) || credential.parentDisabledAt !== null)
  ) {
    return INVALID;
  }
  if (diedBy(earliest(credential.expiresAt, credential.parentExpiresAt), nowMs)) return EXPIRED;
  return null;
}

/** Whose live token it is, or the refusal the token check gives it (deadOrExpired, then its owner). */
export function livePrincipal(credential: TokenCredential, nowMs: number): Principal | DomainError {
  return deadOrExpired(credential, nowMs) ?? buildPrincipal(credential) ?? INVALID;
}

/**
 * Whose token it is: frozen, since every request of a cached credential shares it. null when the owner
 * may not use any token now (deactivated user, disabled or deleted API user).
 */
export function buildPrincipal(credential: TokenCredential): Principal | null {
  const expiresAt = earliest(credential.expiresAt, credential.parentExpiresAt);
  const token = Object.freeze({
    id: credential.id,
    kind: credential.kind,
    createdAt: credential.createdAt,
    scopes: Object.freeze([...credential.scopes]) as string[],
    workspaceIds: credential.workspaceIds && (Object.freeze([...credential.workspaceIds]) as string[]),
    // A rotated token inside its grace period dies at revokedAt: clients are told so.
    expiresAt: earliest(earliest(expiresAt, credential.revokedAt), credential.parentRevokedAt),
    parentId: credential.parentId,
    root: Object.freeze(
      credential.parentKind !== null && credential.parentCreatedAt !== null
        ? { kind: credential.parentKind, createdAt: credential.parentCreatedAt, expiresAt: credential.parentExpiresAt }
        : { kind: credential.kind, createdAt: credential.createdAt, expiresAt: credential.expiresAt },
    ),
    blockedWorkspaceIds: Object.freeze([...credential.blockedWorkspaceIds, ...(credential.parentBlockedWorkspaceIds ?? [])]) as string[],
    rateLimits: ownRateLimitsOf(credential),
    boundDevices: credential.deviceBindings && devicesByWorkspace(credential.deviceBindings),
    deviceIds: credential.deviceBindings && Object.freeze(credential.deviceBindings.map(([, id]) => id)),
    allowedCidrs: credential.allowedCidrs && Object.freeze([...credential.allowedCidrs]),
    usableFromCidrs: commonCidrs(credential.allowedCidrs, credential.apiUserAllowedCidrs),
  });
  if (credential.apiUserId !== null) {
    // A disabled API user's tokens fail at once; a deleted one's are gone with it.
    if (credential.apiUserStatus !== 'active' || credential.apiUserWorkspaceId === null) return null;
    return Object.freeze({ type: 'api_user', id: credential.apiUserId, workspaceId: credential.apiUserWorkspaceId, token });
  }
  // A deactivated user's tokens fail at once, every one of them.
  if (credential.userId === null || credential.userStatus !== 'active' || credential.userEmail === null) return null;
  return Object.freeze({ type: 'user', id: credential.userId, email: credential.userEmail, token });
}

/**
 * The own limits of a credential: the token's, or for an exchanged session its parent's (the same
 * bucket, so exchanging does not escape a limit), and its API user's, one bucket for all its tokens.
 */
function ownRateLimitsOf(c: TokenCredential): readonly OwnRateLimit[] {
  const limits: OwnRateLimit[] = [];
  const [tokenId, limit, windowSeconds] =
    c.parentId !== null ? [c.parentId, c.parentRateLimit, c.parentRateLimitWindowSeconds] : [c.id, c.rateLimit, c.rateLimitWindowSeconds];
  if (limit !== null && windowSeconds !== null) {
    limits.push(Object.freeze({ policy: 'token-limit', key: `t:${tokenId}:${windowSeconds}`, limit, windowSeconds }));
  }
  if (c.apiUserId !== null && c.apiUserRateLimit !== null && c.apiUserRateLimitWindowSeconds !== null) {
    limits.push(
      Object.freeze({
        policy: 'api-user-limit',
        key: `a:${c.apiUserId}:${c.apiUserRateLimitWindowSeconds}`,
        limit: c.apiUserRateLimit,
        windowSeconds: c.apiUserRateLimitWindowSeconds,
      }),
    );
  }
  return Object.freeze(limits);
}

function devicesByWorkspace(bindings: Array<[string, string]>): ReadonlyMap<string, readonly string[]> {
  const map = new Map<string, string[]>();
  for (const [workspaceId, deviceId] of bindings) {
    const list = map.get(workspaceId);
    if (list) list.push(deviceId);
    else map.set(workspaceId, [deviceId]);
  }
  for (const list of map.values()) Object.freeze(list);
  return map;
}

function diedBy(moment: Date | null, nowMs: number): boolean {
  return moment !== null && moment.getTime() <= nowMs;
}

function earliest(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.getTime() <= b.getTime() ? a : b;
}
