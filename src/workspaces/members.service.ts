// Members of a workspace: list, read, change roles and device access, remove.
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { Actor } from '../audit/audit-log';
import { toDeviceAccess } from '../authorization/device-access.dto';
import {
  ANY_NETWORK,
  assertCanGrantTo,
  assertMayGrantOrTakeOwner,
  assertOwnerReachesAll,
  grantWidens,
  holdingsOfGrant,
  includesOwnerRole,
} from '../authorization/grants';
import type { WorkspaceAccess } from '../authorization/workspace-access';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { WorkspaceWrites } from '../authorization/workspace-writes';
import { Clock } from '../common/clock';
import { MembershipEnd } from './membership-end';
import { DomainError, ErrorCode, notFound } from '../common/errors';
import { decodeCursor, type Page, PageQueryDto, pageLimit, toPage } from '../common/pagination';
import { GrantValidator } from './grant-validator';
import type { MemberRecord } from './workspace.records';
import { type MemberView, toMemberView } from './workspace.views';
import { UpdateMemberDto } from './workspaces.dto';
import { WorkspacesRepository } from './workspaces.repository';

@Injectable()
export class MembersService {
  constructor(
    private readonly workspaces: WorkspacesRepository,
    private readonly grants: GrantValidator,
    private readonly writes: WorkspaceWrites,
    private readonly membershipEnd: MembershipEnd,
    private readonly clock: Clock,
  ) {}

  async list(access: WorkspaceAccess, query: PageQueryDto): Promise<Page<MemberView>> {
    const limit = pageLimit(query);
    const rows = await this.workspaces.listMembers(access.workspaceId, decodeCursor(query.cursor), limit);
    return toPage(rows, limit, (row) => toMemberView(row, access.deviceAccess));
  }

  async get(access: WorkspaceAccess, userId: string): Promise<MemberView> {
    const member = await this.workspaces.findMember(access.workspaceId, userId);
    if (!member) throw notFound('Member');
    return toMemberView(member, access.deviceAccess);
  }

  async update(caller: WorkspaceCaller, actor: Actor, userId: string, dto: UpdateMemberDto): Promise<MemberView> {
    // Changes of members take turns, each on its caller's rights as they are then.
    return this.writes.run(caller, actor, async ({ em, access, audit, assertCanActOn }) => {
      const member = await this.findIn(em, access, userId);
      const held = await assertCanActOn({ type: 'user', id: userId }, 'Member', 'this member');
      const now = this.clock.now();
      let isOwner = held.isOwner;
      const roles = dto.roleIds ? await this.grants.rolesToGrant(access, dto.roleIds, em) : null;
      if (roles) {
        isOwner = includesOwnerRole(roles);
        if (held.isOwner && !isOwner) await this.assertNotLastOwner(em, access, member);
      }
      // An owner reaches every device: refused if asked otherwise, and given when owner is granted.
      const deviceAccess = dto.deviceAccess
        ? toDeviceAccess(dto.deviceAccess)
        : isOwner && held.deviceAccess.mode !== 'all'
          ? ({ mode: 'all' } as const)
          : null;
      if (deviceAccess) assertOwnerReachesAll(isOwner, deviceAccess);
      // A member works from any network: a network-bound token gives no member more than its own grant.
      const own = holdingsOfGrant(
        await this.workspaces.findRoles(
          access.workspaceId,
          member.roles.map((role) => role.id),
          em,
        ),
        member.deviceAccess,
      );
      if (grantWidens(own, roles, deviceAccess)) assertCanGrantTo(access.principal.token, ANY_NETWORK);
      if (dto.roleIds) await this.workspaces.setMembershipRoles(access.workspaceId, member.membershipId, dto.roleIds, em);
      if (deviceAccess) {
        await this.grants.devicesToGrant(access, deviceAccess, em);
        await this.workspaces.setMembershipDevices(access.workspaceId, member.membershipId, deviceAccess, now, em);
      }
      await audit({
        action: 'member.updated',
        accountId: userId,
        target: { type: 'user', id: userId },
        details: { ...(dto.roleIds ? { roleIds: dto.roleIds } : {}), ...(deviceAccess ? { deviceAccess } : {}) },
      });
      // Read in the transaction: the answer shows this change, not a later one, and a removal
      // committed right after cannot turn a change that was made into a 404.
      return toMemberView(await this.findIn(em, access, userId), access.deviceAccess);
    });
  }

  async remove(caller: WorkspaceCaller, actor: Actor, userId: string): Promise<void> {
    await this.writes.run(caller, actor, async ({ em, access, audit, assertCanActOn }) => {
      const member = await this.findIn(em, access, userId);
      const held = await assertCanActOn({ type: 'user', id: userId }, 'Member', 'this member');
      if (held.isOwner) await this.assertNotLastOwner(em, access, member);
      const ended = await this.membershipEnd.end(access.workspaceId, member.membershipId, this.clock.now(), em);
      await audit({ action: 'member.removed', accountId: userId, target: { type: 'user', id: userId }, details: ended });
    });
  }

  private async findIn(em: EntityManager, access: WorkspaceAccess, userId: string): Promise<MemberRecord> {
    const member = await this.workspaces.findMember(access.workspaceId, userId, em);
    if (!member) throw notFound('Member');
    return member;
  }

  /** Taking owner away (demotion or removal) needs an owner, and never leaves the workspace without one. */
  private async assertNotLastOwner(em: EntityManager, access: WorkspaceAccess, member: MemberRecord): Promise<void> {
    assertMayGrantOrTakeOwner(access);
    if ((await this.workspaces.countOtherActiveOwners(access.workspaceId, member.membershipId, em)) === 0) {
      throw new DomainError(ErrorCode.LastOwner, 'A workspace needs at least one owner who can act (an active account).');
    }
  }
}
