// The workspace a page belongs to: the workspace, its roles, and what the signed-in user may do there.
import { createContext, useContext, useEffect, useMemo, type ReactNode } from 'react';
import type { Catalog, Problem, Role, Workspace } from './api/types';
import { Alert, Loading } from './components/feedback';
import { useLoad } from './hooks';
import { useApi, useSession } from './session';

export interface WorkspaceContextValue {
  workspace: Workspace;
  roles: Role[];
  /** null when the user may not read roles: the API then decides each action alone. */
  permissions: Set<string> | null;
  isOwner: boolean;
  can: (permission: string) => boolean;
  reload: () => Promise<void>;
  reloadRoles: () => Promise<void>;
}

const WorkspaceContext = createContext<WorkspaceContextValue | null>(null);

export function WorkspaceProvider({ workspaceId, children }: { workspaceId: string; children: ReactNode }) {
  const api = useApi();
  const { setCurrentWorkspaceId } = useSession();
  const workspace = useLoad(() => api.workspaces.get(workspaceId), [workspaceId]);
  const roles = useLoad(() => api.roles.list(workspaceId).then((p) => p.items), [workspaceId]);

  useEffect(() => {
    if (workspace.data) setCurrentWorkspaceId(workspace.data.id);
  }, [workspace.data, setCurrentWorkspaceId]);

  const value = useMemo<WorkspaceContextValue | null>(() => {
    if (!workspace.data) return null;
    const mine = new Set((workspace.data.roles ?? []).map((r) => r.id));
    const known = roles.data;
    const permissions = known ? new Set(known.filter((r) => mine.has(r.id)).flatMap((r) => r.permissions)) : null;
    const isOwner = (workspace.data.roles ?? []).some((r) => r.name === 'owner') && (known ? known.some((r) => mine.has(r.id) && r.builtIn && r.name === 'owner') : true);
    return {
      workspace: workspace.data,
      roles: known ?? [],
      permissions,
      isOwner,
      can: (p: string) => permissions === null || permissions.has(p),
      reload: workspace.reload,
      reloadRoles: roles.reload,
    };
  }, [workspace.data, workspace.reload, roles.data, roles.reload]);

  if (workspace.problem) return <WorkspaceProblem problem={workspace.problem} />;
  if (!value || (roles.loading && !roles.data && !roles.problem)) return <Loading label="Loading the workspace…" />;
  return <WorkspaceContext.Provider value={value}>{children}</WorkspaceContext.Provider>;
}

function WorkspaceProblem({ problem }: { problem: Problem }) {
  return (
    <div className="page">
      <h1 tabIndex={-1}>Workspace unavailable</h1>
      <Alert problem={problem} />
    </div>
  );
}

export function useWorkspace(): WorkspaceContextValue {
  const value = useContext(WorkspaceContext);
  if (!value) throw new Error('useWorkspace outside WorkspaceProvider');
  return value;
}

let catalogPromise: Promise<Catalog> | null = null;

/** GET /v1/permissions, asked once per page load. */
export function useCatalog() {
  const api = useApi();
  return useLoad(() => {
    catalogPromise ??= api.catalog().catch((error) => {
      catalogPromise = null;
      throw error;
    });
    return catalogPromise;
  }, []);
}
