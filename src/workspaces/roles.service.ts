// Roles of a workspace: the four built-in ones (read-only) and custom ones.
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import type { Actor } from '../audit/audit-log';
import { ANY_NETWORK, assertCanActOn, assertCanDefinePermissions, assertCanGrantTo } from '../authorization/grants';
import type { WorkspaceAccess } from '../authorization/workspace-access';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { WorkspaceWrites } from '../authorization/workspace-writes';
import { Clock } from '../common/clock';
import { conflict, DomainError, ErrorCode, notFound } from '../common/errors';
import type { Page } from '../common/pagination';
import { CreateRoleDto, UpdateRoleDto } from './workspaces.dto';
import type { RoleRecord } from './workspace.records';
import { type RoleView, toRoleView } from './workspace.views';
import { WorkspacesRepository } from './workspaces.repository';
import { MAX_ROLES_PER_WORKSPACE } from './workspace.limits';
import { sameMembers } from '../common/same-members';

@Injectable()
export class RolesService {
  constructor(
    private readonly workspaces: WorkspacesRepository,
    private readonly writes: WorkspaceWrites,
    private readonly clock: Clock,
  ) {}

  async list(access: WorkspaceAccess): Promise<Page<RoleView>> {
    return { items: (await this.workspaces.listRoles(access.workspaceId)).map(toRoleView), nextCursor: null };
  }

  async get(access: WorkspaceAccess, roleId: string): Promise<RoleView> {
    return toRoleView(await this.find(access, roleId));
  }

  async create(caller: WorkspaceCaller, actor: Actor, dto: CreateRoleDto): Promise<RoleView> {
    const now = this.clock.now();
    const role = {
      id: randomUUID(),
      name: dto.name.trim(),
      description: dto.description ?? null,
      permissions: dto.permissions,
      builtIn: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.writes.run(
      caller,
      actor,
      async ({ em, access, audit }) => {
        assertCanDefinePermissions(access, dto.permissions);
        // Counted under the workspace's lock: two creations at once cannot both pass the cap.
        if ((await this.workspaces.countRoles(access.workspaceId, em)) >= MAX_ROLES_PER_WORKSPACE) {
          throw conflict(`A workspace holds at most ${MAX_ROLES_PER_WORKSPACE} roles, the built-in ones included; delete one first.`);
        }
        await this.workspaces.insertRole(access.workspaceId, role, em);
        await audit({
          action: 'role.created',
          target: { type: 'role', id: role.id },
          details: { name: role.name, permissions: role.permissions },
        });
      },
      { conflicts: nameTaken(role.name) },
    );
    return toRoleView({ ...role, workspaceId: caller.workspaceId });
  }

  async update(caller: WorkspaceCaller, actor: Actor, roleId: string, dto: UpdateRoleDto): Promise<RoleView> {
    const updated = await this.writes.run(
      caller,
      actor,
      async ({ em, access, audit }) => {
        const role = await this.find(access, roleId, em);
        this.assertCustom(role);
        // Changing a role changes what everyone holding it may do: the editor must hold both old and new permissions.
        assertCanDefinePermissions(access, [...role.permissions, ...(dto.permissions ?? [])]);
        // And, as for changing a member (assertCanActOn), every right of those it narrows or widens.
        if (dto.permissions && !sameMembers(dto.permissions, role.permissions)) {
          assertCanActOn(access, await this.workspaces.roleHoldings(access.workspaceId, roleId, em), 'the holders of this role');
          // Wider, it is wider for members and invitees too, who work from any network.
          if (dto.permissions.some((permission) => !role.permissions.includes(permission))) {
            assertCanGrantTo(access.principal.token, ANY_NETWORK);
          }
        }
        const changed = {
          name: dto.name?.trim() ?? role.name,
          description: dto.description === undefined ? role.description : dto.description,
          permissions: dto.permissions ?? role.permissions,
          updatedAt: this.clock.now(),
        };
        await this.workspaces.updateRole(access.workspaceId, roleId, changed, em);
        await audit({
          action: 'role.updated',
          target: { type: 'role', id: roleId },
          details: { name: changed.name, permissions: changed.permissions },
        });
        return { ...role, ...changed };
      },
      { conflicts: nameTaken(dto.name?.trim() ?? '') },
    );
    return toRoleView(updated);
  }

  /** Under the lock, no invitation (which names roles without a foreign key) can pick the role up between the check and the delete. */
  async delete(caller: WorkspaceCaller, actor: Actor, roleId: string): Promise<void> {
    await this.writes.run(caller, actor, async ({ em, access, audit }) => {
      const role = await this.find(access, roleId, em);
      this.assertCustom(role);
      assertCanDefinePermissions(access, role.permissions);
      if (await this.workspaces.roleInUse(access.workspaceId, roleId, this.clock.now(), em)) {
        throw conflict('The role is still assigned to a member, an API user, a team or a pending invitation.');
      }
      try {
        await this.workspaces.deleteRole(access.workspaceId, roleId, em);
      } catch (error) {
        // Assigned between the check and the delete: the foreign key refuses it.
        if ((error as { driverError?: { code?: string } }).driverError?.code === '23503') throw conflict('The role is still assigned.');
        throw error;
      }
      await audit({ action: 'role.deleted', target: { type: 'role', id: roleId }, details: { name: role.name } });
    });
  }

  private async find(access: WorkspaceAccess, roleId: string, em?: EntityManager): Promise<RoleRecord> {
    const role = await this.workspaces.findRole(access.workspaceId, roleId, em);
    if (!role) throw notFound('Role');
    return role;
  }

  private assertCustom(role: RoleRecord): void {
    if (role.builtIn !== null) throw new DomainError(ErrorCode.Forbidden, 'Built-in roles cannot be changed or deleted.');
  }
}

function nameTaken(name: string) {
  return { roles_workspace_name_key: `A role named "${name}" exists already.` };
}
