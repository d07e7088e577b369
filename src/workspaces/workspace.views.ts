import type { DeviceAccess } from '../authorization/device-rules';
import type { InvitationRecord, MemberRecord, RoleRecord, WorkspaceRecord } from './workspace.records';

export function toWorkspaceView(w: WorkspaceRecord, roles?: Array<{ id: string; name: string }>) {
  return {
    id: w.id,
    name: w.name,
    slug: w.slug,
    tokenPolicy: toPolicyView(w),
    createdAt: w.createdAt,
    updatedAt: w.updatedAt,
    ...(roles ? { roles } : {}),
  };
}

export function toPolicyView(w: Pick<WorkspaceRecord, 'maxLifetimeDays' | 'allowPersonalTokens'>) {
  return { maxLifetimeDays: w.maxLifetimeDays, allowPersonalTokens: w.allowPersonalTokens };
}

export function toRoleView(r: RoleRecord) {
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

export function toMemberView(m: MemberRecord) {
  return {
    userId: m.userId,
    email: m.email,
    name: m.name,
    roles: m.roles.map((r) => ({ id: r.id, name: r.name, builtIn: r.builtIn !== null })),
    deviceAccess: m.deviceAccess,
    joinedAt: m.createdAt,
  };
}

export type InvitationStatus = 'pending' | 'accepted' | 'declined' | 'revoked' | 'expired';

export function invitationStatus(i: InvitationRecord, now: Date): InvitationStatus {
  if (i.acceptedAt) return 'accepted';
  if (i.revokedAt) return 'revoked';
  if (i.declinedAt) return 'declined';
  return i.expiresAt.getTime() <= now.getTime() ? 'expired' : 'pending';
}

export function toInvitationView(i: InvitationRecord, now: Date) {
  const deviceAccess: DeviceAccess = i.deviceAccess === 'all' ? { mode: 'all' } : { mode: 'selected', deviceIds: i.deviceIds };
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
  };
}
