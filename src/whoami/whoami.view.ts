// What GET /v1/whoami answers: the caller itself, described to its own token. Never a secret or a hash.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CallerDeviceAccessView } from '../workspaces/caller-access.view';

export class WhoamiTokenView {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ enum: ['personal', 'named', 'session', 'api_user'] })
  kind: string;

  @ApiProperty({ description: 'The last characters of the secret, as token lists show them' })
  hint: string;

  @ApiProperty({ type: [String], example: ['devices:read'] })
  scopes: string[];

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: "When the token stops working: the earliest of its expiry, a rotation's end of grace and its parent's; null: never",
  })
  expiresAt: Date | null;

  @ApiProperty({ type: [String], nullable: true, description: 'The workspaces the token is restricted to; null: not restricted' })
  workspaceIds: string[] | null;
}

export class WhoamiUserView {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiPropertyOptional({ description: 'With a token holding account:read (as GET /v1/me)' })
  email?: string;

  @ApiPropertyOptional({ description: 'With a token holding account:read (as GET /v1/me)' })
  name?: string;

  @ApiPropertyOptional({ enum: ['active', 'deactivated'], description: 'With a token holding account:read (as GET /v1/me)' })
  status?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  emailVerifiedAt?: Date | null;

  @ApiPropertyOptional({ type: String, format: 'date-time' })
  createdAt?: Date;

  @ApiPropertyOptional({ type: String, format: 'date-time' })
  updatedAt?: Date;
}

export class WhoamiApiUserView {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  name: string;
}

export class WhoamiWorkspaceView {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  name: string;
}

export class WhoamiRoleView {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  name: string;

  @ApiProperty({ type: [String], description: "What the role grants (the token's scopes narrow it: see token.scopes)" })
  permissions: string[];
}

export class WhoamiView {
  @ApiProperty({ enum: ['user', 'api_user'] })
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

  @ApiPropertyOptional({ type: [WhoamiRoleView], description: 'For an API user: its roles in its workspace, sorted by name' })
  roles?: WhoamiRoleView[];

  @ApiPropertyOptional({
    type: CallerDeviceAccessView,
    description: 'For an API user: the devices it reaches; the ids only to a token holding devices:read there',
  })
  deviceAccess?: CallerDeviceAccessView;

  @ApiProperty({ type: WhoamiTokenView, description: 'The token of this request' })
  token: WhoamiTokenView;
}
