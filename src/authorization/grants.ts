// No escalation, written once. Inside a workspace a principal grants only roles whose permissions it
// holds (its effective rights, after its token's scopes), device access within its own, and owner only
// if it is an owner; it acts only on principals holding no more than it does. A token hands out only
// scopes, workspaces and lifetime it holds itself. Pure functions: the callers read what is held.
import { cidrsWithin } from '../auth/network-allow-list';
import type { AuthenticatedToken, Principal } from '../auth/principal';
import { DomainError, ErrorCode, validationFailed } from '../common/errors';
import { DeviceAccess, deviceAccessWithin } from './device-rules';
import { ALL_SCOPES, BuiltInRole } from './permissions';

/** What makes a principal an owner of a workspace: it holds the built-in owner role. */
const OWNER_ROLE: BuiltInRole = 'owner';

/**
 * What a principal holds in a workspace: a caller's WorkspaceAccess (its permissions narrowed by its
 * token), or a principal's rights through its roles alone (WorkspaceAccessResolver.holdings).
 */
export interface Holdings {
  isOwner: boolean;
  permissions: ReadonlySet<string>;
  deviceAccess: DeviceAccess;
}

export interface GrantableRole {
  name: string;
  permissions: string[];
  builtIn: string | null;
}

// --- roles and devices --------------------------------------------------------------------------

/** Does this set of roles make its holder an owner? */
export function includesOwnerRole(roles: readonly Pick<GrantableRole, 'builtIn'>[]): boolean {
  return roles.some((role) => role.builtIn === OWNER_ROLE);
}

/** The same in SQL: "this roles row is the owner role", for the roles table under `alias` (the access query, the owner count). */
export function isOwnerRoleSql(alias: string): string {
  return `${alias}.built_in = '${OWNER_ROLE}'`;
}

/** Granting the owner role, or taking it away (demoting or removing an owner), is for owners. */
export function assertMayGrantOrTakeOwner(actor: Pick<Holdings, 'isOwner'>): void {
  if (!actor.isOwner) throw new DomainError(ErrorCode.Forbidden, 'Only owners may grant or take the owner role.');
}

export function assertCanGrantRoles(grantor: Holdings, roles: readonly GrantableRole[]): void {
  for (const role of roles) {
    if (includesOwnerRole([role])) assertMayGrantOrTakeOwner(grantor);
    const missing = role.permissions.filter((p) => !grantor.permissions.has(p));
    if (missing.length > 0) {
      throw new DomainError(
        ErrorCode.Forbidden,
        `You cannot grant the role "${role.name}": it includes ${missing.join(', ')}, which you do not hold.`,
      );
    }
  }
}

/** Defining a role is bounded the same way: nobody writes permissions they do not hold into a role. */
export function assertCanDefinePermissions(grantor: Holdings, permissions: string[]): void {
  assertCanGrantRoles(grantor, [{ name: 'new role', permissions, builtIn: null }]);
}

export function assertCanGrantDevices(grantor: Holdings, granted: DeviceAccess): void {
  if (!deviceAccessWithin(grantor.deviceAccess, granted)) {
    throw new DomainError(ErrorCode.Forbidden, 'You can only grant access to devices you can reach yourself.');
  }
}

/**
 * Acting on a grant offered and not yet taken (changing or revoking a pending invitation) is for
 * whoever could grant it now, as acting on a member is for whoever holds what the member holds: every
 * role of it that still exists (so only owners touch an offer of the owner role) and every device.
 */
export function assertCanActOnOffer(actor: Holdings, roles: readonly GrantableRole[], offered: DeviceAccess): void {
  assertCanGrantRoles(actor, roles);
  if (!deviceAccessWithin(actor.deviceAccess, offered)) {
    throw new DomainError(
      ErrorCode.Forbidden,
      'This invitation grants devices you cannot reach: only someone who reaches them all may change or revoke it.',
    );
  }
}

/** What a grant of roles and devices gives, as holdings: a principal's own grant (its teams' aside), a team's. */
export function holdingsOfGrant(roles: readonly GrantableRole[], deviceAccess: DeviceAccess): Holdings {
  return { isOwner: includesOwnerRole(roles), permissions: new Set(roles.flatMap((role) => role.permissions)), deviceAccess };
}

