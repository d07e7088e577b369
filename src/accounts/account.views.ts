// What the sign-up, sign-in and exchange routes answer: the account and the token made for it, with
// the token's secret, shown this once.
import { ApiProperty } from '@nestjs/swagger';
import type { Principal } from '../auth/principal';
import { IssuedTokenView } from '../tokens/token.view';
import { UserView } from './user.view';

/** Every kind of principal, checked against Principal: a type added there does not compile here until it is listed. */
export const PRINCIPAL_TYPES = Object.keys({ user: 0, api_user: 0 } satisfies Record<Principal['type'], 0>) as Principal['type'][];

/** POST /v1/auth/register. */
export class RegisteredAccountView {
  @ApiProperty({ type: UserView })
  user: UserView;

  @ApiProperty({ type: IssuedTokenView, description: "The new user's personal token" })
  personalToken: IssuedTokenView;
}

/** POST /v1/auth/login and POST /v1/auth/token. */
export class SessionTokenView {
  @ApiProperty({ type: IssuedTokenView, description: 'A session token: kind "session"' })
  token: IssuedTokenView;
}
