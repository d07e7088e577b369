// What GET /v1/whoami answers: the caller itself, described to its own token. Never a secret or a hash.
import { CIDR_MAX_LENGTH, MAX_ALLOWED_CIDRS, MAX_TOKEN_DEVICES } from '../tokens/token-details';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PRINCIPAL_TYPES } from '../accounts/account.views';
import { USER_NAME_MAX_LENGTH } from '../accounts/accounts.dto';
import { EMAIL_MAX_LENGTH } from '../accounts/email-address';
import { USER_STATUSES, type UserStatus } from '../accounts/user.entity';
import type { UserView } from '../accounts/user.view';
import { API_USER_NAME_MAX_LENGTH } from '../api-users/api-users.dto';
import { TOKEN_HINT_LENGTH } from '../auth/token-format';
import { GRANTABLE_SCOPES, PERMISSIONS } from '../authorization/permissions';
import { DATE_TIME } from '../common/view-fields';
import { MAX_TOKEN_WORKSPACES } from '../tokens/token.dto';
import { TOKEN_KINDS, type TokenKind } from '../tokens/token.entity';
import { CallerDeviceAccessView } from '../workspaces/caller-access.view';
import { MAX_ROLES_PER_GRANT, ROLE_NAME_MAX, WORKSPACE_NAME_MAX } from '../workspaces/workspace.limits';

export class WhoamiTokenView {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  id: string;

  @ApiProperty({ enum: TOKEN_KINDS })
  kind: TokenKind;

  @ApiProperty({
    minLength: TOKEN_HINT_LENGTH,
    maxLength: TOKEN_HINT_LENGTH,
    example: 'lkp_abcd…wxyz',
    description: 'The first and last characters of the secret, as token lists show them',
  })
  hint: string;

  @ApiProperty({ enum: GRANTABLE_SCOPES, isArray: true, maxItems: GRANTABLE_SCOPES.length, example: ['devices:read'] })
  scopes: string[];

  @ApiProperty({
    ...DATE_TIME,
    nullable: true,
    description: "When the token stops working: the earliest of its expiry, a rotation's end of grace and its parent's; null: never",
  })
  expiresAt: Date | null;

  @ApiProperty({
    type: [String],
    format: 'uuid',
    maxLength: 36,
    maxItems: MAX_TOKEN_WORKSPACES,
    nullable: true,
    description: 'The workspaces the token is restricted to; null: not restricted',
  })
  workspaceIds: string[] | null;

  @ApiProperty({
    type: [String],
    format: 'uuid',
    maxLength: 36,
    maxItems: MAX_TOKEN_DEVICES,
    nullable: true,
    description: "The devices the token is bound to (an exchanged session: its parent's), those that exist; null: not bound",
  })
  deviceIds: string[] | null;

  @ApiProperty({
    type: [String],
    maxLength: CIDR_MAX_LENGTH,
    maxItems: MAX_ALLOWED_CIDRS,
    nullable: true,
    description:
      "The networks the token may be used from (an exchanged session: its parent's); null: any. An API user's own list applies too",
  })
  allowedCidrs: string[] | null;
}

/** UserView (GET /v1/me), every field but the id present only to a token holding account:read. */
export class WhoamiUserView implements Partial<UserView> {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  id: string;

  @ApiPropertyOptional({ format: 'email', maxLength: EMAIL_MAX_LENGTH, description: 'With a token holding account:read (as GET /v1/me)' })
  email?: string;

  @ApiPropertyOptional({ maxLength: USER_NAME_MAX_LENGTH, description: 'With a token holding account:read (as GET /v1/me)' })
  name?: string;

  @ApiPropertyOptional({ enum: USER_STATUSES, description: 'With a token holding account:read (as GET /v1/me)' })
  status?: UserStatus;

  @ApiPropertyOptional({ ...DATE_TIME, nullable: true })
  emailVerifiedAt?: Date | null;

  @ApiPropertyOptional({ description: 'With a token holding account:read (as GET /v1/me)' })
  emailVerified?: boolean;

  @ApiPropertyOptional({
    type: String,
    format: 'email',
    maxLength: EMAIL_MAX_LENGTH,
    nullable: true,
    description: 'With a token holding account:read (as GET /v1/me)',
  })
  pendingEmail?: string | null;

  @ApiPropertyOptional(DATE_TIME)
  createdAt?: Date;

  @ApiPropertyOptional(DATE_TIME)
  updatedAt?: Date;
}

export class WhoamiApiUserView {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  id: string;

  @ApiProperty({ maxLength: API_USER_NAME_MAX_LENGTH })
  name: string;
}

export class WhoamiWorkspaceView {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  id: string;

  @ApiProperty({ maxLength: WORKSPACE_NAME_MAX })
  name: string;
}

export class WhoamiRoleView {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  id: string;

  @ApiProperty({ maxLength: ROLE_NAME_MAX })
  name: string;

  @ApiProperty({
    enum: PERMISSIONS,
    isArray: true,
    maxItems: PERMISSIONS.length,
    description: "What the role grants, sorted (the token's scopes narrow it: see token.scopes)",
  })
  permissions: string[];
}

export class WhoamiView {
  @ApiProperty({ enum: PRINCIPAL_TYPES })
  type: 'user' | 'api_user';

  @ApiPropertyOptional({
    type: WhoamiUserView,
    description: 'For a user: the view GET /v1/me gives when the token holds account:read; only the id otherwise',
  })
  user?: WhoamiUserView;

  @ApiPropertyOptional({ type: WhoamiApiUserView, description: 'For an API user' })
  apiUser?: WhoamiApiUserView;

  @ApiPropertyOptional({ type: WhoamiWorkspaceView, description: 'For an API user: its one workspace' })
  workspace?: WhoamiWorkspaceView;

  @ApiPropertyOptional({
    type: [WhoamiRoleView],
    maxItems: MAX_ROLES_PER_GRANT,
    description: 'For an API user: its roles in its workspace, sorted by name',
  })
  roles?: WhoamiRoleView[];

  @ApiPropertyOptional({
    type: CallerDeviceAccessView,
    description: 'For an API user: the devices it reaches; the ids only to a token holding devices:read there',
  })
  deviceAccess?: CallerDeviceAccessView;

  @ApiProperty({ type: WhoamiTokenView, description: 'The token of this request' })
  token: WhoamiTokenView;
}