/** Holding nothing: what putting a principal in a team is judged against (the team's grant is its own, outliving the others). */
export const NOTHING_HELD: Holdings = holdingsOfGrant([], { mode: 'selected', deviceIds: [] });

/**
 * Does a grant of `roles` (null: unchanged) and `deviceAccess` (null: unchanged) give its grantee
 * anything `held` does not: ownership, a permission, a device? Only such a change is a grant for
 * assertCanGrantTo; narrowing is not (review 16a). `held` is the grantee's own grant, never what its
 * teams give: rights held through a team end with it, and must not be made the grantee's own by a
 * caller who could not grant them (review 17a).
 */
export function grantWidens(held: Holdings, roles: readonly GrantableRole[] | null, deviceAccess: DeviceAccess | null): boolean {
  if (roles !== null && includesOwnerRole(roles) && !held.isOwner) return true;
  if (roles?.some((role) => role.permissions.some((permission) => !held.permissions.has(permission)))) return true;
  return deviceAccess !== null && !deviceAccessWithin(held.deviceAccess, deviceAccess);
}

/** Whether a rule's check passes: the rule asked (to show or hide an action), not enforced. */
function passes(check: () => void): boolean {
  try {
    check();
    return true;
  } catch (error) {
    if (error instanceof DomainError) return false;
    throw error;
  }
}

/** The same, asked (an invitation's `manageable`), not enforced. */
export function canActOnOffer(actor: Holdings, roles: readonly GrantableRole[], offered: DeviceAccess): boolean {
  return passes(() => assertCanActOnOffer(actor, roles, offered));
}

/** An API user, a workspace's headless principal, is never one of its owners (400 on roleIds). */
export function assertApiUserRoles(roles: readonly Pick<GrantableRole, 'builtIn'>[]): void {
  if (includesOwnerRole(roles)) throw validationFailed('roleIds', 'API users cannot hold the owner role');
}

/**
 * To change, remove or cut off a principal (a member or an API user, one of its tokens included), the
 * caller holds every permission it holds (through the caller's token) and reaches every device it
 * reaches; only owners act on owners. Otherwise anyone with members:manage, api_users:manage or
 * tokens:manage could take a stronger principal's rights apart, or lock it out.
 */
export function assertCanActOn(actor: Holdings, target: Holdings, what: string): void {
  if (target.isOwner && !actor.isOwner) {
    throw new DomainError(ErrorCode.Forbidden, `Only owners may change, remove or cut off ${what}: it is an owner.`);
  }
  const missing = [...target.permissions].filter((p) => !actor.permissions.has(p));
  if (missing.length > 0) {
    throw new DomainError(
      ErrorCode.Forbidden,
      `You cannot change, remove or cut off ${what}: it holds ${missing.join(', ')}, which you do not hold.`,
    );
  }
  if (!deviceAccessWithin(actor.deviceAccess, target.deviceAccess)) {
    throw new DomainError(ErrorCode.Forbidden, `You cannot change, remove or cut off ${what}: it reaches devices you cannot reach.`);
  }
}

/** assertCanActOn() as a question, for showing or hiding an action. */
export function canActOn(actor: Holdings, target: Holdings): boolean {
  return passes(() => assertCanActOn(actor, target, ''));
}

/** An owner reaches every device, so a workspace (which always has an owner) never loses device access "all". */
export function assertOwnerReachesAll(isOwner: boolean, access: DeviceAccess): void {
  if (isOwner && access.mode !== 'all') {
    throw new DomainError(ErrorCode.Conflict, 'An owner always has access to all devices; take the owner role away first to narrow it.');
  }
}

// --- teams --------------------------------------------------------------------------------------

/** What a team hands every principal in it: its roles and its device access. */
export interface TeamGrant {
  roles: readonly GrantableRole[];
  deviceAccess: DeviceAccess;
}

/** Ownership stays personal: a team never carries the owner role (400 on roleIds). */
export function assertTeamRoles(roles: readonly Pick<GrantableRole, 'builtIn'>[]): void {
  if (includesOwnerRole(roles))
    throw validationFailed('roleIds', 'a team cannot hold the owner role; ownership is granted to members only');
}

