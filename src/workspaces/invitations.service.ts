// Invitations: an offer of membership to an email address, accepted with its lki_ secret by the
// account with that email. The secret is returned once; only its hash is kept.
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Actor, AuditLog } from '../audit/audit-log';
import type { UserPrincipal } from '../auth/principal';
import { generateToken, hashToken, parseToken, tokenHint } from '../auth/token-format';
import { toDeviceAccess } from '../authorization/device-access';
import { assertCanGrantDevices, assertOwnerReachesAll } from '../authorization/role-grants';
import type { WorkspaceAccess } from '../authorization/workspace-access';
import { WorkspaceLock } from '../authorization/workspace-lock';
import { Clock } from '../common/clock';
import { conflict, DomainError, ErrorCode, notFound, validationFailed } from '../common/errors';
import { decodeCursor, PageQueryDto, pageLimit, toPage } from '../common/pagination';
import { isUniqueViolation } from '../database/database-errors';
import { DevicesRepository } from '../devices/devices.repository';
import { GrantValidator } from './grant-validator';
import { InvitationsRepository } from './invitations.repository';
import type { InvitationRecord } from './workspace.records';
import { invitationStatus, toInvitationView, toMemberView } from './workspace.views';
import { AcceptInvitationDto, CreateInvitationDto, ResendInvitationDto } from './workspaces.dto';
import { WorkspacesRepository } from './workspaces.repository';

const DAY_MS = 86_400_000;
const DEFAULT_DAYS = 7;

