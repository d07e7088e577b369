// One decorator per route says who may call it; the global AccessGuard reads it and denies when it is absent.
import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import type { AccountScope, Permission, Scope } from '../authorization/permissions';

export const ACCESS_RULE = 'latchkey:access-rule';

export type AccessRule =
  /** `unlimited`: not rate-limited per IP (probes and scrapers). */
  | { kind: 'public'; unlimited?: boolean }
  | {
      kind: 'authenticated';
      /** A scope the token must carry, for routes outside one workspace (users only unless allowApiUsers). */
      scope?: AccountScope | Scope;
      /**
       * With an account scope: a token restricted to workspaces may call the route too. By default it
       * may not: an account route reaches beyond its workspaces (other tokens, invitations elsewhere).
       */
      allowRestrictedTokens?: boolean;
      /** A workspace permission the principal must hold, through its roles and its token, in the route's :wid. */
      permission?: Permission;
      /** The principal must be in the route's :wid, with no particular permission (leaving it). */
      workspaceMember?: boolean;
      /** Only owners of the route's :wid (with `permission` for the token's scope). */
      ownerOnly?: boolean;
      /** Only users listed in LATCHKEY_PLATFORM_ADMINS, with a token of scope `*`. */
      platformAdmin?: boolean;
      /** API users may call the route; default: users only, unless a permission is named. */
      allowApiUsers?: boolean;
      /** A platform key from LATCHKEY_INTROSPECTION_KEYS is accepted instead of a token (introspection). */
      platformKey?: boolean;
      /**
       * A form body (application/x-www-form-urlencoded) is admitted without a token, as a public route
       * is (rate-limited per address): it is an RFC 8693 token exchange, which carries its own credential,
       * an outside OIDC token, for the handler to verify (workload identity federation). JSON bodies
       * still need a token. POST /v1/auth/token.
       */
      tokenExchangeForm?: boolean;
    };

export type AuthenticatedOptions = Omit<Extract<AccessRule, { kind: 'authenticated' }>, 'kind'>;

/** Anyone may call the route, without a token; rate-limited per IP unless `unlimited`. */
export function Public(options: { unlimited?: boolean } = {}): MethodDecorator & ClassDecorator {
  return SetMetadata(ACCESS_RULE, { kind: 'public', ...options } satisfies AccessRule);
}

/** A valid token is needed, and whatever the options add. */
export function Authenticated(options: AuthenticatedOptions = {}): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(ACCESS_RULE, { kind: 'authenticated', ...options } satisfies AccessRule),
    ApiBearerAuth(),
    ApiSecurity('token'),
  );
}
