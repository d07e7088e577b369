// A caller in a workspace, whatever the transport: the principal's resolved access there and the rule
// it was admitted under. The REST guard makes one from a route's :wid (AccessGuard); a GraphQL resolver
// or a background job makes one the same way (WorkspaceAccessResolver.admit), and a write re-checks
// the same rule under the workspace's lock (WorkspaceWrites), so a permission is named only where the
// route (or the job) declares it.
import type { WorkspaceRule } from './permissions';
import type { WorkspaceAccess } from './workspace-access';

/** The caller's access as it was admitted (the cache may have served it), and the rule it was admitted under. */
export interface WorkspaceCaller extends WorkspaceAccess {
  readonly rule: WorkspaceRule;
}
