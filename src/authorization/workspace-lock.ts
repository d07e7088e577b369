// The workspace's row lock, and the caller's rights read again under it. A write in a workspace
// decides on what its caller holds once the lock is taken, not on what the guard resolved before:
// one that waited behind the removal or demotion of its own caller does not act on the lost rights.
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { notFound } from '../common/errors';
import { requireId } from '../tokens/tokens.repository';
import { assertCanActOn, Holdings } from './grants';
import { assertWorkspaceRule, WorkspaceRule } from './permissions';
import { PrincipalRef, WorkspaceAccess, WorkspaceAccessResolver } from './workspace-access';

@Injectable()
export class WorkspaceLock {
  constructor(private readonly resolver: WorkspaceAccessResolver) {}

  /**
   * Takes the workspace's row lock for the rest of the transaction, then reads the caller's access
   * again, past the cache: 404 when the caller is gone (as for anyone outside), 403 without `needs`
   * (the route's rule, judged again on the rights read under the lock).
   *
   * Writes of one workspace take turns. The lock is exclusive on purpose: with a shared one for the
   * writes that change nobody's rights, PostgreSQL lets each new shared request in past a waiting
   * exclusive one, and a steady stream of writes by a member held off that member's removal.
   */
  async acquire(em: EntityManager, request: WorkspaceAccess, needs: WorkspaceRule): Promise<WorkspaceAccess> {
    await this.lock(em, request.workspaceId);
    const access = await this.resolver.current(request, em);
    assertWorkspaceRule(access, needs);
    return access;
  }

  /**
   * The workspace's row lock alone, for a write that has no caller in the workspace to re-read (an
   * invitee accepting). 404 when the workspace is gone.
   */
  async lock(em: EntityManager, workspaceId: string): Promise<void> {
    const rows = await em.query(`SELECT id FROM workspaces WHERE id = $1 FOR UPDATE`, [requireId(workspaceId)]);
    if (rows.length === 0) throw notFound('Workspace');
  }

  /**
   * What another principal of the workspace holds, read in the same transaction after acquire(), so
   * both sides' rights are as they are under the lock; the caller must hold all of it (assertCanActOn).
   * 404 `resource` when the principal is not in the workspace; `what` names it in a 403.
   */
  async assertCanActOn(em: EntityManager, access: WorkspaceAccess, target: PrincipalRef, resource: string, what: string): Promise<Holdings> {
    const held = await this.resolver.holdings(target, access.workspaceId, em);
    if (!held) throw notFound(resource);
    assertCanActOn(access, held, what);
    return held;
  }
}
