// Every call the web UI makes, typed; nothing here that the public API does not offer.
import type { ApiClient } from './client';
import type {
  ApiUser,
  AuditEvent,
  Catalog,
  Device,
  DeviceAccess,
  GovernedToken,
  Invitation,
  IssuedToken,
  Member,
  Page,
  PendingInvitation,
  Role,
  Token,
  TokenPolicy,
  User,
  Workspace,
  WorkspaceDetail,
} from './types';

export interface PageQuery {
  cursor?: string;
  limit?: number;
}

export interface NamedTokenInput {
  name: string;
  scopes: string[];
  workspaceIds?: string[] | null;
  expiresInDays?: number | null;
}

export interface GrantInput {
  roleIds: string[];
  deviceAccess: DeviceAccess;
}

const w = (wid: string) => `/v1/workspaces/${encodeURIComponent(wid)}`;
const id = encodeURIComponent;

export function latchkeyApi(http: ApiClient) {
  return {
    catalog: () => http.get<Catalog>('/v1/permissions', undefined, { anonymous: true }),

    auth: {
      register: (body: { email: string; password: string; name: string }) =>
        http.post<{ user: User; personalToken: IssuedToken }>('/v1/auth/register', body, { anonymous: true }),
      login: (body: { email: string; password: string }) => http.post<{ token: IssuedToken }>('/v1/auth/login', body, { anonymous: true }),
      logout: () => http.post<void>('/v1/auth/logout'),
    },

    me: {
      get: () => http.get<User>('/v1/me'),
      update: (body: { name?: string; password?: string; currentPassword?: string }) => http.patch<User>('/v1/me', body),
      auditEvents: (query: PageQuery = {}) => http.get<Page<AuditEvent>>('/v1/me/audit-events', { ...query }),
      personalToken: () => http.get<Token>('/v1/me/personal-token'),
      regeneratePersonalToken: () => http.post<IssuedToken>('/v1/me/personal-token/regenerate'),
      tokens: (query: PageQuery & { kind?: 'named' | 'session' | 'personal'; includeInactive?: boolean } = {}) =>
        http.get<Page<Token>>('/v1/me/tokens', { ...query }),
      createToken: (body: NamedTokenInput) => http.post<IssuedToken>('/v1/me/tokens', body),
      rotateToken: (tokenId: string, graceSeconds: number) =>
        http.post<IssuedToken>(`/v1/me/tokens/${id(tokenId)}/rotate`, { graceSeconds }),
      revokeToken: (tokenId: string) => http.delete(`/v1/me/tokens/${id(tokenId)}`),
      invitations: () => http.get<Page<PendingInvitation>>('/v1/me/invitations'),
    },

    invitations: {
      accept: (token: string) => http.post<{ workspaceId: string; member: Member | null }>('/v1/invitations/accept', { token }),
      /** The secret is needed unless the user's email address is verified. */
      decline: (invitationId: string, token?: string) =>
        http.post<void>(`/v1/invitations/${id(invitationId)}/decline`, token ? { token } : undefined),
    },

    workspaces: {
      list: (query: PageQuery = {}) => http.get<Page<Workspace>>('/v1/workspaces', { ...query }),
      create: (body: { name: string; slug?: string }) => http.post<Workspace>('/v1/workspaces', body),
      get: (wid: string) => http.get<WorkspaceDetail>(w(wid)),
      update: (wid: string, body: { name?: string; slug?: string }) => http.patch<Workspace>(w(wid), body),
      leave: (wid: string) => http.post<void>(`${w(wid)}/leave`),
      remove: (wid: string) => http.delete(w(wid)),
      policy: (wid: string) => http.get<TokenPolicy>(`${w(wid)}/token-policy`),
      putPolicy: (wid: string, body: TokenPolicy) => http.put<TokenPolicy>(`${w(wid)}/token-policy`, body),
    },

    roles: {
      list: (wid: string) => http.get<Page<Role>>(`${w(wid)}/roles`),
      create: (wid: string, body: { name: string; description?: string; permissions: string[] }) =>
        http.post<Role>(`${w(wid)}/roles`, body),
      update: (wid: string, roleId: string, body: { name?: string; description?: string | null; permissions?: string[] }) =>
        http.patch<Role>(`${w(wid)}/roles/${id(roleId)}`, body),
      remove: (wid: string, roleId: string) => http.delete(`${w(wid)}/roles/${id(roleId)}`),
    },

    members: {
      list: (wid: string, query: PageQuery = {}) => http.get<Page<Member>>(`${w(wid)}/members`, { ...query }),
      update: (wid: string, userId: string, body: Partial<GrantInput>) => http.patch<Member>(`${w(wid)}/members/${id(userId)}`, body),
      remove: (wid: string, userId: string) => http.delete(`${w(wid)}/members/${id(userId)}`),
    },

    workspaceInvitations: {
      list: (wid: string, query: PageQuery = {}) => http.get<Page<Invitation>>(`${w(wid)}/invitations`, { ...query }),
      create: (wid: string, body: GrantInput & { email: string; expiresInDays?: number }) =>
        http.post<{ invitation: Invitation; secret: string }>(`${w(wid)}/invitations`, body),
      revoke: (wid: string, invitationId: string) => http.delete(`${w(wid)}/invitations/${id(invitationId)}`),
      resend: (wid: string, invitationId: string, expiresInDays?: number) =>
        http.post<{ invitation: Invitation; secret: string }>(
          `${w(wid)}/invitations/${id(invitationId)}/resend`,
          expiresInDays ? { expiresInDays } : {},
        ),
    },

    devices: {
      list: (wid: string, query: PageQuery = {}) => http.get<Page<Device>>(`${w(wid)}/devices`, { ...query }),
      create: (wid: string, body: { name: string; serial: string; metadata?: Record<string, unknown> }) =>
        http.post<Device>(`${w(wid)}/devices`, body),
      update: (wid: string, deviceId: string, body: { name?: string; serial?: string; metadata?: Record<string, unknown> }) =>
        http.patch<Device>(`${w(wid)}/devices/${id(deviceId)}`, body),
      remove: (wid: string, deviceId: string) => http.delete(`${w(wid)}/devices/${id(deviceId)}`),
    },

    apiUsers: {
      list: (wid: string, query: PageQuery = {}) => http.get<Page<ApiUser>>(`${w(wid)}/api-users`, { ...query }),
      create: (wid: string, body: GrantInput & { name: string }) =>
        http.post<{ apiUser: ApiUser; token: IssuedToken }>(`${w(wid)}/api-users`, body),
      get: (wid: string, apiUserId: string) => http.get<ApiUser>(`${w(wid)}/api-users/${id(apiUserId)}`),
      update: (wid: string, apiUserId: string, body: Partial<GrantInput> & { name?: string; status?: 'active' | 'disabled' }) =>
        http.patch<ApiUser>(`${w(wid)}/api-users/${id(apiUserId)}`, body),
      remove: (wid: string, apiUserId: string) => http.delete(`${w(wid)}/api-users/${id(apiUserId)}`),
      tokens: (wid: string, apiUserId: string, query: PageQuery = {}) =>
        http.get<Page<Token>>(`${w(wid)}/api-users/${id(apiUserId)}/tokens`, { ...query }),
      createToken: (wid: string, apiUserId: string, body: { name?: string; scopes?: string[]; expiresInDays?: number | null }) =>
        http.post<IssuedToken>(`${w(wid)}/api-users/${id(apiUserId)}/tokens`, body),
      rotateToken: (wid: string, apiUserId: string, tokenId: string, graceSeconds: number) =>
        http.post<IssuedToken>(`${w(wid)}/api-users/${id(apiUserId)}/tokens/${id(tokenId)}/rotate`, { graceSeconds }),
      revokeToken: (wid: string, apiUserId: string, tokenId: string) =>
        http.delete(`${w(wid)}/api-users/${id(apiUserId)}/tokens/${id(tokenId)}`),
    },

    workspaceTokens: {
      list: (wid: string, query: PageQuery = {}) => http.get<Page<GovernedToken>>(`${w(wid)}/tokens`, { ...query }),
      revoke: (wid: string, tokenId: string) => http.delete(`${w(wid)}/tokens/${id(tokenId)}`),
    },

    audit: {
      list: (wid: string, query: PageQuery & { action?: string; actorId?: string } = {}) =>
        http.get<Page<AuditEvent>>(`${w(wid)}/audit-events`, { ...query }),
    },
  };
}

export type LatchkeyApi = ReturnType<typeof latchkeyApi>;
