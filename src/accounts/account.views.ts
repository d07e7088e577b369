// What the sign-up, sign-in and exchange routes answer: the account and the token made for it, with
// the token's secret, shown this once.
import { ApiProperty } from '@nestjs/swagger';
import { TOKEN_LENGTH, TOKEN_PREFIXES } from '../auth/token-format';
import { GRANTABLE_SCOPES } from '../authorization/permissions';
import type { Principal } from '../auth/principal';
import type { TokenKind } from '../tokens/token.entity';
import type { IssuedTokenView } from '../tokens/token.view';
import { DATE_TIME } from '../common/view-fields';
import { UserView } from './user.view';

/** Every kind of token, checked against TokenKind: a kind added there does not compile here until it is listed. */
export const TOKEN_KINDS = Object.keys({ personal: 0, named: 0, session: 0, api_user: 0 } satisfies Record<TokenKind, 0>) as TokenKind[];

/** Every kind of principal, checked against Principal as TOKEN_KINDS is against TokenKind. */
export const PRINCIPAL_TYPES = Object.keys({ user: 0, api_user: 0 } satisfies Record<Principal['type'], 0>) as Principal['type'][];

// The limits CreateNamedTokenDto enforces (src/tokens/token.dto.ts), which does not export them yet.
/** A named token's name. */
const TOKEN_NAME_MAX_LENGTH = 100;
/** The workspaces one token may be restricted to. */
export const MAX_TOKEN_WORKSPACES = 100;

/** tokenHint(): the prefix and 4 characters, an ellipsis, the last 4 characters. */
export const TOKEN_HINT_LENGTH = TOKEN_PREFIXES[0].length + 4 + 1 + 4;
/** The longest textual IP address (IPv6 with an embedded IPv4 address). */
export const IP_ADDRESS_MAX_LENGTH = 45;

const PREFIX_LENGTH = TOKEN_PREFIXES[0].length;
const SECRET_PATTERN = `^(${TOKEN_PREFIXES.join('|')})[0-9A-Za-z]{${TOKEN_LENGTH - PREFIX_LENGTH}}$`;

/**
 * A token as it is issued: its facts and its secret. The same fields as IssuedTokenView
 * (src/tokens/token.view.ts); `implements` keeps the two from drifting apart.
 */
export class IssuedAccountTokenView implements IssuedTokenView {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  id: string;

  @ApiProperty({ type: String, nullable: true, maxLength: TOKEN_NAME_MAX_LENGTH, description: 'null for a personal token' })
  name: string | null;

  @ApiProperty({ enum: TOKEN_KINDS })
  kind: TokenKind;

  @ApiProperty({
    minLength: TOKEN_HINT_LENGTH,
    maxLength: TOKEN_HINT_LENGTH,
    example: 'lkp_abcd…wxyz',
    description: 'The prefix and first and last characters of the secret, as token lists show them',
  })
  hint: string;

  @ApiProperty({
    enum: GRANTABLE_SCOPES,
    isArray: true,
    maxItems: GRANTABLE_SCOPES.length,
    description: '"*": every permission the principal holds',
  })
  scopes: string[];

  @ApiProperty({
    type: [String],
    format: 'uuid',
    maxLength: 36,
    nullable: true,
    maxItems: MAX_TOKEN_WORKSPACES,
    description: 'The workspaces the token is restricted to; null: not restricted',
  })
  workspaceIds: string[] | null;

  @ApiProperty(DATE_TIME)
  createdAt: Date;

  @ApiProperty({ ...DATE_TIME, nullable: true, description: 'null: never expires' })
  expiresAt: Date | null;

  @ApiProperty({ ...DATE_TIME, nullable: true, description: 'null: not used yet' })
  lastUsedAt: Date | null;

  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: IP_ADDRESS_MAX_LENGTH,
    description: 'The address of the last use; null: not used yet',
  })
  lastUsedIp: string | null;

  @ApiProperty({ ...DATE_TIME, nullable: true })
  revokedAt: Date | null;

  @ApiProperty({
    type: String,
    format: 'uuid',
    maxLength: 36,
    nullable: true,
    description: 'For an exchanged session: the token it was made from',
  })
  parentId: string | null;

  @ApiProperty({
    type: String,
    format: 'uuid',
    maxLength: 36,
    nullable: true,
    description: 'Set by rotation: the token that replaced this one',
  })
  replacedById: string | null;

  @ApiProperty({
    minLength: TOKEN_LENGTH,
    maxLength: TOKEN_LENGTH,
    pattern: SECRET_PATTERN,
    description: `The secret, shown only in this answer: a ${PREFIX_LENGTH}-character prefix (${TOKEN_PREFIXES.join(', ')}), then base62 (random body and a CRC32 checksum), ${TOKEN_LENGTH} characters in all. Send it as "Authorization: Bearer <secret>".`,
  })
  secret: string;
}

/** POST /v1/auth/register. */
export class RegisteredAccountView {
  @ApiProperty({ type: UserView })
  user: UserView;

  @ApiProperty({ type: IssuedAccountTokenView, description: "The new user's personal token" })
  personalToken: IssuedAccountTokenView;
}

/** POST /v1/auth/login and POST /v1/auth/token. */
export class SessionTokenView {
  @ApiProperty({ type: IssuedAccountTokenView, description: 'A session token: kind "session"' })
  token: IssuedAccountTokenView;
}
