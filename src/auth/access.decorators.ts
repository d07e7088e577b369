// One decorator per route says who may call it; the global AccessGuard reads it and denies when it is absent.
import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import type { AccountScope, Permission } from '../authorization/permissions';

export const ACCESS_RULE = 'latchkey:access-rule';

export type AccessRule =
  | { kind: 'public' }
  | {
      kind: 'authenticated';
      /** An account scope the token must carry (users only). */
      scope?: AccountScope;
      /** A workspace permission, checked in the workspace of the route's :wid. */
      permission?: Permission;
      /** Only users listed in LATCHKEY_PLATFORM_ADMINS, with a token of scope `*`. */
      platformAdmin?: boolean;
      /** API users may call the route; default: users only, unless a permission is named. */
      allowApiUsers?: boolean;
    };

export type AuthenticatedOptions = Omit<Extract<AccessRule, { kind: 'authenticated' }>, 'kind'>;

/** Anyone may call the route, without a token. */
export function Public(): MethodDecorator & ClassDecorator {
  return SetMetadata(ACCESS_RULE, { kind: 'public' } satisfies AccessRule);
}

/** A valid token is needed, and whatever the options add. */
export function Authenticated(options: AuthenticatedOptions = {}): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(ACCESS_RULE, { kind: 'authenticated', ...options } satisfies AccessRule),
    ApiBearerAuth(),
    ApiSecurity('token'),
  );
}
