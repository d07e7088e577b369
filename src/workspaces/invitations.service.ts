// Invitations: an offer of membership to an email address, accepted with its lki_ secret by the
// account with that email. The secret is returned once; only its hash is kept.
import { makerColumns } from '../authorization/made-by';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Mail } from '../mail/mail';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, AuditLog } from '../audit/audit-log';
import type { UserPrincipal } from '../auth/principal';
import { generateToken, hashToken, parseToken, tokenHint } from '../auth/token-format';
import { toDeviceAccess } from '../authorization/device-access.dto';
import { type DeviceAccess, EVERY_DEVICE } from '../authorization/device-rules';
import {
  ANY_NETWORK,
  assertCanGrantDevices,
  assertCanGrantRoles,
  assertCanGrantTo,
  capToGrantor,
  includesOwnerRole,
} from '../authorization/grants';
import { PrincipalRef, WorkspaceAccess, WorkspaceAccessResolver } from '../authorization/workspace-access';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { CallerHold } from '../authorization/caller-hold';
import { WorkspaceWrites } from '../authorization/workspace-writes';
import { Clock } from '../common/clock';
import { conflict, DomainError, ErrorCode, notFound, validationFailed } from '../common/errors';
import { decodeCursor, type Page, PageQueryDto, pageLimit, toPage } from '../common/pagination';
import { isUniqueViolation } from '../database/database-errors';
import { DevicesRepository } from '../devices/devices.repository';
import { GrantValidator } from './grant-validator';
import { InvitationMailLimits } from './invitation-mail-limits';
import { InvitationsRepository } from './invitations.repository';
import { INVITATION_DAYS_DEFAULT } from './workspace.limits';
import type { Permission } from '../authorization/permissions';
import type { InvitationRecord, RoleRecord } from './workspace.records';
import {
  type AcceptedInvitationView,
  type InvitationView,
  invitationStatus,
  type IssuedInvitationView,
  type MyInvitationView,
  toInvitationView,
  toMemberView,
} from './workspace.views';
import { AcceptInvitationDto, CreateInvitationDto, DeclineInvitationDto, ResendInvitationDto } from './workspaces.dto';
import { WorkspacesRepository } from './workspaces.repository';

const DAY_MS = 86_400_000;

/**
 * What issuing, changing, revoking and resending an invitation needs (the routes' rule), and what its
 * inviter must still hold when it is accepted.
 */
export const INVITING_PERMISSION = 'members:manage' satisfies Permission;