/**
 * A team hands its roles and devices to everyone in it, those added later included. So defining a team
 * (creating it, changing it: old and new grant both), deleting it, and putting a principal in it or
 * taking one out are all granting what it hands out: the grantor holds every permission of its roles
 * (through its token) and reaches every device it reaches, exactly as for granting them directly.
 */
export function assertCanGrantTeam(grantor: Holdings, team: TeamGrant): void {
  assertTeamRoles(team.roles);
  assertCanGrantRoles(grantor, team.roles);
  assertCanGrantDevices(grantor, team.deviceAccess);
}

/** assertCanGrantTeam() as a question, for showing or hiding an action. */
export function canGrantTeam(grantor: Holdings, team: TeamGrant): boolean {
  return passes(() => assertCanGrantTeam(grantor, team));
}

// --- tokens -------------------------------------------------------------------------------------

export interface RequestedGrant {
  scopes: readonly string[];
  /** null: every workspace. */
  workspaceIds: readonly string[] | null;
  /** Devices the new token is bound to; null: not bound. Left out: not part of this grant. */
  deviceIds?: readonly string[] | null;
  /** Its network allow-list, normalised; null: any network. Left out: not part of this grant. */
  allowedCidrs?: readonly string[] | null;
  /** The workspaces the token will be cut off from. Left out: not part of this grant (only naming one is checked). */
  blockedWorkspaceIds?: readonly string[];
}

export function assertScopesWellFormed(scopes: readonly string[]): void {
  if (scopes.includes(ALL_SCOPES) && scopes.length > 1) throw validationFailed('scopes', '"*" cannot be combined with other scopes');
}

/** May a token with `own` scopes create a token with `requested` scopes? Only a subset of its own. */
export function scopesInclude(own: readonly string[], requested: readonly string[]): boolean {
  if (own.includes(ALL_SCOPES)) return true;
  return requested.every((scope) => scope !== ALL_SCOPES && own.includes(scope));
}

/**
 * Of `permissions`, those a token with `own` scopes may put on a token it makes, sorted: what a token
 * form offers (an API user's token: the permissions its roles give, within the maker's token).
 */
export function grantableScopes(own: readonly string[], permissions: Iterable<string>): string[] {
  return [...new Set(permissions)].filter((permission) => scopesInclude(own, [permission])).sort();
}

/** The networks a member's credentials work from: any (a membership has no network list). */
export const ANY_NETWORK = null;

/**
 * A grant (roles, devices, an invitation, an enabling, a role's or a team's wider rights) works from
 * wherever its grantee's credentials work, so a token held to some networks grants only to principals
 * held within them: never to a member or an invitee (ANY_NETWORK), to an API user only when its list is
 * within the caller's (reviews 13a and 15a: a network-limited admin API user invited, promoted or enabled
 * a principal that then worked from anywhere). Taking away (removing, revoking) is not a grant.
 */
export function assertCanGrantTo(grantor: AuthenticatedToken, granteeNetworks: readonly string[] | null): void {
  const networks = grantor.usableFromCidrs;
  if (networks === null || (granteeNetworks !== null && cidrsWithin(networks, granteeNetworks))) return;
  throw new DomainError(
    ErrorCode.Forbidden,
    granteeNetworks === null
      ? 'A network-bound token cannot grant to a member or an invitee: they work from any network. Use a token without a network list.'
      : 'A network-bound token can only grant to an API user held within the networks it may be used from itself.',
  );
}

/** The same, asked (an invitation's `manageable`), not enforced. */
export function canGrantTo(grantor: AuthenticatedToken, granteeNetworks: readonly string[] | null): boolean {
  return passes(() => assertCanGrantTo(grantor, granteeNetworks));
}

/**
 * The network allow-list of what a token makes (a token, an API user): the one asked for (normalised;
 * null: any network), or, left out (undefined), the networks the maker may be used from itself, so a
 * network-bound caller makes network-bound principals. assertTokenCanGrant judges the result.
 */
export function makersNetworks(maker: AuthenticatedToken, asked: readonly string[] | null | undefined): string[] | null {
  if (asked !== undefined) return asked && [...asked];
  return maker.usableFromCidrs && [...maker.usableFromCidrs];
}

