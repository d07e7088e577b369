// The UI's one route table: the shell matches the URL against it (App.tsx) and draws the navigation
// and the workspace overview's areas from it, so a screen is added or renamed in one place.
import type { ComponentType } from 'react';
import type { CallerAccess, Permission } from './api/models';
import { AdminUsersPage } from './pages/admin/AdminUsersPage';
import { AcceptInvitationPage } from './pages/account/AcceptInvitationPage';
import { MyInvitationsPage } from './pages/account/MyInvitationsPage';
import { NamedTokensPage } from './pages/account/NamedTokensPage';
import { PersonalTokenPage } from './pages/account/PersonalTokenPage';
import { ProfilePage } from './pages/account/ProfilePage';
import { SessionsPage } from './pages/account/SessionsPage';
import { ForgotPasswordPage } from './pages/auth/ForgotPasswordPage';
import { LoginPage } from './pages/auth/LoginPage';
import { RegisterPage } from './pages/auth/RegisterPage';
import { ResetPasswordPage } from './pages/auth/ResetPasswordPage';
import { VerifyEmailPage } from './pages/auth/VerifyEmailPage';
import { ApiUserPage } from './pages/workspace/ApiUserPage';
import { ApiUsersPage } from './pages/workspace/ApiUsersPage';
import { AuditPage } from './pages/workspace/AuditPage';
import { DevicesPage } from './pages/workspace/DevicesPage';
import { InvitationsPage } from './pages/workspace/InvitationsPage';
import { MembersPage } from './pages/workspace/MembersPage';
import { OverviewPage } from './pages/workspace/OverviewPage';
import { PolicyPage } from './pages/workspace/PolicyPage';
import { RolesPage } from './pages/workspace/RolesPage';
import { TeamsPage } from './pages/workspace/TeamsPage';
import { WebhooksPage } from './pages/workspace/WebhooksPage';
import { WorkspacesPage } from './pages/workspace/WorkspacesPage';
import { matchPath } from './router';

export interface AppRoute {
  /** After the "#"; ":name" matches one segment. Paths under /w/:wid are pages of that workspace. */
  path: string;
  page: ComponentType<{ params: Record<string, string> }>;
  /** Who sees the page: signed out (sign-in screens), signed in, or both (an invitation link). */
  audience: 'signed-in' | 'signed-out' | 'anyone';
  /** Its entry in the navigation; `summary` also lists it among the workspace overview's areas. */
  nav?: { label: string; summary?: string };
  /** A page without an entry of its own shows as inside this path's entry (aria-current="location"). */
  within?: string;
  /**
   * A workspace page's entry is listed only when the caller's access there (as the server answered it)
   * lets them use the page: any one of these permissions, or owner with it for owner-only pages.
   */
  needs?: { anyOf: Permission[]; owner?: boolean };
  /** Listed only for platform administrators. */
  platformAdmin?: boolean;
}

/** Whether the navigation lists a workspace page for a caller with this access. */
export function allowedFor(route: AppRoute, access: CallerAccess | null): boolean {
  if (!route.needs) return true;
  if (!access) return false;
  const can = route.needs.anyOf.some((p) => access.permissions.includes(p));
  return route.needs.owner ? can && access.isOwner : can;
}

export const WORKSPACE_PREFIX = '/w/:wid';

