// The shell: landmarks, navigation, and which screen the URL's hash names.
import { useEffect, useState, type FormEvent, type MouseEvent } from 'react';
import { AnnouncerProvider, Loading } from './components/feedback';
import { hasPersonalTokenHandOver } from './flash';
import { VerifyBanner } from './components/VerifyBanner';
import { NotFoundPage } from './pages/NotFoundPage';
import { sameScreenIn } from './paths';
import { Link, navigate, useRoute, type Route } from './router';
import { allowedFor, findRoute, isWorkspaceRoute, pathTo, ROUTES, type AppRoute, type MatchedRoute } from './routes';
import { SessionProvider, useSession } from './session';
import { WorkspaceProvider } from './workspace';

export function App() {
  return (
    <SessionProvider>
      <AnnouncerProvider>
        <Shell />
      </AnnouncerProvider>
    </SessionProvider>
  );
}

/** The sign-in screens: a signed-in user there is sent on to where they were going. */
const SIGN_IN_PATHS = ROUTES.filter((r) => r.audience === 'signed-out').map((r) => r.path);

/** Where to go after signing in: a "next" inside this UI, or the account. */
function nextOf(route: Route): string {
  const next = route.query.get('next');
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/account';
}

function Shell() {
  const session = useSession();
  const route = useRoute();

  // Signed in on a sign-in screen: on to where the user was going (after a registration, the
  // personal token it made, shown once).
  useEffect(() => {
    if (session.status !== 'signed-in') return;
    if (route.path === '/' || SIGN_IN_PATHS.includes(route.path)) {
      const next = nextOf(route);
      navigate(
        hasPersonalTokenHandOver() ? `/account/personal-token${next !== '/account' ? `?next=${encodeURIComponent(next)}` : ''}` : next,
        { replace: true },
      );
    }
  }, [session.status, route]);

  useEffect(() => {
    if (session.status !== 'signed-out') return;
    if (findRoute(route.path, false)) return;
    const next = route.path === '/' || route.path === '/account' ? '' : `?next=${encodeURIComponent(route.full)}`;
    navigate(`/login${next}`, { replace: true });
  }, [session.status, route]);

  if (session.status === 'loading') {
    return (
      <main id="main" className="signed-out-main">
        <Loading label="Opening your session…" />
      </main>
    );
  }
  if (session.status === 'signed-out') return <SignedOutLayout route={route} />;
  return <SignedInLayout route={route} />;
}

function SkipLink() {
  const skip = (event: MouseEvent<HTMLAnchorElement>) => {
    // The hash holds the route, so the skip link moves the focus itself.
    event.preventDefault();
    document.getElementById('main')?.focus();
  };
  return (
    <a className="skip-link" href="#main" onClick={skip}>
      Skip to main content
    </a>
  );
}

function Brand() {
  return (
    <Link to="/account" className="brand">
      <img src="/favicon.svg" alt="" width="28" height="28" />
      <span>Latchkey</span>
    </Link>
  );
}

function SignedOutLayout({ route }: { route: Route }) {
  // Any other screen shows the sign-in screen, where Shell sends the browser (with a "next").
  const match = findRoute(route.path, false) ?? findRoute('/login', false);
  const Page = match?.route.page;
  const page = Page && <Page key={match.route.path} params={match.params} />;
  return (
    <>
      <SkipLink />
      <header className="topbar">
        <Brand />
      </header>
      <main id="main" tabIndex={-1} className="signed-out-main">
        {page}
      </main>
      <footer className="footer">
        <p>
          Latchkey · <a href="/docs">API reference</a>
        </p>
      </footer>
    </>
  );
}

