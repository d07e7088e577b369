// The workspace a page belongs to: the workspace, its roles, and what the signed-in user may do there.
import { createContext, useContext, useEffect, useMemo, type ReactNode } from 'react';
import type { CallerAccess, Catalog, Permission, Problem, Role, WorkspaceDetail } from './api/models';
import { Alert, Loading } from './components/feedback';
import { useLoad } from './hooks';
import { useApi, useSession } from './session';

export interface WorkspaceContextValue {
  workspace: WorkspaceDetail;
  /** The workspace's roles; empty when the user may not read them. */
  roles: Role[];
  /** What the user may do here, as the server answered it: the UI does not work rights out itself. */
  access: CallerAccess;
  /** Holds the owner role; an owner-only action also needs `can(its permission)`. */
  isOwner: boolean;
  /** The effective permission is the user's here (roles and token scopes both): deny unless the server said so. */
  can: (permission: Permission) => boolean;
  reload: () => Promise<void>;
  reloadRoles: () => Promise<void>;
}

const WorkspaceContext = createContext<WorkspaceContextValue | null>(null);

export function WorkspaceProvider({ workspaceId, children }: { workspaceId: string; children: ReactNode }) {
  const api = useApi();
  const { setCurrentWorkspaceId, setWorkspaceAccess } = useSession();
  const workspace = useLoad(() => api.workspaces.get(workspaceId), [workspaceId]);
  const roles = useLoad(() => api.roles.list(workspaceId).then((p) => p.items), [workspaceId]);

  useEffect(() => {
    if (!workspace.data) return;
    setCurrentWorkspaceId(workspace.data.id);
    setWorkspaceAccess({ workspaceId: workspace.data.id, access: workspace.data.access });
  }, [workspace.data, setCurrentWorkspaceId, setWorkspaceAccess]);

  const value = useMemo<WorkspaceContextValue | null>(() => {
    if (!workspace.data) return null;
    const access = workspace.data.access;
    const permissions = new Set(access.permissions);
    return {
      workspace: workspace.data,
      roles: roles.data ?? [],
      access,
      isOwner: access.isOwner,
      can: (p: Permission) => permissions.has(p),
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
