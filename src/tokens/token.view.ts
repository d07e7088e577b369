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

export function toTokenView(token: Token): TokenView {
  return {
    id: token.id,
    name: token.name,
    kind: token.kind,
    hint: token.hint,
    scopes: token.scopes,
    workspaceIds: token.workspaceIds,
    createdAt: token.createdAt,
    expiresAt: token.expiresAt,
    lastUsedAt: token.lastUsedAt,
    lastUsedIp: token.lastUsedIp,
    revokedAt: token.revokedAt,
    parentId: token.parentId,
    replacedById: token.replacedById,
  };
}

export function toIssuedTokenView(token: Token, secret: string): IssuedTokenView {
  return { ...toTokenView(token), secret };
}
