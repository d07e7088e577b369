// Who is calling, as established by the bearer token of the request.
import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { TokenKind } from '../tokens/token.entity';

export interface AuthenticatedToken {
  id: string;
  kind: TokenKind;
  scopes: string[];
  /** null: not restricted to workspaces. */
  workspaceIds: string[] | null;
  /** The earliest of its own expiry and, for an exchanged session, its parent's. */
  expiresAt: Date | null;
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
