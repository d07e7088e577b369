// What POST /v1/introspect answers (RFC 7662): an active token described, or only { active: false }.
import { CIDR_MAX_LENGTH, MAX_ALLOWED_CIDRS } from '../tokens/token-details';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PRINCIPAL_TYPES } from '../accounts/account.views';
import { EMAIL_MAX_LENGTH } from '../accounts/email-address';
import type { Principal } from '../auth/principal';
import { NULLABLE_DEVICE_ACCESS_SCHEMA, type DeviceAccessView } from '../authorization/device-access.dto';
import { GRANTABLE_SCOPES, PERMISSIONS } from '../authorization/permissions';
import { ErrorCode } from '../common/errors';
import { TOKEN_KINDS, type TokenKind } from '../tokens/token.entity';

/** Every scope of the catalog, space-separated: the longest `scope` a token can have (its scopes do not repeat). */
const SCOPE_MAX_LENGTH = GRANTABLE_SCOPES.join(' ').length;

export class IntrospectedWorkspaceView {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  id: string;

  @ApiProperty({
    enum: PERMISSIONS,
    isArray: true,
    maxItems: PERMISSIONS.length,
    description: "The token's effective permissions here (roles narrowed to its scopes), sorted; empty when refused",
  })
  permissions: string[];

  @ApiProperty({
    ...NULLABLE_DEVICE_ACCESS_SCHEMA,
    description: 'The devices the token reaches here; null when refused',
  })
  deviceAccess: DeviceAccessView | null;

  @ApiPropertyOptional({
    enum: ErrorCode,
    description: 'Present when the token reaches the workspace but is refused there (its token policy, say): the error code it gets',
  })
  refused?: ErrorCode;
}

/**
 * The most workspaces one introspection lists: each costs an access resolution, and a principal may
 * belong to any number. A caller that needs one more asks /v1/authorize about it.
 */
export const MAX_INTROSPECTED_WORKSPACES = 100;

/** Seconds since the epoch, up to the end of year 9999 (what a Date here can hold as a token's time). */
const EPOCH_SECONDS = { type: 'integer', format: 'int64', minimum: 0, maximum: 253_402_300_799 } as const;

/** An active token, as the caller may see it: only the workspaces where the caller holds tokens:read (all, for a platform key). */
export class ActiveIntrospectionView {
  @ApiProperty({ enum: [true] })
  active: true;

  @ApiProperty({ format: 'uuid', maxLength: 36, description: 'The principal: a user or an API user' })
  sub: string;

  @ApiProperty({ enum: PRINCIPAL_TYPES })
  principal_type: Principal['type'];

  @ApiProperty({ enum: TOKEN_KINDS })
  token_type: TokenKind;

  @ApiProperty({ format: 'uuid', maxLength: 36 })
  token_id: string;

  @ApiProperty({
    maxLength: SCOPE_MAX_LENGTH,
    example: 'devices:read measurements:read',
    description: "The token's scopes, space-separated",
  })
  scope: string;

  @ApiProperty({ ...EPOCH_SECONDS, description: 'When the token was made, in seconds since the epoch' })
  iat: number;

  @ApiPropertyOptional({ ...EPOCH_SECONDS, description: 'When the token stops working, in seconds since the epoch; absent: never' })
  exp?: number;

  @ApiPropertyOptional({ format: 'email', maxLength: EMAIL_MAX_LENGTH, description: "For a user's token: the user's email address" })
  username?: string;

  @ApiProperty({
    type: [IntrospectedWorkspaceView],
    minItems: 1,
    maxItems: MAX_INTROSPECTED_WORKSPACES,
    description: `The workspaces the token reaches that the caller may see (none: the token is inactive to this caller), at most ${MAX_INTROSPECTED_WORKSPACES}`,
  })
  workspaces: IntrospectedWorkspaceView[];

  @ApiPropertyOptional({
    enum: [true],
    description: `Present when the token reaches more workspaces the caller may see than the ${MAX_INTROSPECTED_WORKSPACES} listed: ask /v1/authorize about a given one`,
  })
  workspaces_truncated?: true;

  @ApiPropertyOptional({
    type: [String],
    maxLength: CIDR_MAX_LENGTH,
    maxItems: MAX_ALLOWED_CIDRS,
    description:
      "Present when the token may be used only from these networks (normalised CIDRs; for an API user's token, its own list within its API user's). Introspection does not know the client's address, so it does not judge it: the resource server may",
  })
  allowed_cidrs?: string[];
}

/** A token unknown, dead, or out of the caller's sight: nothing else is said (RFC 7662, 2.2). */
export class InactiveIntrospectionView {
  @ApiProperty({ enum: [false] })
  active: false;
}

export type IntrospectionView = ActiveIntrospectionView | InactiveIntrospectionView;
