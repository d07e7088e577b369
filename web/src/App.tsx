// The shell: landmarks, navigation, and which screen the URL's hash names.
import { useEffect, useState, type ComponentType, type FormEvent, type MouseEvent } from 'react';
import { AnnouncerProvider, Loading } from './components/feedback';
import { hasPersonalTokenHandOver } from './flash';
import { AcceptInvitationPage } from './pages/account/AcceptInvitationPage';
import { MyInvitationsPage } from './pages/account/MyInvitationsPage';
import { NamedTokensPage } from './pages/account/NamedTokensPage';
import { PersonalTokenPage } from './pages/account/PersonalTokenPage';
import { ProfilePage } from './pages/account/ProfilePage';
import { LoginPage } from './pages/auth/LoginPage';
import { RegisterPage } from './pages/auth/RegisterPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { ApiUserPage } from './pages/workspace/ApiUserPage';
import { ApiUsersPage } from './pages/workspace/ApiUsersPage';
import { AuditPage } from './pages/workspace/AuditPage';
import { DevicesPage } from './pages/workspace/DevicesPage';
import { InvitationsPage } from './pages/workspace/InvitationsPage';
import { MembersPage } from './pages/workspace/MembersPage';
import { OverviewPage } from './pages/workspace/OverviewPage';
import { PolicyPage } from './pages/workspace/PolicyPage';
import { RolesPage } from './pages/workspace/RolesPage';
import { WorkspacesPage } from './pages/workspace/WorkspacesPage';
import { Link, matchPath, navigate, useRoute, type Route } from './router';
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

const PUBLIC_PATHS = ['/login', '/register'];

const ACCOUNT_PAGES: Array<[string, ComponentType]> = [
  ['/account', ProfilePage],
  ['/account/personal-token', PersonalTokenPage],
  ['/account/tokens', NamedTokensPage],
  ['/account/invitations', MyInvitationsPage],
  ['/accept', AcceptInvitationPage],
  ['/workspaces', WorkspacesPage],
];

const WORKSPACE_PAGES: Array<[string, ComponentType<{ params: Record<string, string> }>]> = [
  ['/w/:wid', OverviewPage],
  ['/w/:wid/members', MembersPage],
  ['/w/:wid/invitations', InvitationsPage],
  ['/w/:wid/roles', RolesPage],
  ['/w/:wid/devices', DevicesPage],
  ['/w/:wid/api-users', ApiUsersPage],
  ['/w/:wid/api-users/:apiUserId', ApiUserPage],
  ['/w/:wid/policy', PolicyPage],
  ['/w/:wid/audit', AuditPage],
];

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
    if (route.path === '/' || PUBLIC_PATHS.includes(route.path)) {
      const next = nextOf(route);
      navigate(hasPersonalTokenHandOver() ? `/account/personal-token${next !== '/account' ? `?next=${encodeURIComponent(next)}` : ''}` : next, { replace: true });
    }
  }, [session.status, route]);

  useEffect(() => {
    if (session.status !== 'signed-out') return;
    if (route.path === '/accept' || PUBLIC_PATHS.includes(route.path)) return;
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
  let page;
  if (route.path === '/register') page = <RegisterPage key="register" />;
  else if (route.path === '/accept') page = <AcceptInvitationPage key="accept" />;
  else page = <LoginPage key="login" />;
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
  const workspaceMatch = route.path.startsWith('/w/') ? WORKSPACE_PAGES.map(([p, C]) => [matchPath(p, route.path), C] as const).find(([m]) => m) : undefined;
  const accountMatch = ACCOUNT_PAGES.find(([p]) => p === route.path);
  const wid = workspaceMatch?.[0]?.wid ?? route.path.match(/^\/w\/([^/]+)/)?.[1] ?? null;

  let page;
  if (workspaceMatch && wid) {
    const [params, Component] = workspaceMatch;
    page = (
      <WorkspaceProvider key={wid} workspaceId={wid}>
        <Component key={route.path} params={params ?? {}} />
      </WorkspaceProvider>
    );
  } else if (accountMatch) {
    const Component = accountMatch[1];
    page = <Component key={route.full} />;
  } else if (route.path === '/' || PUBLIC_PATHS.includes(route.path)) {
    page = <Loading />;
  } else {
    page = <NotFoundPage key={route.path} />;
  }

  return (
    <>
      <SkipLink />
      <header className="topbar">
        <Brand />
        <WorkspaceSwitcher currentId={wid ?? session.currentWorkspaceId} />
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
        <Navigation route={route} workspaceId={wid ?? session.currentWorkspaceId} />
        <main id="main" tabIndex={-1}>
          {page}
        </main>
      </div>
    </>
  );
}

function WorkspaceSwitcher({ currentId }: { currentId: string | null }) {
  const { workspaces } = useSession();
  const [choice, setChoice] = useState(currentId ?? '');
  useEffect(() => setChoice(currentId ?? workspaces[0]?.id ?? ''), [currentId, workspaces]);
  if (workspaces.length === 0) {
    return (
      <div className="switcher">
        <Link to="/workspaces">Create a workspace</Link>
      </div>
    );
  }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (choice) navigate(`/w/${choice}`);
  };
  return (
    <form className="switcher" onSubmit={submit} aria-label="Switch workspace">
      <label htmlFor="workspace-switcher">Workspace</label>
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

function Navigation({ route, workspaceId }: { route: Route; workspaceId: string | null }) {
  const { workspaces } = useSession();
  const workspace = workspaces.find((w) => w.id === workspaceId);
  const item = (to: string, label: string) => (
    <li>
      <Link to={to} current={route.path === to}>
        {label}
      </Link>
    </li>
  );
  const base = workspaceId ? `/w/${workspaceId}` : null;
  return (
    <nav className="sidebar" aria-label="Main">
      <p className="nav-heading" id="nav-account">
        Account
      </p>
      <ul aria-labelledby="nav-account">
        {item('/account', 'Profile')}
        {item('/account/personal-token', 'Personal token')}
        {item('/account/tokens', 'Named tokens')}
        {item('/account/invitations', 'Invitations')}
        {item('/workspaces', 'All workspaces')}
      </ul>
      {base && workspace && (
        <>
          <p className="nav-heading" id="nav-workspace">
            {workspace.name}
          </p>
          <ul aria-labelledby="nav-workspace">
            {item(base, 'Overview')}
            {item(`${base}/members`, 'Members')}
            {item(`${base}/invitations`, 'Invitations')}
            {item(`${base}/roles`, 'Roles')}
            {item(`${base}/devices`, 'Devices')}
            <li>
              <Link to={`${base}/api-users`} aria-current={route.path === `${base}/api-users` ? 'page' : route.path.startsWith(`${base}/api-users/`) ? 'location' : undefined}>
                API users
              </Link>
            </li>
            {item(`${base}/policy`, 'Token policy')}
            {item(`${base}/audit`, 'Audit log')}
          </ul>
        </>
      )}
    </nav>
  );
}
