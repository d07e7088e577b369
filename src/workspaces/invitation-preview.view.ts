// What the holder of an invitation's link sees before accepting it (POST /v1/invitations/preview).
import { ApiProperty } from '@nestjs/swagger';
import { EMAIL_MAX_LENGTH } from '../accounts/email-address';
import { USER_NAME_MAX_LENGTH } from '../accounts/accounts.dto';
import { DEVICE_ACCESS_MODES, MAX_DEVICES_PER_GRANT } from '../authorization/device-access.dto';
import { UUID_SCHEMA } from '../common/uuid-param';
import { DEVICE_NAME_MAX_LENGTH } from '../devices/devices.dto';
import { DATE_TIME } from '../common/view-fields';
import { MAX_ROLES_PER_GRANT, ROLE_NAME_MAX, WORKSPACE_NAME_MAX } from './workspace.limits';
import { SLUG_MAX_LENGTH } from '../common/dto-fields';

export class InvitationPreviewWorkspaceView {
  @ApiProperty({ maxLength: WORKSPACE_NAME_MAX })
  name: string;

  @ApiProperty({ maxLength: SLUG_MAX_LENGTH })
  slug: string;
}

export class InvitationInviterView {
  @ApiProperty({ enum: ['user', 'api_user'], description: 'A person, or an API user (an integration) of the workspace' })
  type: 'user' | 'api_user';

  @ApiProperty({
    maxLength: USER_NAME_MAX_LENGTH,
    description: "The person's display name or the API user's name (never an email address)",
  })
  name: string;
}

export class NamedRoleView {
  @ApiProperty({ ...UUID_SCHEMA })
  id: string;

  @ApiProperty({ maxLength: ROLE_NAME_MAX })
  name: string;
}

export class NamedDeviceView {
  @ApiProperty({ ...UUID_SCHEMA })
  id: string;

  @ApiProperty({ maxLength: DEVICE_NAME_MAX_LENGTH })
  name: string;
}

export class InvitationPreviewDevicesView {
  @ApiProperty({ enum: [...DEVICE_ACCESS_MODES], description: 'all: every device of the workspace, those added later included' })
  mode: (typeof DEVICE_ACCESS_MODES)[number];

  @ApiProperty({
    type: [NamedDeviceView],
    maxItems: MAX_DEVICES_PER_GRANT,
    description: 'With mode "selected": the devices it grants, by name (devices deleted since are left out); empty with mode "all"',
  })
  devices: NamedDeviceView[];
}

export class InvitationPreviewView {
  @ApiProperty({ type: InvitationPreviewWorkspaceView, description: 'The workspace it invites to' })
  workspace: InvitationPreviewWorkspaceView;

  @ApiProperty({
    type: InvitationInviterView,
    nullable: true,
    description: 'Who sent it (or last resent or changed it); null for invitations older than the record of inviters',
  })
  invitedBy: InvitationInviterView | null;

  @ApiProperty({
    maxLength: EMAIL_MAX_LENGTH,
    example: 'g***@example.com',
    description:
      'The invited address, masked: its first character and its domain. Only the account with this address can accept; the link alone does not tell who it was sent to',
  })
  emailMasked: string;

  @ApiProperty({ type: [NamedRoleView], maxItems: MAX_ROLES_PER_GRANT, description: 'The roles it grants' })
  roles: NamedRoleView[];

  @ApiProperty({ type: InvitationPreviewDevicesView, description: 'The devices it grants' })
  deviceAccess: InvitationPreviewDevicesView;

  @ApiProperty({ ...DATE_TIME, description: 'Until when it can be accepted' })
  expiresAt: Date;
}

/** "grace@example.com" -> "g***@example.com": enough for its owner to recognise, too little to learn it from a leaked link. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at);
  return `${[...local][0] ?? ''}***${email.slice(at)}`;
}