function SignedInLayout({ route }: { route: Route }) {
  const session = useSession();
  const match = findRoute(route.path, true);
  // An unknown screen of a workspace still names it, for the switcher and the navigation.
  const wid = match?.params.wid ?? route.path.match(/^\/w\/([^/]+)/)?.[1] ?? null;

  let page;
  if (match && wid && isWorkspaceRoute(match.route)) {
    const Page = match.route.page;
    page = (
      <WorkspaceProvider key={wid} workspaceId={wid}>
        <Page key={route.path} params={match.params} />
      </WorkspaceProvider>
    );
  } else if (match) {
    const Page = match.route.page;
    page = <Page key={route.full} params={match.params} />;
  } else if (route.path === '/' || SIGN_IN_PATHS.includes(route.path)) {
    page = <Loading />;
  } else {
    page = <NotFoundPage key={route.path} />;
  }

  return (
    <>
      <SkipLink />
      <header className="topbar">
        <Brand />
        {/* Keyed by the current workspace: moving to another one starts the choice afresh. */}
        <WorkspaceSwitcher key={wid ?? session.currentWorkspaceId ?? ''} currentId={wid ?? session.currentWorkspaceId} route={route} />
        <div className="topbar-user">
          <span className="user-name" title={session.user?.email}>
            {session.user?.name}
          </span>
          <button type="button" className="button secondary small" onClick={() => void session.signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <div className="layout">
        <Navigation route={route} match={match} workspaceId={wid ?? session.currentWorkspaceId} />
        <main id="main" tabIndex={-1}>
          <VerifyBanner />
          {page}
        </main>
      </div>
    </>
  );
}

function WorkspaceSwitcher({ currentId, route }: { currentId: string | null; route: Route }) {
  const { workspaces } = useSession();
  const [picked, setChoice] = useState<string | null>(null);
  // Until the user picks one: the current workspace, or the first once the list has loaded.
  const choice = picked ?? currentId ?? workspaces[0]?.id ?? '';
  if (workspaces.length === 0) {
    return (
      <div className="switcher">
        <Link to="/workspaces">Create a workspace</Link>
      </div>
    );
  }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (choice) navigate(sameScreenIn(route.path, choice));
  };
  return (
    <form className="switcher" onSubmit={submit} aria-label="Switch workspace">
      <label htmlFor="workspace-switcher" className="switcher-label">
        Workspace
      </label>
      <select id="workspace-switcher" value={choice} onChange={(e) => setChoice(e.target.value)}>
        {workspaces.map((w) => (
          <option key={w.id} value={w.id}>
            {w.name}
          </option>
        ))}
      </select>
      <button type="submit" className="button secondary small">
        Switch
      </button>
    </form>
  );
}

const NAV_ENTRIES = ROUTES.filter((r) => r.nav);
const ACCOUNT_NAV = NAV_ENTRIES.filter((r) => !isWorkspaceRoute(r));
const WORKSPACE_NAV = NAV_ENTRIES.filter(isWorkspaceRoute);

function Navigation({ route, match, workspaceId }: { route: Route; match: MatchedRoute | undefined; workspaceId: string | null }) {
  const { workspaces, workspaceAccess, isPlatformAdmin } = useSession();
  const workspace = workspaces.find((w) => w.id === workspaceId);
  // On a narrow screen the navigation folds under a "Menu" button, so the page starts at the top.
  const [open, setOpen] = useState(false);
  const [openedAt, setOpenedAt] = useState(route.full);
  if (openedAt !== route.full) {
    // A link followed: the menu folds again, showing the page it opened.
    setOpenedAt(route.full);
    setOpen(false);
  }
  const access = workspaceAccess && workspaceAccess.workspaceId === workspaceId ? workspaceAccess.access : null;
  const item = (entry: AppRoute, params: Record<string, string> = {}) => {
    const to = pathTo(entry.path, params);
    const current =
      route.path === to ? 'page' : match?.route.within === entry.path && match.params.wid === params.wid ? 'location' : undefined;
    return (
      <li key={entry.path}>
        <Link to={to} aria-current={current}>
          {entry.nav?.label}
        </Link>
      </li>
    );
  };
  const currentLabel =
    match?.route.nav?.label ?? (match?.route.within ? ROUTES.find((r) => r.path === match.route.within)?.nav?.label : undefined);
  return (
    <nav className={`sidebar${open ? ' open' : ''}`} aria-label="Main">
      <button
        type="button"
        className="menu-toggle button secondary small"
        aria-expanded={open}
        aria-controls="nav-lists"
        onClick={() => setOpen(!open)}
      >
        <span aria-hidden="true">☰</span>
        <span>{currentLabel ? `Menu: ${currentLabel}` : 'Menu'}</span>
      </button>
      <div id="nav-lists" className="nav-lists">
        <p className="nav-heading" id="nav-account">
          Account
        </p>
        <ul aria-labelledby="nav-account">{ACCOUNT_NAV.filter((entry) => !entry.platformAdmin).map((entry) => item(entry))}</ul>
        {isPlatformAdmin && (
          <>
            <p className="nav-heading" id="nav-platform">
              Platform
            </p>
            <ul aria-labelledby="nav-platform">{ACCOUNT_NAV.filter((entry) => entry.platformAdmin).map((entry) => item(entry))}</ul>
          </>
        )}
        {workspaceId && workspace && (
          <>
            <p className="nav-heading" id="nav-workspace" title={workspace.name}>
              {workspace.name}
            </p>
            <ul aria-labelledby="nav-workspace">
              {WORKSPACE_NAV.filter((entry) => allowedFor(entry, access)).map((entry) => item(entry, { wid: workspaceId }))}
            </ul>
          </>
        )}
      </div>
    </nav>
  );
}