@Injectable()
export class InvitationsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly invitations: InvitationsRepository,
    private readonly workspaces: WorkspacesRepository,
    private readonly devices: DevicesRepository,
    private readonly grants: GrantValidator,
    private readonly writes: WorkspaceWrites,
    private readonly callers: CallerHold,
    private readonly resolver: WorkspaceAccessResolver,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly mail: Mail,
    private readonly mailLimits: InvitationMailLimits,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The invitation mail with its accept link, in the transaction that makes (or renews) the secret. */
  private async mailInvitation(em: EntityManager, access: WorkspaceAccess, email: string, secret: string, expiresAt: Date): Promise<void> {
    const context = await this.invitations.mailContext(access.workspaceId, access.principal, em);
    await this.mail.send(em, {
      to: email,
      template: 'invitation',
      data: { ...context, link: this.mail.link(this.config, '/invitations/accept', secret), expiresAt: expiresAt.toISOString() },
    });
  }

  async create(caller: WorkspaceCaller, actor: Actor, dto: CreateInvitationDto): Promise<IssuedInvitationView> {
    const deviceAccess = toDeviceAccess(dto.deviceAccess);
    const email = dto.email; // canonical (EmailAddressField)
    const now = this.clock.now();
    // Invitations of one workspace are created one at a time, so two for one email cannot race past
    // the check, and each grants within what its inviter holds then.
    return this.writes.run(caller, actor, async ({ em, access, audit }) => {
      await this.grants.invitationGrant(access, dto.roleIds, deviceAccess, em);
      if (await this.invitations.memberHasEmail(access.workspaceId, email, em)) throw conflict('This email belongs to a member already.');
      if (await this.invitations.pendingExists(access.workspaceId, email, now, em)) {
        throw conflict('This email has a pending invitation; resend it instead.');
      }
      // Counted last of the checks (a refused request does not count) and before any write (a 429 writes nothing).
      await this.mailLimits.consume(access.workspaceId, email);
      const secret = generateToken('lki_');
      const invitation: InvitationRecord = {
        id: randomUUID(),
        workspaceId: access.workspaceId,
        email,
        roleIds: dto.roleIds,
        deviceAccess: deviceAccess.mode,
        deviceIds: deviceAccess.mode === 'selected' ? deviceAccess.deviceIds : [],
        hint: tokenHint(secret),
        ...inviterOf(access),
        createdAt: now,
        expiresAt: invitationExpiry(access, now, dto.expiresInDays),
        acceptedAt: null,
        acceptedByUserId: null,
        declinedAt: null,
        revokedAt: null,
      };
      await this.invitations.insert(access.workspaceId, invitation, hashToken(secret), em);
      await this.mailInvitation(em, access, email, secret, invitation.expiresAt);
      await audit({
        action: 'member.invited',
        target: { type: 'invitation', id: invitation.id },
        details: { email, roleIds: dto.roleIds, deviceAccess, expiresAt: invitation.expiresAt },
      });
      return { invitation: toInvitationView(invitation, now, access.deviceAccess, true), secret };
    });
  }

  async list(access: WorkspaceAccess, query: PageQueryDto): Promise<Page<InvitationView>> {
    const limit = pageLimit(query);
    const now = this.clock.now();
    const rows = await this.invitations.list(access.workspaceId, decodeCursor(query.cursor), limit);
    const manageable = access.permissions.has(INVITING_PERMISSION) ? await this.grants.invitationsActorCanActOn(access, rows) : new Set();
    return toPage(rows, limit, (i) => toInvitationView(i, now, access.deviceAccess, manageable.has(i.id)));
  }

  async revoke(caller: WorkspaceCaller, actor: Actor, invitationId: string): Promise<void> {
    await this.writes.runAfter(
      caller,
      actor,
      // The invitation's row before the workspace's, as accepting and resending take them.
      (em) => this.lockedInvitation(em, caller, invitationId),
      async ({ em, access, audit }, invitation) => {
        const status = invitationStatus(invitation, this.clock.now());
        if (status === 'accepted') throw conflict('The invitation has been accepted; remove the member instead.');
        if (status === 'revoked') return;
        // Only whoever could grant what it offers takes it back: only owners an owner's (review 10, I3).
        await this.grants.assertCanActOnInvitation(access, invitation, em);
        await this.invitations.mark(access.workspaceId, invitationId, { column: 'revoked_at', at: this.clock.now() }, em);
        await audit({ action: 'invitation.revoked', target: { type: 'invitation', id: invitationId } });
      },
    );
  }

  /**
   * A new secret (the old one dies) and a new expiry, for a pending, expired or declined invitation:
   * a decline is the invitee's answer to that offer, not a ban on asking again. The resender becomes
   * the inviter whose rights the accept checks.
   */
  async resend(caller: WorkspaceCaller, actor: Actor, invitationId: string, dto: ResendInvitationDto): Promise<IssuedInvitationView> {
    return this.writes.runAfter(
      caller,
      actor,
      // The invitation's row before the workspace's: accepting takes them in that order too.
      async (em) => {
        const invitation = await this.lockedInvitation(em, caller, invitationId);
        const now = this.clock.now();
        const status = invitationStatus(invitation, now);
        if (status !== 'pending' && status !== 'expired' && status !== 'declined')
          throw conflict(`An ${status} invitation cannot be resent.`);
        return { invitation, now, status };
      },
      async ({ em, access, audit }, { invitation, now, status }) => {
        if (status !== 'pending' && (await this.invitations.pendingExists(access.workspaceId, invitation.email, now, em))) {
          throw conflict('A newer invitation for this email is pending.');
        }
        // A resend hands out the invitation's grant again: the resender must be able to grant all of it,
        // its device access too (devices deleted since drop out, as they do on accepting).
        assertCanGrantTo(access.principal.token, ANY_NETWORK);
        await this.grants.rolesToGrant(access, invitation.roleIds, em);
        const deviceIds = [...(await this.devices.existing(access.workspaceId, invitation.deviceIds, em))];
        assertCanGrantDevices(access, invitation.deviceAccess === 'all' ? { mode: 'all' } : { mode: 'selected', deviceIds });
        // A decline does not stop resending (above), so what bounds the invitee's mail is this limit.
        await this.mailLimits.consume(access.workspaceId, invitation.email);
        const secret = generateToken('lki_');
        const expiresAt = invitationExpiry(access, now, dto.expiresInDays);
        const renewal = { tokenHash: hashToken(secret), hint: tokenHint(secret), expiresAt, ...inviterOf(access) };
        await this.invitations.renew(access.workspaceId, invitationId, renewal, em);
        await this.mailInvitation(em, access, invitation.email, secret, expiresAt);
        await audit({ action: 'invitation.resent', target: { type: 'invitation', id: invitationId }, details: { expiresAt } });
        return { invitation: toInvitationView({ ...invitation, ...renewal, declinedAt: null }, now, access.deviceAccess, true), secret };
      },
    );
  }

  /** The invitation's row, locked for the rest of the transaction; 404 when it is not in the caller's workspace. */
  private async lockedInvitation(em: EntityManager, caller: WorkspaceCaller, invitationId: string): Promise<InvitationRecord> {
    const invitation = await this.invitations.findLocked(caller.workspaceId, invitationId, em);
    if (!invitation) throw notFound('Invitation');
    return invitation;
  }

  /** Empty until the user has verified the address: registering an address first shows nothing sent to it. */
  async mine(user: UserPrincipal): Promise<Page<MyInvitationView>> {
    const now = this.clock.now();
    const rows = await this.invitations.pendingForVerifiedUser(user.id, now);
    const items: MyInvitationView[] = [];
    for (const row of rows) {
      // Names, for the join page: few invitations are pending for one address at a time.
      const names = await this.invitations.grantNames(row.workspaceId, row.roleIds, row.deviceIds);
      items.push({
        ...toInvitationView(row, now, EVERY_DEVICE, false),
        workspace: { id: row.workspaceId, name: row.workspaceName, slug: row.workspaceSlug },
        roles: names.roles,
        devices: row.deviceAccess === 'selected' ? names.devices : [],
      });
    }
    return { items, nextCursor: null };
  }

  /** Needs the secret AND the invited account. Concurrent accepts make one membership (row lock + unique index). */
  async accept(user: UserPrincipal, actor: Actor, dto: AcceptInvitationDto): Promise<AcceptedInvitationView> {
    if (parseToken(dto.token) !== 'lki_') throw validationFailed('token', 'is not an invitation secret');
    try {
      return await this.dataSource.transaction(async (em) => {
        const invitation = await this.invitations.findByTokenHash(hashToken(dto.token), em);
        if (!invitation) throw notFound('Invitation');
        assertAddressedTo(invitation, user);
        // Owning the address is what an invitation by email asks: an account that registered it without
        // proving it (someone else's address, taken first) joins nothing, secret or not.
        if (!(await this.invitations.holdsVerified(user.id, invitation.email, em))) {
          throw new DomainError(ErrorCode.Forbidden, 'Verify your email address first (POST /v1/me/email-verification sends the link).');
        }
        const now = this.clock.now();
        const status = invitationStatus(invitation, now);
        if (status !== 'pending') throw conflict(`The invitation is ${status}.`);
        // The workspace's lock after the invitation's row (the order revoking and resending take them):
        // a removal or demotion of the inviter is either seen here or waits for this accept.
        await this.writes.lock(invitation.workspaceId, em);
        // Then the invitee's token, as every change holds its caller: revoked while this waited, it joins nothing.
        await this.callers.hold(user, actor.ip, em);
        const roles = await this.workspaces.findRoles(invitation.workspaceId, invitation.roleIds, em);
        if (roles.length !== invitation.roleIds.length) throw conflict('A role of this invitation was deleted; ask for a new invitation.');
        const existing = await this.workspaces.findMember(invitation.workspaceId, user.id, em);
        if (existing) throw conflict('You are a member of this workspace already.');
        // Devices deleted since the invitation simply drop out of the selection.
        const deviceIds = [...(await this.devices.existing(invitation.workspaceId, invitation.deviceIds, em))];
        // An owner reaches every device (assertOwnerReachesAll), whatever an older invitation says.
        const ownerInvited = includesOwnerRole(roles);
        const deviceAccess: DeviceAccess =
          invitation.deviceAccess === 'all' || ownerInvited ? { mode: 'all' } : { mode: 'selected', deviceIds };
        await this.assertInviterStillGrants(em, invitation, roles, deviceAccess);
        await this.workspaces.insertMembership(
          invitation.workspaceId,
          {
            id: randomUUID(),
            userId: user.id,
            apiUserId: null,
            roleIds: invitation.roleIds,
            deviceAccess,
            at: now,
          },
          em,
        );
        await this.invitations.mark(invitation.workspaceId, invitation.id, { column: 'accepted_at', at: now, userId: user.id }, em);
        await this.audit.record(em, actor, {
          action: 'member.joined',
          workspaceId: invitation.workspaceId,
          accountId: user.id,
          target: { type: 'invitation', id: invitation.id },
        });
        const member = await this.workspaces.findMember(invitation.workspaceId, user.id, em);
        return { workspaceId: invitation.workspaceId, member: member ? toMemberView(member, EVERY_DEVICE) : null };
      });
    } catch (error) {
      if (isUniqueViolation(error, 'memberships_workspace_user_key')) throw conflict('You are a member of this workspace already.');
      throw error;
    }
  }

  /**
   * With the invitation's secret, or without it once the user has verified the invited address: an
   * account that merely registered the address first cannot turn the real person's invitations down.
   * Anything else reads as an unknown invitation.
   */
  async decline(user: UserPrincipal, actor: Actor, invitationId: string, dto: DeclineInvitationDto): Promise<void> {
    if (dto.token !== undefined && parseToken(dto.token) !== 'lki_') throw validationFailed('token', 'is not an invitation secret');
    await this.dataSource.transaction(async (em) => {
      const invitation =
        dto.token === undefined
          ? await this.invitations.findForVerifiedUser(invitationId, user.id, em)
          : await this.invitations.findByTokenHash(hashToken(dto.token), em);
      if (!invitation || invitation.id !== invitationId) throw notFound('Invitation');
      assertAddressedTo(invitation, user);
      const status = invitationStatus(invitation, this.clock.now());
      if (status !== 'pending') throw conflict(`The invitation is ${status}.`);
      await this.callers.hold(user, actor.ip, em);
      await this.invitations.mark(invitation.workspaceId, invitation.id, { column: 'declined_at', at: this.clock.now() }, em);
      await this.audit.record(em, actor, {
        action: 'invitation.declined',
        workspaceId: invitation.workspaceId,
        accountId: user.id,
        target: { type: 'invitation', id: invitation.id },
      });
    });
  }

  /**
   * An invitation grants what its inviter could grant when it is accepted, not only when it was sent
   * (L2): the inviter (user or API user) must still be active and a member, and able to grant its roles
   * and devices under the rules of creation (grants.ts), on the rights its roles give now. Every
   * way of losing rights (removal, demotion, narrowed devices, deactivation, disabling, deletion) is
   * covered because the rights are read again here, under the workspace's lock.
   */
  private async assertInviterStillGrants(
    em: EntityManager,
    invitation: InvitationRecord,
    roles: RoleRecord[],
    deviceAccess: DeviceAccess,
  ): Promise<void> {
    const lapsed = () => conflict('Whoever invited you can no longer grant this invitation; ask for a new one.');
    const inviter = inviterRef(invitation);
    if (!inviter || !(await this.invitations.inviterActive(invitation, em))) throw lapsed();
    // What its roles give it now, whatever token it sent the invitation with (that token's scopes bounded it then).
    const held = await this.resolver.holdings(inviter, invitation.workspaceId, em);
    if (!held) throw lapsed();
    // Inviting at all, too: an inviter that lost members:manage (demoted to member, say) invites nobody (review 10, I1).
    if (!held.permissions.has(INVITING_PERMISSION)) throw lapsed();
    try {
      assertCanGrantRoles(held, roles);
      assertCanGrantDevices(held, deviceAccess);
    } catch (error) {
      if (error instanceof DomainError) throw lapsed();
      throw error;
    }
  }
}