/** A token makes (or rotates) a token only with scopes and workspaces it holds itself. */
export function assertTokenCanGrant(grantor: AuthenticatedToken, requested: RequestedGrant): void {
  if (!scopesInclude(grantor.scopes, requested.scopes)) {
    throw new DomainError(ErrorCode.Forbidden, 'A token can only grant scopes it holds itself.');
  }
  // A workspace that cut the grantor off is not reopened by a token it makes, rotates or enables: naming
  // it is refused, and a token reaching every workspace must be cut off from it too (createNamed
  // inherits the cut-offs; a rotation keeps the old token's).
  const cutOffs = grantor.blockedWorkspaceIds;
  if (cutOffs.length > 0) {
    if (requested.workspaceIds?.some((id) => cutOffs.includes(id))) {
      throw new DomainError(ErrorCode.Forbidden, 'A token cut off from a workspace cannot grant it.');
    }
    const blocked = requested.blockedWorkspaceIds;
    if (requested.workspaceIds === null && blocked !== undefined && cutOffs.some((id) => !blocked.includes(id))) {
      throw new DomainError(ErrorCode.Forbidden, 'A token cut off from a workspace cannot hand out a token that reaches it.');
    }
  }
  if (grantor.workspaceIds !== null) {
    const allowed = new Set(grantor.workspaceIds);
    if (requested.workspaceIds === null || requested.workspaceIds.some((id) => !allowed.has(id))) {
      throw new DomainError(ErrorCode.Forbidden, 'A workspace-restricted token can only grant workspaces it is restricted to.');
    }
  }
  // A bound token hands out no device, and no network, beyond its own binding: an unbound token made
  // by it (or a binding widened by it) would escape the binding.
  if (requested.deviceIds !== undefined && grantor.deviceIds !== null) {
    const own = new Set(grantor.deviceIds);
    if (requested.deviceIds === null || requested.deviceIds.some((id) => !own.has(id))) {
      throw new DomainError(ErrorCode.Forbidden, 'A device-bound token can only grant devices it is bound to.');
    }
  }
  // Its networks are its own list within its API user's: an API user's token limited by the API user's
  // list alone would otherwise make (or lift) lists wider than the networks it may be used from.
  const networks = grantor.usableFromCidrs;
  if (requested.allowedCidrs !== undefined && networks !== null) {
    if (requested.allowedCidrs === null || !cidrsWithin(networks, requested.allowedCidrs)) {
      throw new DomainError(ErrorCode.Forbidden, 'A network-bound token can only grant networks it may be used from itself.');
    }
  }
}

/**
 * A token cannot make a token that outlives it: a stolen short-lived token must not buy a
 * permanent one. Login sessions are exempt, since they stand for a fresh password check.
 */
export function capToGrantor(grantor: Grantor, wanted: Date | null): Date | null {
  if (isLoginSession(grantor) || grantor.token.expiresAt === null) return wanted;
  return wanted === null || wanted > grantor.token.expiresAt ? grantor.token.expiresAt : wanted;
}

/**
 * What does not expire (a trust rule; an API user enabled again, with every token and trust rule it
 * holds) is made only by a login session or a token that does not expire either. `what` starts the
 * refusal's sentence ("A trust rule does not expire").
 */
export function assertLivesForever(grantor: Grantor, what: string): void {
  assertLivesUntil(grantor, null, `${what}: it takes a login session or a token that does not expire either.`);
}

/**
 * What lives until `until` (null: for ever), brought back or handed out, is only for a grantor that
 * lives as long (capToGrantor's rule, enforced rather than applied): 403 with `refusal` otherwise.
 */
export function assertLivesUntil(grantor: Grantor, until: Date | null, refusal: string): void {
  if (capToGrantor(grantor, until) !== until) throw new DomainError(ErrorCode.Forbidden, refusal);
}

export type Grantor = { type: Principal['type']; token: Pick<AuthenticatedToken, 'kind' | 'parentId' | 'expiresAt'> };

/**
 * A session made by POST /auth/login from the password, not exchanged from another token. Only users
 * log in: an API user's session without a parent came from workload identity federation (an outside
 * OIDC token, src/federation), which proves no password.
 */
export function isLoginSession(grantor: Grantor): boolean {
  return grantor.type === 'user' && grantor.token.kind === 'session' && grantor.token.parentId === null;
}
