// What clients see of a token. The secret appears only in IssuedTokenView, in the response that made it.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TOKEN_HINT_LENGTH, TOKEN_LENGTH, TokenPrefix } from '../auth/token-format';
import { EMAIL_MAX_LENGTH } from '../accounts/email-address';
import { type DeviceAccess, idsWithinReach } from '../authorization/device-rules';
import { GRANTABLE_SCOPES } from '../authorization/permissions';
import { DATE_TIME, IP_ADDRESS_MAX_LENGTH, nullableRef } from '../common/view-fields';
import { MAX_TOKEN_WORKSPACES, TOKEN_NAME_MAX_LENGTH } from './token.dto';
import { CIDR_MAX_LENGTH, MAX_ALLOWED_CIDRS, MAX_TOKEN_DEVICES, TOKEN_DESCRIPTION_MAX_LENGTH } from './token-details';
import { Token, TOKEN_KINDS, TokenKind } from './token.entity';
import { TokenPolicyVerdictView } from './token-policy-verdict';
import { RATE_LIMIT_VIEW_DESCRIPTION, rateLimitOf, RateLimitView } from '../rate-limits/token-rate-limit';
import { TOKEN_OWNER_TYPES, TokenOwnerType } from './tokens.repository';

/** The prefix of each kind's secret, which tells what a leaked token is at a glance. */
export const PREFIX_BY_KIND: Record<TokenKind, TokenPrefix> = { personal: 'lkp_', named: 'lkp_', session: 'lks_', api_user: 'lka_' };

const ISSUED_PREFIXES = [...new Set(Object.values(PREFIX_BY_KIND))];
/** Every prefix is as long as the first; the rest of the token is base62. */
const SECRET_PATTERN = `^(?:${ISSUED_PREFIXES.join('|')})[0-9A-Za-z]{${TOKEN_LENGTH - ISSUED_PREFIXES[0].length}}$`;

export class TokenView {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  id: string;

  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: TOKEN_NAME_MAX_LENGTH,
    example: 'CI deploy',
    description:
      "The name it was given; the service names the personal token and sessions itself ('Personal access token', 'Login session')",
  })
  name: string | null;

  @ApiProperty({ enum: TOKEN_KINDS })
  kind: TokenKind;

  @ApiProperty({
    minLength: TOKEN_HINT_LENGTH,
    maxLength: TOKEN_HINT_LENGTH,
    example: 'lkp_abcd…wxyz',
    description: 'The first 8 and last 4 characters of the secret: enough to recognise it, far too little to use it',
  })
  hint: string;

  @ApiProperty({
    enum: [...GRANTABLE_SCOPES],
    isArray: true,
    maxItems: GRANTABLE_SCOPES.length,
    description: 'What the token may do: permissions, account scopes, or ["*"] for all its owner holds',
  })
  scopes: string[];

  @ApiProperty({
    type: String,
    isArray: true,
    format: 'uuid',
    maxLength: 36,
    nullable: true,
    maxItems: MAX_TOKEN_WORKSPACES,
    description: 'The only workspaces it reaches; null: every workspace of its owner',
  })
  workspaceIds: string[] | null;

  @ApiProperty(DATE_TIME)
  createdAt: Date;

  @ApiProperty({
    ...DATE_TIME,
    nullable: true,
    description: 'null: never expires. A rotated-out secret in its grace period expires when the grace ends',
  })
  expiresAt: Date | null;

  @ApiProperty({ ...DATE_TIME, nullable: true, description: 'null: never used (recorded within a minute)' })
  lastUsedAt: Date | null;

  @ApiProperty({ type: String, nullable: true, maxLength: IP_ADDRESS_MAX_LENGTH, description: 'The client address of its last use' })
  lastUsedIp: string | null;

  @ApiProperty({ ...DATE_TIME, nullable: true, description: 'null: not revoked (nor rotated out past its grace)' })
  revokedAt: Date | null;

  @ApiProperty({
    type: String,
    format: 'uuid',
    maxLength: 36,
    nullable: true,
    description: 'An exchanged session: the token it was made from, with which it dies; null otherwise',
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

  @ApiProperty({ ...nullableRef(RateLimitView), description: RATE_LIMIT_VIEW_DESCRIPTION })
  rateLimit: RateLimitView | null;
  @ApiProperty({ description: 'false: disabled, refused like a revoked token until enabled again (with the same secret)' })
  enabled: boolean;

  @ApiProperty({ ...DATE_TIME, nullable: true, description: 'When it was disabled; null while enabled' })
  disabledAt: Date | null;

  @ApiProperty({
    type: String,
    isArray: true,
    format: 'uuid',
    maxLength: 36,
    nullable: true,
    maxItems: MAX_TOKEN_DEVICES,
    description: "The devices it is bound to (its device access: its owner's ∩ these); null: not bound",
  })
  deviceIds: string[] | null;

  @ApiProperty({
    type: String,
    isArray: true,
    maxLength: CIDR_MAX_LENGTH,
    nullable: true,
    maxItems: MAX_ALLOWED_CIDRS,
    description: 'The networks it may be used from, normalised; null: any network',
  })
  allowedCidrs: string[] | null;

  @ApiProperty({ type: String, nullable: true, maxLength: TOKEN_DESCRIPTION_MAX_LENGTH })
  description: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'The JSON object it was given; null: none' })
  metadata: Record<string, unknown> | null;
}

