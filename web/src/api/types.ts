// The shapes Latchkey's API answers with (see openapi.json and src/**/*.view.ts on the server).

export type Iso = string;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface FieldProblem {
  field: string;
  message: string;
}

/** RFC 9457 problem details, as every Latchkey error answers. */
export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  code?: string;
  requestId?: string;
  errors?: FieldProblem[];
}

export type DeviceAccess = { mode: 'all' } | { mode: 'selected'; deviceIds: string[] };

export interface User {
  id: string;
  email: string;
  name: string;
  status: 'active' | 'deactivated';
  /** Null until the address is verified: until then /me/invitations lists nothing. */
  emailVerifiedAt: Iso | null;
  createdAt: Iso;
  updatedAt: Iso;
}

export type TokenKind = 'personal' | 'named' | 'session' | 'api_user';

export interface Token {
  id: string;
  name: string | null;
  kind: TokenKind;
  hint: string;
  scopes: string[];
  workspaceIds: string[] | null;
  createdAt: Iso;
  expiresAt: Iso | null;
  lastUsedAt: Iso | null;
  lastUsedIp: string | null;
  revokedAt: Iso | null;
  parentId: string | null;
  replacedById: string | null;
}

/** A token in the one response that carries its secret. */
export type IssuedToken = Token & { secret: string };

export type GovernedToken = Token & {
  owner: { type: 'api_user'; id: string } | { type: 'user'; id: string; email: string };
  /** The workspace token policy's verdict on the token; `reason` is the detail of the 403 its holder gets. */
  policy: { accepted: true } | { accepted: false; reason: string };
};

export interface TokenPolicy {
  maxLifetimeDays: number | null;
  allowPersonalTokens: boolean;
}

export interface RoleRef {
  id: string;
  name: string;
  builtIn?: boolean;
}

export interface Workspace {
  id: string;
  name: string;
  slug: string;
  tokenPolicy: TokenPolicy;
  createdAt: Iso;
  updatedAt: Iso;
  /** The caller's roles in it. */
  roles?: RoleRef[];
}

/** What the caller may do in a workspace, as the server resolved it for the request (src/workspaces/caller-access.view.ts). */
export interface CallerAccess {
  /** Owner-only actions also need their permission in `permissions`. */
  isOwner: boolean;
  roleIds: string[];
  /** Effective: the roles' permissions narrowed to the token's scopes. */
  permissions: string[];
  /** With mode "selected", the ids only when `permissions` has devices:read. */
  deviceAccess: { mode: 'all' } | { mode: 'selected'; deviceIds?: string[] };
}

/** GET /v1/workspaces/:wid: the workspace with the caller's access in it. */
export type WorkspaceDetail = Workspace & { access: CallerAccess };

export interface Role {
  id: string;
  name: string;
  description: string | null;
  permissions: string[];
  builtIn: boolean;
  createdAt: Iso;
  updatedAt: Iso;
}

export interface Member {
  userId: string;
  email: string;
  name: string;
  roles: RoleRef[];
  deviceAccess: DeviceAccess;
  joinedAt: Iso;
}

export type InvitationStatus = 'pending' | 'accepted' | 'declined' | 'revoked' | 'expired';

export interface Invitation {
  id: string;
  workspaceId: string;
  email: string;
  roleIds: string[];
  deviceAccess: DeviceAccess;
  status: InvitationStatus;
  hint: string;
  invitedByUserId: string;
  createdAt: Iso;
  expiresAt: Iso;
  acceptedAt: Iso | null;
  declinedAt: Iso | null;
  revokedAt: Iso | null;
}

export type PendingInvitation = Invitation & { workspace: { id: string; name: string; slug: string } };

export interface Device {
  id: string;
  name: string;
  serial: string;
  metadata: Record<string, unknown>;
  createdAt: Iso;
  updatedAt: Iso;
}

export interface ApiUser {
  id: string;
  workspaceId: string;
  name: string;
  status: 'active' | 'disabled';
  roles: RoleRef[];
  deviceAccess: DeviceAccess;
  createdByUserId: string;
  createdAt: Iso;
  updatedAt: Iso;
}

export interface AuditEvent {
  id: string;
  action: string;
  workspaceId: string | null;
  actor: { type: string; id: string | null; tokenId: string | null };
  target: { type: string; id: string } | null;
  ip: string | null;
  details: Record<string, unknown>;
  createdAt: Iso;
}

export interface CatalogEntry {
  name: string;
  description: string;
}

export interface Catalog {
  permissions: CatalogEntry[];
  accountScopes: CatalogEntry[];
}
