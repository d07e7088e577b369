// What the workspace routes answer: each view class is the schema of the document and the return type
// of the function that builds it, so the two cannot drift apart.
import { ApiProperty, type ApiPropertyOptions, PickType } from '@nestjs/swagger';
import { USER_NAME_MAX_LENGTH } from '../accounts/accounts.dto';
import { EMAIL_MAX_LENGTH } from '../accounts/email-address';
import { TOKEN_HINT_LENGTH, TOKEN_LENGTH } from '../auth/token-format';
import { DEVICE_ACCESS_SCHEMA, type DeviceAccessView, MAX_DEVICES_PER_GRANT } from '../authorization/device-access.dto';
import { accessWithinReach, type DeviceAccess } from '../authorization/device-rules';
import { PERMISSIONS } from '../authorization/permissions';
import { SLUG_MAX_LENGTH } from '../common/dto-fields';
import { UUID_SCHEMA } from '../common/uuid-param';
import { DATE_TIME, nullableRef } from '../common/view-fields';
import { CallerAccessView } from './caller-access.view';
import { NamedDeviceView, NamedRoleView } from './invitation-preview.view';
import {
  invitationDeviceAccess,
  type InvitationRecord,
  type MemberRecord,
  type RoleRecord,
  type WorkspaceRecord,
} from './workspace.records';
import {
  MAX_LIFETIME_DAYS_MAX,
  REVOKE_UNUSED_AFTER_DAYS_MIN,
  MAX_ROLES_PER_GRANT,
  ROLE_DESCRIPTION_MAX,
  ROLE_NAME_MAX,
  WORKSPACE_NAME_MAX,
} from './workspace.limits';

const ROLE_IDS: ApiPropertyOptions = { type: [String], format: 'uuid', maxLength: UUID_SCHEMA.maxLength, maxItems: MAX_ROLES_PER_GRANT };

export class WorkspaceRoleRefView {
  @ApiProperty({ ...UUID_SCHEMA })
  id: string;

  @ApiProperty({ maxLength: ROLE_NAME_MAX })
  name: string;
}

export class TokenPolicyView {
  @ApiProperty({
    type: 'integer',
    nullable: true,
    minimum: 1,
    maximum: MAX_LIFETIME_DAYS_MAX,
    description:
      'The longest lifetime (creation to expiry) a token may have to be accepted here, in days; null: no maximum, never-expiring tokens included',
  })
  maxLifetimeDays: number | null;

  @ApiProperty({ description: 'Whether personal access tokens (lkp_: personal and named) are accepted here' })
  allowPersonalTokens: boolean;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    minimum: REVOKE_UNUSED_AFTER_DAYS_MIN,
    maximum: MAX_LIFETIME_DAYS_MAX,
    description:
      'Tokens reaching the workspace and unused this many days are cut off from it (revoked if they reach only this workspace), after a warning mail a week before; null: never',
  })
  revokeUnusedAfterDays: number | null;
}

export class WorkspaceView {
  @ApiProperty({ ...UUID_SCHEMA })
  id: string;

  @ApiProperty({ maxLength: WORKSPACE_NAME_MAX })
  name: string;

  @ApiProperty({ maxLength: SLUG_MAX_LENGTH })
  slug: string;

  @ApiProperty({ type: TokenPolicyView })
  tokenPolicy: TokenPolicyView;

  @ApiProperty(DATE_TIME)
  createdAt: Date;

  @ApiProperty(DATE_TIME)
  updatedAt: Date;

  @ApiProperty({ type: [WorkspaceRoleRefView], maxItems: MAX_ROLES_PER_GRANT, description: "The caller's roles in the workspace" })
  roles: WorkspaceRoleRefView[];
}

export class WorkspaceWithAccessView extends WorkspaceView {
  @ApiProperty({ type: CallerAccessView, description: 'What the caller may do here' })
  access: CallerAccessView;
}

export function toWorkspaceView(w: WorkspaceRecord, roles: Array<{ id: string; name: string }>): WorkspaceView {
  return {
    id: w.id,
    name: w.name,
    slug: w.slug,
    tokenPolicy: toPolicyView(w),
    createdAt: w.createdAt,
    updatedAt: w.updatedAt,
    roles: roles.map((r) => ({ id: r.id, name: r.name })),
  };
}