export const ROUTES: AppRoute[] = [
  { path: '/login', page: LoginPage, audience: 'signed-out' },
  { path: '/register', page: RegisterPage, audience: 'signed-out' },
  { path: '/forgot-password', page: ForgotPasswordPage, audience: 'signed-out' },
  // Mailed links (web/src/mailed-link.ts): either signed in or not.
  { path: '/reset-password', page: ResetPasswordPage, audience: 'anyone' },
  { path: '/verify-email', page: VerifyEmailPage, audience: 'anyone' },
  { path: '/accept', page: AcceptInvitationPage, audience: 'anyone' },
  { path: '/account', page: ProfilePage, audience: 'signed-in', nav: { label: 'Profile' } },
  { path: '/account/personal-token', page: PersonalTokenPage, audience: 'signed-in', nav: { label: 'Personal token' } },
  { path: '/account/tokens', page: NamedTokensPage, audience: 'signed-in', nav: { label: 'Named tokens' } },
  { path: '/account/invitations', page: MyInvitationsPage, audience: 'signed-in', nav: { label: 'Invitations' } },
  { path: '/account/sessions', page: SessionsPage, audience: 'signed-in', nav: { label: 'Sessions' } },
  { path: '/admin/users', page: AdminUsersPage, audience: 'signed-in', nav: { label: 'Platform users' }, platformAdmin: true },
  { path: '/workspaces', page: WorkspacesPage, audience: 'signed-in', nav: { label: 'All workspaces' } },
  { path: WORKSPACE_PREFIX, page: OverviewPage, audience: 'signed-in', nav: { label: 'Overview' } },
  {
    path: `${WORKSPACE_PREFIX}/members`,
    page: MembersPage,
    audience: 'signed-in',
    nav: { label: 'Members', summary: 'People in this workspace, their roles and device access.' },
    needs: { anyOf: ['members:read'] },
  },
  {
    path: `${WORKSPACE_PREFIX}/invitations`,
    page: InvitationsPage,
    audience: 'signed-in',
    nav: { label: 'Invitations', summary: 'Invite people by email; the link is shown once.' },
    needs: { anyOf: ['members:read'] },
  },
  {
    path: `${WORKSPACE_PREFIX}/roles`,
    page: RolesPage,
    audience: 'signed-in',
    nav: { label: 'Roles', summary: 'Built-in and custom sets of permissions.' },
    needs: { anyOf: ['roles:read'] },
  },
  {
    path: `${WORKSPACE_PREFIX}/teams`,
    page: TeamsPage,
    audience: 'signed-in',
    nav: { label: 'Teams', summary: 'Roles and device access shared by the members and API users in a team.' },
    needs: { anyOf: ['teams:read'] },
  },
  {
    path: `${WORKSPACE_PREFIX}/devices`,
    page: DevicesPage,
    audience: 'signed-in',
    nav: { label: 'Devices', summary: 'The devices members and API users may be limited to.' },
    needs: { anyOf: ['devices:read', 'devices:create'] },
  },
  {
    path: `${WORKSPACE_PREFIX}/api-users`,
    page: ApiUsersPage,
    audience: 'signed-in',
    nav: { label: 'API users', summary: 'Headless principals for integrations, with their tokens.' },
    needs: { anyOf: ['api_users:read'] },
  },
  {
    path: `${WORKSPACE_PREFIX}/api-users/:apiUserId`,
    page: ApiUserPage,
    audience: 'signed-in',
    within: `${WORKSPACE_PREFIX}/api-users`,
    needs: { anyOf: ['api_users:read'] },
  },
  {
    path: `${WORKSPACE_PREFIX}/policy`,
    page: PolicyPage,
    audience: 'signed-in',
    nav: { label: 'Token policy', summary: 'Maximum token lifetime and personal tokens; every token that reaches here.' },
    needs: { anyOf: ['tokens:read', 'workspace:update'] },
  },
  {
    path: `${WORKSPACE_PREFIX}/audit`,
    page: AuditPage,
    audience: 'signed-in',
    nav: { label: 'Audit log', summary: 'Who changed what, and when.' },
    needs: { anyOf: ['audit:read'] },
  },
  {
    path: `${WORKSPACE_PREFIX}/webhooks`,
    page: WebhooksPage,
    audience: 'signed-in',
    nav: { label: 'Webhooks', summary: 'Signed HTTP calls to other systems when something changes here.' },
    needs: { anyOf: ['webhooks:read'] },
  },
];

export const isWorkspaceRoute = (route: AppRoute) => route.path === WORKSPACE_PREFIX || route.path.startsWith(`${WORKSPACE_PREFIX}/`);

export interface MatchedRoute {
  route: AppRoute;
  params: Record<string, string>;
}

/** The route for a path that this audience may see, with its parameters; undefined when there is none. */
export function findRoute(path: string, signedIn: boolean): MatchedRoute | undefined {
  for (const route of ROUTES) {
    if (route.audience !== 'anyone' && route.audience !== (signedIn ? 'signed-in' : 'signed-out')) continue;
    const params = matchPath(route.path, path);
    if (params) return { route, params };
  }
  return undefined;
}

/** A route's path with its parameters filled in, e.g. "/w/:wid/members" for one workspace. */
export function pathTo(pattern: string, params: Record<string, string>): string {
  return pattern.replace(/:([A-Za-z]+)/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
}
