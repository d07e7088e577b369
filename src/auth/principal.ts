// Who is calling, as established by the bearer token of the request.
import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { OwnRateLimit } from '../rate-limits/token-rate-limit';
import type { TokenKind } from '../tokens/token.entity';

export interface AuthenticatedToken {
  id: string;
  kind: TokenKind;
  createdAt: Date;
  scopes: string[];
  /** null: not restricted to workspaces. */
  workspaceIds: string[] | null;
  /** When it stops working: the earliest of its expiry, a rotation's end of grace, and its parent's. */
  expiresAt: Date | null;
  /** For an exchanged session: the token it was made from. */
  parentId: string | null;
  /**
   * The long-lived token at the root: the parent of an exchanged session, else the token itself.
   * Workspace token policies judge this one, so exchanging cannot launder a forbidden token.
   */
  root: { kind: TokenKind; createdAt: Date; expiresAt: Date | null };
  /** Workspaces a workspace admin has cut this token (or its parent) off from. */
  blockedWorkspaceIds: string[];
  /** The own rate limits every request of this token must pass besides the global one (made once per cached credential). */
  rateLimits?: readonly OwnRateLimit[];
  /**
   * Bound to devices (an exchanged session: as its parent is): the bound devices that exist, by
   * workspace. Its device access in a workspace is its principal's ∩ these (none in a workspace not
   * named). null: not bound.
   */
  boundDevices: ReadonlyMap<string, readonly string[]> | null;
  /** The same devices as one list; null: not bound. */
  deviceIds: readonly string[] | null;
  /** Its own network allow-list (an exchanged session: its parent's), normalised; null: any network. */
  allowedCidrs: readonly string[] | null;
  /**
   * The networks it may be used from: its own list within its API user's (each is judged on every
   * request), as one list; null: any network. What it hands out is held to this, not to its own list alone.
   */
  usableFromCidrs: readonly string[] | null;
}

export interface UserPrincipal {
  type: 'user';
  id: string;
  email: string;
  token: AuthenticatedToken;
}

export interface ApiUserPrincipal {
  type: 'api_user';
  id: string;
  workspaceId: string;
  token: AuthenticatedToken;
}

export type Principal = UserPrincipal | ApiUserPrincipal;

/** The principal of the request; only on routes that are not @Public(). */
export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<{ user?: Principal }>().user;
  if (!principal) throw new Error('CurrentPrincipal used on a route without authentication');
  return principal;
});
