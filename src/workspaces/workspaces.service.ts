// Workspaces: create (the creator becomes owner), list, read, change, delete, leave, token policy.
import { Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Actor, AuditLog } from '../audit/audit-log';
import type { Principal, UserPrincipal } from '../auth/principal';
import { ANY_NETWORK, assertCanGrantTo, assertLivesForever } from '../authorization/grants';
import { policyLoosens } from '../authorization/token-policy';
import type { WorkspaceAccess } from '../authorization/workspace-access';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { CallerHold } from '../authorization/caller-hold';
import { WorkspaceWrites } from '../authorization/workspace-writes';
import { Clock } from '../common/clock';
import { MembershipEnd } from './membership-end';
import { slugOf } from '../common/dto-fields';
import { conflict, DomainError, ErrorCode, notFound } from '../common/errors';
import { decodeCursor, type Page, PageQueryDto, pageLimit, toPage } from '../common/pagination';
import { isUniqueViolation } from '../database/database-errors';
import { CreateWorkspaceDto, TokenPolicyDto, UpdateWorkspaceDto } from './workspaces.dto';
import { type TokenPolicyView, toPolicyView, toWorkspaceView, type WorkspaceView } from './workspace.views';
import { WorkspacesRepository } from './workspaces.repository';

@Injectable()
export class WorkspacesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly workspaces: WorkspacesRepository,
    private readonly writes: WorkspaceWrites,
    private readonly callers: CallerHold,
    private readonly audit: AuditLog,
    private readonly membershipEnd: MembershipEnd,
    private readonly clock: Clock,
  ) {}

  async create(user: UserPrincipal, actor: Actor, dto: CreateWorkspaceDto): Promise<WorkspaceView> {
    // A workspace-restricted token never gets here: account:manage routes need an unrestricted one (AccessGuard).
    const name = dto.name.trim();
    // A slug made from the name gets a random suffix when taken; a chosen one that is taken is a 409.
    for (let attempt = 0; ; attempt++) {
      const slug = dto.slug ?? slugFrom(name, attempt > 0);
      try {
        return await this.insertWorkspace(user, actor, name, slug);
      } catch (error) {
        if (!isUniqueViolation(error, 'workspaces_slug_key')) throw error;
        if (dto.slug !== undefined || attempt >= 5) throw conflict(`The slug "${slug}" is taken.`);
      }
    }
  }

  private insertWorkspace(user: UserPrincipal, actor: Actor, name: string, slug: string): Promise<WorkspaceView> {
    const now = this.clock.now();
    const workspace = {
      id: randomUUID(),
      name,
      slug,
      maxLifetimeDays: null,
      allowPersonalTokens: true,
      revokeUnusedAfterDays: null,
      createdAt: now,
      updatedAt: now,
    };
    return this.dataSource.transaction(async (em) => {
      // Its maker held, as every change holds its caller: a token revoked while this waited makes nothing.
      await this.callers.hold(user, actor.ip, em);
      await this.workspaces.insert(workspace, em);
      const roles = await this.workspaces.insertBuiltInRoles(workspace.id, now, em);
      await this.workspaces.insertMembership(
        workspace.id,
        {
          id: randomUUID(),
          userId: user.id,
          apiUserId: null,
          roleIds: [roles.owner],
          deviceAccess: { mode: 'all' },
          at: now,
        },
        em,
      );
      await this.audit.record(em, actor, {
        action: 'workspace.created',
        workspaceId: workspace.id,
        accountId: user.id,
        target: { type: 'workspace', id: workspace.id },
        details: { name, slug },
      });
      return toWorkspaceView(workspace, [{ id: roles.owner, name: 'owner' }]);
    });
  }

  /** A user's workspaces (those its token may see), or an API user's one workspace, in the same shape. */
  async listMine(principal: Principal, query: PageQueryDto): Promise<Page<WorkspaceView>> {
    const limit = pageLimit(query);
    const { workspaceIds, blockedWorkspaceIds } = principal.token;
    const rows = await this.workspaces.listForPrincipal(principal, workspaceIds, blockedWorkspaceIds, decodeCursor(query.cursor), limit);
    const page = toPage(
      rows.map((r) => ({ ...r, createdAt: r.membershipCreatedAt, id: r.membershipId, workspace: r })),
      limit,
      (r) => toWorkspaceView(r.workspace, r.workspace.roles),
    );
    return page;
  }

  async get(access: WorkspaceAccess): Promise<WorkspaceView> {
    const workspace = await this.workspaces.find(access.workspaceId);
    if (!workspace) throw notFound('Workspace');
    const roles = await this.workspaces.findRoles(access.workspaceId, access.roleIds);
    return toWorkspaceView(
      workspace,
      roles.map((r) => ({ id: r.id, name: r.name })),
    );
  }

  async update(caller: WorkspaceCaller, actor: Actor, dto: UpdateWorkspaceDto): Promise<WorkspaceView> {
    const access = await this.writes.run(
      caller,
      actor,
      async ({ em, access, audit }) => {
        await this.workspaces.update(access.workspaceId, { name: dto.name?.trim(), slug: dto.slug, updatedAt: this.clock.now() }, em);
        await audit({
          action: 'workspace.updated',
          target: { type: 'workspace', id: access.workspaceId },
          details: { ...(dto.name !== undefined ? { name: dto.name.trim() } : {}), ...(dto.slug !== undefined ? { slug: dto.slug } : {}) },
        });
        return access;
      },
      { conflicts: { workspaces_slug_key: `The slug "${dto.slug}" is taken.` } },
    );
    return this.get(access);
  }

  async delete(caller: WorkspaceCaller, actor: Actor): Promise<void> {
    await this.writes.runAfter(
      caller,
      actor,
      // The invitations' rows before the workspace's, the order accepting, resending and revoking take
      // them in: an accept holding its invitation while it waits for the workspace would deadlock.
      (em) => this.workspaces.lockInvitations(caller.workspaceId, em),
      async ({ em, access, audit }) => {
        await this.workspaces.delete(access.workspaceId, em);
        await audit({
          action: 'workspace.deleted',
          accountId: access.principal.type === 'user' ? access.principal.id : null,
          target: { type: 'workspace', id: access.workspaceId },
        });
      },
    );
  }

  /**
   * The last owner cannot leave: 409 last_owner, decided under the workspace's lock on the caller's
   * membership as it is then (a leave that waited behind the caller's removal finds nothing: 404).
   */
  async leave(caller: WorkspaceCaller, actor: Actor): Promise<void> {
    if (caller.principal.type !== 'user') throw new DomainError(ErrorCode.Forbidden, 'API users cannot leave their workspace.');
    await this.writes.run(caller, actor, async ({ em, access, audit }) => {
      if (access.isOwner && (await this.workspaces.countOtherActiveOwners(access.workspaceId, access.membershipId, em)) === 0) {
        throw new DomainError(
          ErrorCode.LastOwner,
          'The last active owner cannot leave; make someone else owner first, or delete the workspace.',
        );
      }
      const ended = await this.membershipEnd.end(access.workspaceId, access.membershipId, this.clock.now(), em);
      await audit({
        action: 'member.left',
        accountId: access.principal.id,
        target: { type: 'user', id: access.principal.id },
        details: ended,
      });
    });
  }

  async getPolicy(access: WorkspaceAccess): Promise<TokenPolicyView> {
    const workspace = await this.workspaces.find(access.workspaceId);
    if (!workspace) throw notFound('Workspace');
    return toPolicyView(workspace);
  }

  /** The policy decides which tokens work here: a change of rights, made by an owner as of then. */
  async putPolicy(caller: WorkspaceCaller, actor: Actor, dto: TokenPolicyDto): Promise<TokenPolicyView> {
    return this.writes.run(caller, actor, async ({ em, access, audit }) => {
      // Left out, revokeUnusedAfterDays keeps its value: a client that predates it cannot turn it off unawares.
      const current = await this.workspaces.find(access.workspaceId, em);
      if (!current) throw notFound('Workspace');
      const policy = {
        maxLifetimeDays: dto.maxLifetimeDays,
        allowPersonalTokens: dto.allowPersonalTokens,
        revokeUnusedAfterDays: dto.revokeUnusedAfterDays === undefined ? current.revokeUnusedAfterDays : dto.revokeUnusedAfterDays,
      };
      // Loosened, it lets back tokens it kept out, of any lifetime and usable from any network: as enabling
      // a token or an API user, not for a short-lived or network-bound token to do (review 15a, L1).
      if (policyLoosens(current, policy)) {
        assertLivesForever(access.principal, 'A looser token policy lets back tokens that may never expire');
        assertCanGrantTo(access.principal.token, ANY_NETWORK);
      }
      await this.workspaces.update(access.workspaceId, { ...policy, updatedAt: this.clock.now() }, em);
      await audit({ action: 'workspace.token_policy_changed', target: { type: 'workspace', id: access.workspaceId }, details: policy });
      return toPolicyView(policy);
    });
  }
}

function slugFrom(name: string, withSuffix: boolean): string {
  const base = slugOf(name) || 'workspace';
  return withSuffix ? `${base}-${randomBytes(3).toString('hex')}` : base;
}
