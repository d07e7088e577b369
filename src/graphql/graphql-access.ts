// How a resolver admits its caller into a workspace: through WorkspaceAccessResolver.admit, the one
// admission every transport uses, with the rule object of the REST route that does the same thing.
import { Injectable } from '@nestjs/common';
import { actorOf, type Actor } from '../audit/audit-log';
import type { Principal, UserPrincipal } from '../auth/principal';
import { AccessGuard, type AuthenticatedRule } from '../auth/access.guard';
import { WorkspaceAccessResolver } from '../authorization/workspace-access';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { DomainError, ErrorCode, validationFailed } from '../common/errors';
import { clientAddress } from '../common/client-address';
import { UUID_PATTERN } from '../common/uuid-param';
import type { GraphqlContext } from './graphql-context';

/** An id argument, checked as REST checks a path's: a UUID, compared in lower case. */
export function uuidArg(field: string, value: string): string {
  if (!UUID_PATTERN.test(value)) throw validationFailed(field, 'must be a UUID');
  return value.toLowerCase();
}

/**
 * The most workspaces one request reads inside of. Each costs its own admission and reads, and
 * `workspaces { items { members devices … } }` would otherwise run statements in proportion to the
 * caller's memberships, 3,000 and more for one request (security review). Ten dashboards' worth; the
 * rest, another request.
 */
export const MAX_WORKSPACES_PER_REQUEST = 10;

function assertWithinWorkspaceBudget(ctx: GraphqlContext, workspaceId: string): void {
  const reached = new Set([...ctx.admitted.keys()].map((key) => key.slice(0, key.indexOf('|'))));
  if (!reached.has(workspaceId) && reached.size >= MAX_WORKSPACES_PER_REQUEST) {
    throw validationFailed(
      'workspaceId',
      `one request reads inside at most ${MAX_WORKSPACES_PER_REQUEST} workspaces; ask for the others in another request`,
    );
  }
}

function ruleKey(rule: AuthenticatedRule): string {
  return `${rule.permission ?? ''}|${rule.ownerOnly ? 'owner' : ''}|${rule.workspaceMember ? 'member' : ''}|${rule.allowApiUsers ?? ''}`;
}

@Injectable()
export class GraphqlAccess {
  constructor(
    private readonly workspaces: WorkspaceAccessResolver,
    private readonly guard: AccessGuard,
  ) {}

  /** The caller; a field that needs one says so as REST does when the token is missing. */
  principal(ctx: GraphqlContext): Principal {
    if (!ctx.principal) throw new DomainError(ErrorCode.TokenMissing, 'Send a token in the Authorization header.');
    return ctx.principal;
  }

  /** The calling user (the field's rule already refused API users, as the REST route's does). */
  user(ctx: GraphqlContext): UserPrincipal {
    const principal = this.principal(ctx);
    if (principal.type !== 'user') throw new DomainError(ErrorCode.Forbidden, 'Only users may do this.');
    return principal;
  }

  actor(ctx: GraphqlContext): Actor {
    return actorOf(ctx.principal, clientAddress(ctx.req));
  }

  /**
   * The caller in `workspaceId` under `rule`: 404 for a workspace that is not the caller's (whatever
   * the id), 401 for a token cut off there, 403 for the token policy, the owner rule or the permission,
   * in the order REST answers them. Made once per workspace and rule in a request.
   */
  admit(ctx: GraphqlContext, workspaceId: string, rule: AuthenticatedRule, field = 'workspaceId'): Promise<WorkspaceCaller> {
    const principal = this.principal(ctx);
    const id = uuidArg(field, workspaceId);
    const key = `${id}|${ruleKey(rule)}`;
    let admitted = ctx.admitted.get(key);
    if (!admitted) {
      assertWithinWorkspaceBudget(ctx, id);
      admitted = this.admitNow(principal, id, rule);
      ctx.admitted.set(key, admitted);
    }
    return admitted;
  }

  /**
   * For a mutation: admitted afresh, and what this request admitted before is forgotten, so that
   * neither this change nor any field read after it acts on access an earlier mutation changed.
   * (The write itself re-checks the caller under the workspace's lock: WorkspaceWrites.)
   */
  admitForChange(ctx: GraphqlContext, workspaceId: string, rule: AuthenticatedRule, field = 'workspaceId'): Promise<WorkspaceCaller> {
    const principal = this.principal(ctx);
    const id = uuidArg(field, workspaceId);
    ctx.admitted.clear();
    ctx.loaders.clear();
    const admitted = this.admitNow(principal, id, rule);
    // The mutation's own admit() (after GraphqlWorkspaceAdmission's) finds this one.
    ctx.admitted.set(`${id}|${ruleKey(rule)}`, admitted);
    return admitted;
  }

  /** The order of a route's guard: the workspace (404, 401, 403 token_policy, owner, permission), then the principal. */
  private async admitNow(principal: Principal, workspaceId: string, rule: AuthenticatedRule): Promise<WorkspaceCaller> {
    const caller = await this.workspaces.admit(principal, workspaceId, rule);
    await this.guard.checkPrincipal(rule, principal);
    return caller;
  }
}
