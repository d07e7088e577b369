// Every write in a workspace goes through one runner: the transaction, the workspace's row lock, the
// caller's token and owner held (CallerHold) and its rights read again under it and held to the rule the
// caller was admitted under, an audit recorder bound to the actor and the workspace, and the named
// unique indexes answered as 409. A write decides on what its caller holds once the lock is taken, not
// on what the guard resolved before: one that waited behind the removal or demotion of its own caller,
// the revocation or cut-off of its token or the disabling of its API user does not act on lost rights,
// and one of those that comes while the write runs waits for it.
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, AuditEntry, AuditLog } from '../audit/audit-log';
import { conflict, notFound } from '../common/errors';
import { isUniqueViolation } from '../database/database-errors';
import { transactionRetryingCollisions } from '../database/transactions';
import { requireId } from '../database/workspace-scoped';
import { CallerHold } from './caller-hold';
import { assertCanActOn, Holdings } from './grants';
import { PrincipalRef, WorkspaceAccess, WorkspaceAccessResolver } from './workspace-access';
import { assertWorkspaceRule } from './permissions';
import type { WorkspaceCaller } from './workspace-caller';

/** What a write's work is handed: its transaction, the caller's access under the lock, and its audit. */
export interface WorkspaceWrite {
  readonly em: EntityManager;
  /** The caller's access read under the lock, past the cache; it met the caller's rule. */
  readonly access: WorkspaceAccess;
  /** Records an event of this workspace, by the write's actor, in the write's transaction. */
  audit(entry: Omit<AuditEntry, 'workspaceId'>): Promise<void>;
  /** Events of one change, each as audit() records it, in one statement (a bulk create). */
  auditMany(entries: ReadonlyArray<Omit<AuditEntry, 'workspaceId'>>): Promise<void>;
  /**
   * What another principal of the workspace holds, read under the same lock; the caller must hold all
   * of it (assertCanActOn). 404 `resource` when the principal is not in the workspace; `what` names it in a 403.
   */
  assertCanActOn(target: PrincipalRef, resource: string, what: string): Promise<Holdings>;
}

export interface WriteOptions {
  /** Unique indexes this write may run into, by constraint name, with the 409 message for each. */
  conflicts?: Readonly<Record<string, string>>;
}

@Injectable()
export class WorkspaceWrites {
  constructor(
    private readonly dataSource: DataSource,
    private readonly resolver: WorkspaceAccessResolver,
    private readonly callers: CallerHold,
    private readonly auditLog: AuditLog,
  ) {}

  /**
   * Runs `work` in a transaction under the workspace's lock, on the caller's access as it is then:
   * 401 when its token or owner is no longer alive or the token is cut off here, 404 when the caller is
   * gone (as for anyone outside), 403 when the token policy or its own rule no longer admits it.
   */
  run<T>(caller: WorkspaceCaller, actor: Actor, work: (write: WorkspaceWrite) => Promise<T>, options: WriteOptions = {}): Promise<T> {
    return this.runAfter(caller, actor, async () => undefined, work, options);
  }

  /**
   * As run(), for a write that takes rows before the workspace's, in the documented order (an
   * invitation's row, then the workspace's: accepting takes them so, and the reverse would deadlock).
   * What `first` returns is handed to the work; what it throws is answered before the caller's rights
   * are read again.
   */
  async runAfter<First, T>(
    caller: WorkspaceCaller,
    actor: Actor,
    first: (em: EntityManager) => Promise<First>,
    work: (write: WorkspaceWrite, first: First) => Promise<T>,
    options: WriteOptions = {},
  ): Promise<T> {
    try {
      return await transactionRetryingCollisions(this.dataSource, async (em) => {
        const taken = await first(em);
        await this.lock(caller.workspaceId, em);
        const principal = await this.callers.hold(caller.principal, actor.ip, em);
        const access = await this.resolver.current(principal, caller.workspaceId, em);
        assertWorkspaceRule(access, caller.rule);
        return work(this.writeOf(em, access, actor), taken);
      });
    } catch (error) {
      throw conflictFor(error, options.conflicts) ?? error;
    }
  }

  /**
   * The workspace's row lock alone, for a write that has no caller in the workspace to re-read (an
   * invitee accepting), inside the caller's transaction. 404 when the workspace is gone.
   *
   * Writes of one workspace take turns. The lock is exclusive on purpose: with a shared one for the
   * writes that change nobody's rights, PostgreSQL lets each new shared request in past a waiting
   * exclusive one, and a steady stream of writes by a member held off that member's removal.
   */
  async lock(workspaceId: string, em: EntityManager): Promise<void> {
    const rows = await em.query(`SELECT id FROM workspaces WHERE id = $1 FOR UPDATE`, [requireId(workspaceId)]);
    if (rows.length === 0) throw notFound('Workspace');
  }

  private writeOf(em: EntityManager, access: WorkspaceAccess, actor: Actor): WorkspaceWrite {
    return {
      em,
      access,
      audit: (entry) => this.auditLog.record(em, actor, { ...entry, workspaceId: access.workspaceId }),
      auditMany: (entries) =>
        this.auditLog.recordMany(
          em,
          actor,
          entries.map((entry) => ({ ...entry, workspaceId: access.workspaceId })),
        ),
      assertCanActOn: async (target, resource, what) => {
        const held = await this.resolver.holdings(target, access.workspaceId, em);
        if (!held) throw notFound(resource);
        assertCanActOn(access, held, what);
        return held;
      },
    };
  }
}

/** The 409 for a unique index the write named, or null for any other error. */
export function conflictFor(error: unknown, conflicts: Readonly<Record<string, string>> = {}) {
  for (const [constraint, message] of Object.entries(conflicts)) {
    if (isUniqueViolation(error, constraint)) return conflict(message);
  }
  return null;
}