/** Accepting and declining are for the invited address only, compared in its canonical form. */
function assertAddressedTo(invitation: InvitationRecord, user: UserPrincipal): void {
  if (invitation.email !== user.email) throw new DomainError(ErrorCode.Forbidden, 'This invitation is for another email address.');
}

/** The inviter, as an invitation records it: the user or API user, and the token it acted with (made-by.ts). */
export function inviterOf(access: WorkspaceAccess): Pick<InvitationRecord, 'invitedByUserId' | 'invitedByApiUserId' | 'invitedByTokenId'> {
  const [invitedByUserId, invitedByApiUserId, invitedByTokenId] = makerColumns(access.principal);
  return { invitedByUserId, invitedByApiUserId, invitedByTokenId };
}

/** The inviting user or API user; null for an invitation made before inviters were recorded. */
function inviterRef(invitation: InvitationRecord): PrincipalRef | null {
  if (invitation.invitedByUserId) return { type: 'user', id: invitation.invitedByUserId };
  if (invitation.invitedByApiUserId) return { type: 'api_user', id: invitation.invitedByApiUserId };
  return null;
}

/**
 * An invitation carries an `lki_` token, and a token never makes one that outlives it (SPEC 3): the
 * inviter's token caps the expiry (a login session does not: it stands for a fresh password check).
 * Without the cap, a minute-long session could hand out a month-long offer of ownership.
 */
function invitationExpiry(access: WorkspaceAccess, now: Date, days: number | undefined): Date {
  return capInvitationExpiry(access, new Date(now.getTime() + (days ?? INVITATION_DAYS_DEFAULT) * DAY_MS));
}

/** `wanted`, or the inviter's token's own expiry when that comes first (a change of grant makes its caller the inviter too). */
export function capInvitationExpiry(access: WorkspaceAccess, wanted: Date): Date {
  return capToGrantor(access.principal, wanted) ?? wanted;
}
