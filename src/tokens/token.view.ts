// What clients see of a token. The secret appears only in IssuedTokenView, in the response that made it.
import type { Token, TokenKind } from './token.entity';

export interface TokenView {
  id: string;
  name: string | null;
  kind: TokenKind;
  hint: string;
  scopes: string[];
  workspaceIds: string[] | null;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  lastUsedIp: string | null;
  revokedAt: Date | null;
  parentId: string | null;
  replacedById: string | null;
}

export type IssuedTokenView = TokenView & { secret: string };

/**
 * A rotated-out secret inside its grace period is not revoked: it is live, can be revoked, and dies
 * when the grace ends. Stored as a revocation time in the future, it shows as revokedAt null with that
 * time as its expiry, so clients (the web UI's revoke button among them) treat it as the live token it is.
 */
export function toTokenView(token: Token, now: Date): TokenView {
  const graceEndsAt = token.revokedAt !== null && token.revokedAt > now ? token.revokedAt : null;
  const endsAt = graceEndsAt && (token.expiresAt === null || graceEndsAt < token.expiresAt) ? graceEndsAt : token.expiresAt;
  return {
    id: token.id,
    name: token.name,
    kind: token.kind,
    hint: token.hint,
    scopes: token.scopes,
    workspaceIds: token.workspaceIds,
    createdAt: token.createdAt,
    expiresAt: endsAt,
    lastUsedAt: token.lastUsedAt,
    lastUsedIp: token.lastUsedIp,
    revokedAt: graceEndsAt ? null : token.revokedAt,
    parentId: token.parentId,
    replacedById: token.replacedById,
  };
}

export function toIssuedTokenView(token: Token, secret: string): IssuedTokenView {
  return { ...toTokenView(token, token.createdAt), secret };
}
