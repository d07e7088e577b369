// The signed-in user: a login session token (lks_) kept in sessionStorage, so it dies with the tab
// and is never shared with other tabs or left on disk like localStorage would.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { createApiClient } from './api/client';
import { latchkeyApi, type LatchkeyApi } from './api/latchkey';
import type { CallerAccess, User, Workspace } from './api/models';
import { navigate } from './router';

const STORAGE_KEY = 'latchkey.session';
const WORKSPACE_KEY = 'latchkey.workspace';

type Status = 'loading' | 'signed-out' | 'signed-in';

export interface SessionContextValue {
  status: Status;
  user: User | null;
  api: LatchkeyApi;
  /** Why the last session ended, when it was not the user's doing. */
  notice: string | null;
  signIn: (token: string, user: User) => void;
  signOut: () => Promise<void>;
  setUser: (user: User) => void;
  workspaces: Workspace[];
  reloadWorkspaces: () => Promise<void>;
  /** The workspace last opened, for the navigation. */
  currentWorkspaceId: string | null;
  setCurrentWorkspaceId: (id: string | null) => void;
  /** What the user may do in the workspace last opened (GET /v1/workspaces/:wid `access`), for the navigation. */
  workspaceAccess: { workspaceId: string; access: CallerAccess } | null;
  setWorkspaceAccess: (value: { workspaceId: string; access: CallerAccess } | null) => void;
  /** The server lets this user list the platform's users (GET /v1/admin/users answered 200). */
  isPlatformAdmin: boolean;
  /** The session was ended on purpose from a page (revoked from a workspace's token list): back to sign-in, saying why. */
  ended: (notice: string) => void;
}

const SessionContext = createContext<SessionContextValue | null>(null);

function stored(key: string): string | null {
  try {
    return window.sessionStorage.getItem(key);
  } catch {
    return null;
  }
}

function store(key: string, value: string | null): void {
  try {
    if (value === null) window.sessionStorage.removeItem(key);
    else window.sessionStorage.setItem(key, value);
  } catch {
    // Storage may be disabled; the session then lasts as long as the page.
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const tokenRef = useRef<string | null>(stored(STORAGE_KEY));
  const [status, setStatus] = useState<Status>(tokenRef.current ? 'loading' : 'signed-out');
  const [user, setUser] = useState<User | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [workspaces, setWorkspaces] = useState<Workspace[]>([]);
  const [currentWorkspaceId, setCurrent] = useState<string | null>(stored(WORKSPACE_KEY));
  const [workspaceAccess, setWorkspaceAccess] = useState<SessionContextValue['workspaceAccess']>(null);
  const [isPlatformAdmin, setPlatformAdmin] = useState(false);

  const clear = useCallback(() => {
    tokenRef.current = null;
    store(STORAGE_KEY, null);
    store(WORKSPACE_KEY, null);
    setUser(null);
    setWorkspaces([]);
    setCurrent(null);
    setWorkspaceAccess(null);
    setPlatformAdmin(false);
    setStatus('signed-out');
  }, []);

  const api = useMemo(
    () =>
      latchkeyApi(
        createApiClient({
          token: () => tokenRef.current,
          onUnauthorized: () => {
            clear();
            setNotice(
              'Your session has ended: it was signed out, from here or from another device, or it expired. Sign in again to continue.',
            );
          },
        }),
      ),
    [clear],
  );

  const reloadWorkspaces = useCallback(async () => {
    if (!tokenRef.current) return;
    const all: Workspace[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.workspaces.list({ cursor, limit: 200 });
      all.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    setWorkspaces(all);
  }, [api]);

  // Platform administration is not a workspace right: the server says whether this user has it by
  // answering the list of users, and the console shows its screens only then.
  const probePlatformAdmin = useCallback(() => {
    api.admin
      .users({ limit: 1 })
      .then(() => setPlatformAdmin(true))
      .catch(() => setPlatformAdmin(false));
  }, [api]);

  useEffect(() => {
    if (!tokenRef.current) return;
    api.me
      .get()
      .then((me) => {
        setUser(me);
        setStatus('signed-in');
        probePlatformAdmin();
        return reloadWorkspaces();
      })
      .catch(() => clear());
  }, [api, clear, reloadWorkspaces, probePlatformAdmin]);

  const signIn = useCallback(
    (token: string, me: User) => {
      tokenRef.current = token;
      store(STORAGE_KEY, token);
      setNotice(null);
      setUser(me);
      setStatus('signed-in');
      probePlatformAdmin();
      void reloadWorkspaces().catch(() => undefined);
    },
    [reloadWorkspaces, probePlatformAdmin],
  );

  const signOut = useCallback(async () => {
    try {
      if (tokenRef.current) await api.auth.logout();
    } catch {
      // The session may be gone already; signing out here must still work.
    }
    clear();
    setNotice('You have signed out.');
    navigate('/login');
  }, [api, clear]);

  const setCurrentWorkspaceId = useCallback((id: string | null) => {
    setCurrent(id);
    store(WORKSPACE_KEY, id);
  }, []);

  const value = useMemo<SessionContextValue>(
    () => ({
      status,
      user,
      api,
      notice,
      signIn,
      signOut,
      setUser,
      workspaces,
      reloadWorkspaces,
      currentWorkspaceId,
      setCurrentWorkspaceId,
      workspaceAccess,
      setWorkspaceAccess,
      isPlatformAdmin,
      ended: (message: string) => {
        clear();
        setNotice(message);
        navigate('/login');
      },
    }),
    [
      status,
      user,
      api,
      notice,
      signIn,
      signOut,
      workspaces,
      reloadWorkspaces,
      currentWorkspaceId,
      setCurrentWorkspaceId,
      workspaceAccess,
      isPlatformAdmin,
      clear,
    ],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

/** The API, for components below the provider. */
export function useApi(): LatchkeyApi {
  return useSession().api;
}

/** Exchanges email and password for a login session and loads the user it belongs to. */
export async function logIn(api: LatchkeyApi, signIn: SessionContextValue['signIn'], email: string, password: string): Promise<User> {
  const { token } = await api.auth.login({ email, password });
  // The session is stored only once /me answers with it, so a half sign-in leaves nothing behind.
  const user = await latchkeyApi(createApiClient({ token: () => token.secret })).me.get();
  signIn(token.secret, user);
  return user;
}