export function toPolicyView(
  w: Pick<WorkspaceRecord, 'maxLifetimeDays' | 'allowPersonalTokens' | 'revokeUnusedAfterDays'>,
): TokenPolicyView {
  return { maxLifetimeDays: w.maxLifetimeDays, allowPersonalTokens: w.allowPersonalTokens, revokeUnusedAfterDays: w.revokeUnusedAfterDays };
}

export class RoleView {
  @ApiProperty({ ...UUID_SCHEMA })
  id: string;

  @ApiProperty({ maxLength: ROLE_NAME_MAX })
  name: string;

  @ApiProperty({ type: String, nullable: true, maxLength: ROLE_DESCRIPTION_MAX })
  description: string | null;

  @ApiProperty({ enum: [...PERMISSIONS], isArray: true, maxItems: PERMISSIONS.length, description: 'What the role grants' })
  permissions: string[];

  @ApiProperty({ description: 'One of the built-in roles (owner, admin, member, viewer), which cannot be changed or deleted' })
  builtIn: boolean;

  @ApiProperty(DATE_TIME)
  createdAt: Date;

  @ApiProperty(DATE_TIME)
  updatedAt: Date;
}

export function toRoleView(r: RoleRecord): RoleView {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    permissions: r.permissions,
    builtIn: r.builtIn !== null,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

export class MemberRoleView extends WorkspaceRoleRefView {
  @ApiProperty({ description: 'One of the built-in roles' })
  builtIn: boolean;
}

export class MemberView {
  @ApiProperty({ ...UUID_SCHEMA })
  userId: string;

  @ApiProperty({ format: 'email', maxLength: EMAIL_MAX_LENGTH })
  email: string;

  @ApiProperty({ maxLength: USER_NAME_MAX_LENGTH })
  name: string;

  @ApiProperty({ type: [MemberRoleView], maxItems: MAX_ROLES_PER_GRANT })
  roles: MemberRoleView[];

  @ApiProperty({ ...DEVICE_ACCESS_SCHEMA, description: 'The devices the member reaches here' })
  deviceAccess: DeviceAccessView;

  @ApiProperty(DATE_TIME)
  joinedAt: Date;
}

/** A member as a caller whose device access is `reach` sees it: devices out of its reach are not named. */
export function toMemberView(m: MemberRecord, reach: DeviceAccess): MemberView {
  return {
    userId: m.userId,
    email: m.email,
    name: m.name,
    roles: m.roles.map((r) => ({ id: r.id, name: r.name, builtIn: r.builtIn !== null })),
    deviceAccess: accessWithinReach(reach, m.deviceAccess),
    joinedAt: m.createdAt,
  };
}

export const INVITATION_STATUSES = ['pending', 'accepted', 'declined', 'revoked', 'expired'] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

export function invitationStatus(i: InvitationRecord, now: Date): InvitationStatus {
  if (i.acceptedAt) return 'accepted';
  if (i.revokedAt) return 'revoked';
  if (i.declinedAt) return 'declined';
  return i.expiresAt.getTime() <= now.getTime() ? 'expired' : 'pending';
}

export class InvitationView {
  @ApiProperty({ ...UUID_SCHEMA })
  id: string;

  @ApiProperty({ ...UUID_SCHEMA })
  workspaceId: string;

  @ApiProperty({ format: 'email', maxLength: EMAIL_MAX_LENGTH, description: 'The invited address, in its canonical form' })
  email: string;

  @ApiProperty({
    ...ROLE_IDS,
    description: 'The roles it grants, by id; once it is no longer pending, a role named here may have been deleted',
  })
  roleIds: string[];

  @ApiProperty({
    ...DEVICE_ACCESS_SCHEMA,
    description: 'The devices it grants; devices deleted since drop out on accepting, and an owner gets every device',
  })
  deviceAccess: DeviceAccessView;

  @ApiProperty({ enum: [...INVITATION_STATUSES], description: 'As of this answer: "expired" once expiresAt has passed unanswered' })
  status: InvitationStatus;

  @ApiProperty({
    minLength: TOKEN_HINT_LENGTH,
    maxLength: TOKEN_HINT_LENGTH,
    example: 'lki_AbCd…wXyZ',
    description: 'The first and last characters of its current secret, to recognise it; never usable',
  })
  hint: string;

  @ApiProperty({
    ...UUID_SCHEMA,
    nullable: true,
    description:
      'The user who issued it or last resent it; null when an API user did (both are null on invitations older than the record of inviters)',
  })
  invitedByUserId: string | null;

  @ApiProperty({ ...UUID_SCHEMA, nullable: true, description: 'The API user who issued it or last resent it; null when a user did' })
  invitedByApiUserId: string | null;

  @ApiProperty(DATE_TIME)
  createdAt: Date;

  @ApiProperty({ ...DATE_TIME, description: 'Until when it can be accepted; a resend sets it again' })
  expiresAt: Date;

  @ApiProperty({ ...DATE_TIME, nullable: true, description: 'null: not accepted' })
  acceptedAt: Date | null;

  @ApiProperty({ ...DATE_TIME, nullable: true, description: 'null: not declined (a resend clears it)' })
  declinedAt: Date | null;

  @ApiProperty({ ...DATE_TIME, nullable: true, description: 'null: not revoked' })
  revokedAt: Date | null;

  @ApiProperty({
    description:
      'The caller may change, resend and revoke it: it holds members:manage and could grant every role and device it offers (only owners an offer of the owner role). Asked, not enforced: the routes check again',
  })
  manageable: boolean;
}

/**
 * An invitation as a caller whose device access is `reach` sees it: devices out of its reach are not
 * named. `manageable`: whether that caller may act on it (InvitationsService.list works it out).
 */
export function toInvitationView(i: InvitationRecord, now: Date, reach: DeviceAccess, manageable: boolean): InvitationView {
  const deviceAccess = accessWithinReach(reach, invitationDeviceAccess(i));
  return {
    id: i.id,
    workspaceId: i.workspaceId,
    email: i.email,
    roleIds: i.roleIds,
    deviceAccess,
    status: invitationStatus(i, now),
    hint: i.hint,
    invitedByUserId: i.invitedByUserId,
    invitedByApiUserId: i.invitedByApiUserId,
    createdAt: i.createdAt,
    expiresAt: i.expiresAt,
    acceptedAt: i.acceptedAt,
    declinedAt: i.declinedAt,
    revokedAt: i.revokedAt,
    manageable,
  };
}

/** An invitation as it is issued or resent: the only time its secret is shown. */
export class IssuedInvitationView {
  @ApiProperty({ type: InvitationView })
  invitation: InvitationView;

  @ApiProperty({
    minLength: TOKEN_LENGTH,
    maxLength: TOKEN_LENGTH,
    example: 'lki_0123456789ABCDEFGHIJKLMNOPQRSTUV0a1B2c',
    description: 'The lki_ secret to hand to the invitee (POST /v1/invitations/accept); shown this once, only its hash is kept',
  })
  secret: string;
}

/** The workspace an invitation is for: enough to name it to the invitee. */
export class InvitationWorkspaceView extends PickType(WorkspaceView, ['id', 'name', 'slug'] as const) {}

/** A pending invitation to the caller, with the workspace it is for. */
export class MyInvitationView extends InvitationView {
  @ApiProperty({ type: InvitationWorkspaceView })
  workspace: InvitationWorkspaceView;

  @ApiProperty({ type: [NamedRoleView], maxItems: MAX_ROLES_PER_GRANT, description: 'The roles it grants, by name (in name order)' })
  roles: NamedRoleView[];

  @ApiProperty({
    type: [NamedDeviceView],
    maxItems: MAX_DEVICES_PER_GRANT,
    description:
      'With deviceAccess mode "selected": the devices it grants, by name (devices deleted since are left out); empty with mode "all"',
  })
  devices: NamedDeviceView[];
}

export class AcceptedInvitationView {
  @ApiProperty({ ...UUID_SCHEMA, description: 'The workspace the caller has joined' })
  workspaceId: string;

  @ApiProperty({
    ...nullableRef(MemberView),
    description: 'The new membership, read in the transaction that made it (null only if it could not be read back)',
  })
  member: MemberView | null;
}