@Injectable()
export class InvitationsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly invitations: InvitationsRepository,
    private readonly workspaces: WorkspacesRepository,
    private readonly devices: DevicesRepository,
    private readonly grants: GrantValidator,
    private readonly workspaceLock: WorkspaceLock,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  async create(request: WorkspaceAccess, actor: Actor, dto: CreateInvitationDto) {
    const deviceAccess = toDeviceAccess(dto.deviceAccess);
    const email = dto.email.trim();
    const now = this.clock.now();
    return this.dataSource.transaction(async (em) => {
      // Invitations of one workspace are created one at a time, so two for one email cannot race past
      // the check, and each grants within what its inviter holds then.
      const access = await this.workspaceLock.acquire(em, request, { permission: 'members:manage' });
      const roles = await this.grants.rolesToGrant(access, dto.roleIds, em);
      assertOwnerReachesAll(roles.some((r) => r.builtIn === 'owner'), deviceAccess);
      await this.grants.devicesToGrant(access, deviceAccess, em);
      const alreadyMember = await em.query(
        `SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.workspace_id = $1 AND lower(u.email) = lower($2)`,
        [access.workspaceId, email],
      );
      if (alreadyMember.length > 0) throw conflict('This email belongs to a member already.');
      if (await this.invitations.pendingExists(em, access.workspaceId, email, now)) {
        throw conflict('This email has a pending invitation; resend it instead.');
      }
      const secret = generateToken('lki_');
      const invitation: InvitationRecord = {
        id: randomUUID(),
        workspaceId: access.workspaceId,
        email,
        roleIds: dto.roleIds,
        deviceAccess: deviceAccess.mode,
        deviceIds: deviceAccess.mode === 'selected' ? deviceAccess.deviceIds : [],
        hint: tokenHint(secret),
        invitedByUserId: access.principal.type === 'user' ? access.principal.id : null,
        createdAt: now,
        expiresAt: new Date(now.getTime() + (dto.expiresInDays ?? DEFAULT_DAYS) * DAY_MS),
        acceptedAt: null,
        acceptedByUserId: null,
        declinedAt: null,
        revokedAt: null,
      };
      await this.invitations.insert(em, access.workspaceId, invitation, hashToken(secret));
      await this.audit.record(em, actor, {
        action: 'member.invited',
        workspaceId: access.workspaceId,
        target: { type: 'invitation', id: invitation.id },
        details: { email, roleIds: dto.roleIds, deviceAccess, expiresAt: invitation.expiresAt },
      });
      return { invitation: toInvitationView(invitation, now), secret };
    });
  }

  async list(access: WorkspaceAccess, query: PageQueryDto) {
    const limit = pageLimit(query);
    const now = this.clock.now();
    const rows = await this.invitations.list(access.workspaceId, decodeCursor(query.cursor), limit);
    return toPage(rows, limit, (i) => toInvitationView(i, now));
  }

  async revoke(request: WorkspaceAccess, actor: Actor, invitationId: string): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      // The invitation's row before the workspace's, as accepting and resending take them.
      const invitation = await this.invitations.find(request.workspaceId, invitationId, em, true);
      if (!invitation) throw notFound('Invitation');
      const access = await this.workspaceLock.acquire(em, request, { permission: 'members:manage' });
      const status = invitationStatus(invitation, this.clock.now());
      if (status === 'accepted') throw conflict('The invitation has been accepted; remove the member instead.');
      if (status === 'revoked') return;
      await this.invitations.mark(em, access.workspaceId, invitationId, 'revoked_at', this.clock.now());
      await this.audit.record(em, actor, { action: 'invitation.revoked', workspaceId: access.workspaceId, target: { type: 'invitation', id: invitationId } });
    });
  }

  /** A new secret (the old one dies) and a new expiry, for a pending or expired invitation. */
  async resend(request: WorkspaceAccess, actor: Actor, invitationId: string, dto: ResendInvitationDto) {
    return this.dataSource.transaction(async (em) => {
      // The invitation's row before the workspace's: accepting takes them in that order too.
      const invitation = await this.invitations.find(request.workspaceId, invitationId, em, true);
      if (!invitation) throw notFound('Invitation');
      const now = this.clock.now();
      const status = invitationStatus(invitation, now);
      if (status !== 'pending' && status !== 'expired') throw conflict(`An ${status} invitation cannot be resent.`);
      const access = await this.workspaceLock.acquire(em, request, { permission: 'members:manage' });
      if (status === 'expired' && (await this.invitations.pendingExists(em, access.workspaceId, invitation.email, now))) {
        throw conflict('A newer invitation for this email is pending.');
      }
      // A resend hands out the invitation's grant again: the resender must be able to grant all of it,
      // its device access too (devices deleted since drop out, as they do on accepting).
      await this.grants.rolesToGrant(access, invitation.roleIds, em);
      const deviceIds = [...(await this.devices.existing(access.workspaceId, invitation.deviceIds, em))];
      assertCanGrantDevices(access, invitation.deviceAccess === 'all' ? { mode: 'all' } : { mode: 'selected', deviceIds });
      const secret = generateToken('lki_');
      const expiresAt = new Date(now.getTime() + (dto.expiresInDays ?? DEFAULT_DAYS) * DAY_MS);
      await this.invitations.renew(em, access.workspaceId, invitationId, hashToken(secret), tokenHint(secret), expiresAt);
      await this.audit.record(em, actor, { action: 'invitation.resent', workspaceId: access.workspaceId, target: { type: 'invitation', id: invitationId }, details: { expiresAt } });
      return { invitation: toInvitationView({ ...invitation, hint: tokenHint(secret), expiresAt }, now), secret };
    });
  }

  async mine(user: UserPrincipal) {
    const now = this.clock.now();
    const rows = await this.invitations.pendingForEmail(user.email, now);
    return {
      items: rows.map((row) => ({ ...toInvitationView(row, now), workspace: { id: row.workspaceId, name: row.workspaceName, slug: row.workspaceSlug } })),
      nextCursor: null,
    };
  }

  /** Needs the secret AND the invited account. Concurrent accepts make one membership (row lock + unique index). */
  async accept(user: UserPrincipal, actor: Actor, dto: AcceptInvitationDto) {
    if (parseToken(dto.token) !== 'lki_') throw validationFailed('token', 'is not an invitation secret');
    try {
      return await this.dataSource.transaction(async (em) => {
        const invitation = await this.invitations.findByTokenHash(em, hashToken(dto.token));
        if (!invitation) throw notFound('Invitation');
        if (invitation.email.toLowerCase() !== user.email.toLowerCase()) {
          throw new DomainError(ErrorCode.Forbidden, 'This invitation is for another email address.');
        }
        const now = this.clock.now();
        const status = invitationStatus(invitation, now);
        if (status !== 'pending') throw conflict(`The invitation is ${status}.`);
        const roles = await this.workspaces.findRoles(invitation.workspaceId, invitation.roleIds, em);
        if (roles.length !== invitation.roleIds.length) throw conflict('A role of this invitation was deleted; ask for a new invitation.');
        const existing = await this.workspaces.findMember(invitation.workspaceId, user.id, em);
        if (existing) throw conflict('You are a member of this workspace already.');
        // Devices deleted since the invitation simply drop out of the selection.
        const deviceIds = [...(await this.devices.existing(invitation.workspaceId, invitation.deviceIds, em))];
        await this.workspaces.insertMembership(em, invitation.workspaceId, {
          id: randomUUID(),
          userId: user.id,
          apiUserId: null,
          roleIds: invitation.roleIds,
          // An owner reaches every device (assertOwnerReachesAll), whatever an older invitation says.
          deviceAccess: invitation.deviceAccess === 'all' || roles.some((r) => r.builtIn === 'owner') ? { mode: 'all' } : { mode: 'selected', deviceIds },
          at: now,
        });
        await this.invitations.mark(em, invitation.workspaceId, invitation.id, 'accepted_at', now, user.id);
        await this.audit.record(em, actor, {
          action: 'member.joined',
          workspaceId: invitation.workspaceId,
          accountId: user.id,
          target: { type: 'invitation', id: invitation.id },
        });
        const member = await this.workspaces.findMember(invitation.workspaceId, user.id, em);
        return { workspaceId: invitation.workspaceId, member: member ? toMemberView(member) : null };
      });
    } catch (error) {
      if (isUniqueViolation(error, 'memberships_workspace_user_key')) throw conflict('You are a member of this workspace already.');
      throw error;
    }
  }

  async decline(user: UserPrincipal, actor: Actor, invitationId: string): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      const invitation = await this.invitations.findForEmail(em, invitationId, user.email);
      if (!invitation) throw notFound('Invitation');
      const status = invitationStatus(invitation, this.clock.now());
      if (status !== 'pending') throw conflict(`The invitation is ${status}.`);
      await this.invitations.mark(em, invitation.workspaceId, invitation.id, 'declined_at', this.clock.now());
      await this.audit.record(em, actor, {
        action: 'invitation.declined',
        workspaceId: invitation.workspaceId,
        accountId: user.id,
        target: { type: 'invitation', id: invitation.id },
      });
    });
  }
}