export class IssuedTokenView extends TokenView {
  @ApiProperty({
    minLength: TOKEN_LENGTH,
    maxLength: TOKEN_LENGTH,
    pattern: SECRET_PATTERN,
    example: 'lkp_0123456789ABCDEFGHIJKLMNOPQRSTUV0a1B2c',
    description:
      `The token itself, in this answer only (only its SHA-256 is kept): ${TOKEN_LENGTH} characters, a prefix ` +
      '(`lkp_` personal and named tokens, `lks_` sessions, `lka_` API-user tokens), 32 random base62 characters ' +
      'and a 6-character base62 checksum. Send it as `Authorization: Bearer <secret>`',
  })
  secret: string;
}

export class TokenOwnerView {
  @ApiProperty({ enum: TOKEN_OWNER_TYPES })
  type: TokenOwnerType;

  @ApiProperty({ format: 'uuid', maxLength: 36, description: 'The user or the API user' })
  id: string;

  @ApiPropertyOptional({ format: 'email', maxLength: EMAIL_MAX_LENGTH, description: "A user's email address; absent for an API user" })
  email?: string;
}

/** A token that reaches a workspace, as the workspace's admins see it. */
export class WorkspaceTokenView extends TokenView {
  @ApiProperty({ type: TokenOwnerView, description: 'Whose token it is' })
  owner: TokenOwnerView;

  @ApiProperty({ type: TokenPolicyVerdictView, description: "The workspace's token policy's verdict on it" })
  policy: TokenPolicyVerdictView;

  @ApiProperty({
    description:
      "true: the token this request came with: revoking it (or cutting it off) ends the caller's own access here, a console's sign-in among them",
  })
  current: boolean;

  @ApiProperty({
    description:
      "true: an API user's token, or one restricted to this workspace alone; revoking it here revokes it. false: a member's token that may reach the member's other workspaces; revoking it here cuts it off from this workspace only",
  })
  onlyHere: boolean;

  @ApiProperty({
    type: [String],
    format: 'uuid',
    maxLength: 36,
    nullable: true,
    maxItems: 1,
    description:
      'null: not restricted to workspaces; otherwise [this workspace]. Which other workspaces a restricted token names is not shown here (onlyHere says whether there are any)',
  })
  override workspaceIds: string[] | null;

  @ApiProperty({
    ...DATE_TIME,
    nullable: true,
    description: "null: never used, or a member's token that reaches other workspaces too (where it was used is not this one's business)",
  })
  override lastUsedAt: Date | null;

  @ApiProperty({
    type: String,
    isArray: true,
    format: 'uuid',
    maxLength: 36,
    nullable: true,
    maxItems: MAX_TOKEN_DEVICES,
    description:
      "The devices of this workspace it is bound to; null: not bound. A member's token bound to devices elsewhere shows only this workspace's",
  })
  override deviceIds: string[] | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: "Its metadata, for a token of this workspace alone (onlyHere); null for a member's token that reaches other workspaces",
  })
  override metadata: Record<string, unknown> | null;

  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: IP_ADDRESS_MAX_LENGTH,
    description: 'The client address of its last use; null as lastUsedAt is',
  })
  override lastUsedIp: string | null;
}

/**
 * A rotated-out secret inside its grace period is not revoked: it is live, can be revoked, and dies
 * when the grace ends. Stored as a revocation time in the future, it shows as revokedAt null with that
 * time as its expiry, so clients (the web UI's revoke button among them) treat it as the live token it is.
 */
export function toTokenView(token: Token, now: Date): TokenView {
  // Only a rotated-out token has a grace: another revocation time ahead of this clock is the revoking
  // instance's clock running ahead, and the token is revoked (as the token check judges it).
  const graceEndsAt = token.replacedById !== null && token.revokedAt !== null && token.revokedAt > now ? token.revokedAt : null;
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
    rateLimit: rateLimitOf(token.rateLimit, token.rateLimitWindowSeconds),
    enabled: token.disabledAt === null,
    disabledAt: token.disabledAt,
    deviceIds: token.deviceIds,
    allowedCidrs: token.allowedCidrs,
    description: token.description,
    metadata: token.metadata,
  };
}

/** Another principal's token as a caller whose device access is `reach` sees it: its binding names only devices in reach. */
export function toTokenViewWithin(token: Token, now: Date, reach: DeviceAccess): TokenView {
  const view = toTokenView(token, now);
  return view.deviceIds === null ? view : { ...view, deviceIds: idsWithinReach(reach, view.deviceIds) };
}

export function toIssuedTokenView(token: Token, secret: string): IssuedTokenView {
  return { ...toTokenView(token, token.createdAt), secret };
}
