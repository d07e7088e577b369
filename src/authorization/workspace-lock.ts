// The workspace's row lock, and the caller's rights read again under it. A write in a workspace
// decides on what its caller holds once the lock is taken, not on what the guard resolved before:
// one that waited behind the removal or demotion of its own caller does not act on the lost rights.
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DomainError, ErrorCode, notFound } from '../common/errors';
import { requireId } from '../tokens/tokens.repository';
import type { Permission } from './permissions';
import { assertPermission, WorkspaceAccess, WorkspaceAccessResolver } from './workspace-access';

/** What the write needs of its caller: the route's rule, checked again on the rights read under the lock. */
export interface CallerNeeds {
  permission?: Permission;
  ownerOnly?: boolean;
}

@Injectable()
export class WorkspaceLock {
  constructor(private readonly resolver: WorkspaceAccessResolver) {}

  /**
   * One at a time per workspace: for changes of who may do what (memberships, a role's permissions,
   * API users, device grants, the token policy, the workspace itself), and for writes that must take
   * turns with their own kind (one pending invitation per email, the last owner).
   */
  exclusive(em: EntityManager, request: WorkspaceAccess, needs: CallerNeeds): Promise<WorkspaceAccess> {
    return this.take(em, request, needs, 'UPDATE');
  }

  /**
   * Side by side with each other, but never while an exclusive change is under way: for writes that
   * depend on the caller's rights and change nobody's. The transaction must not go on to lock or
   * update the workspace row exclusively: two that did would wait for each other.
   */
  shared(em: EntityManager, request: WorkspaceAccess, needs: CallerNeeds): Promise<WorkspaceAccess> {
    return this.take(em, request, needs, 'SHARE');
  }

  private async take(em: EntityManager, request: WorkspaceAccess, needs: CallerNeeds, strength: 'UPDATE' | 'SHARE'): Promise<WorkspaceAccess> {
    const rows = await em.query(`SELECT id FROM workspaces WHERE id = $1 FOR ${strength}`, [requireId(request.workspaceId)]);
    if (rows.length === 0) throw notFound('Workspace');
    // Gone is 404, as for anyone outside the workspace; demoted is 403, as the guard would answer now.
    const access = await this.resolver.current(request, em);
    if (needs.ownerOnly && !access.isOwner) throw new DomainError(ErrorCode.Forbidden, 'Only owners of this workspace may do this.');
    if (needs.permission) assertPermission(access, needs.permission);
    return access;
  }
}
