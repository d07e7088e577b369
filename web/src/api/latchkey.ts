// Every call the web UI makes, by path and method of the generated `paths`: a request or an answer
// that drifts from openapi.json does not compile. Nothing here that the public API does not offer.
import { answer, type ApiClient } from './client';
import type { components, operations } from './schema';

type Dto<Name extends keyof components['schemas']> = components['schemas'][Name];
type Query<Operation extends keyof operations> = NonNullable<operations[Operation]['parameters']['query']>;

export function latchkeyApi({ signedIn: http, anonymous }: ApiClient) {
  return {
    catalog: () => answer(anonymous.GET('/v1/permissions')),

    auth: {
      register: (body: Dto<'RegisterDto'>) => answer(anonymous.POST('/v1/auth/register', { body })),
      login: (body: Dto<'LoginDto'>) => answer(anonymous.POST('/v1/auth/login', { body })),
      logout: () => answer(http.POST('/v1/auth/logout')),
      /** The secret of a mailed verification link. */
      verifyEmail: (token: string) => answer(anonymous.POST('/v1/auth/verify-email', { body: { token } })),
      /** The same answer whether or not the address has an account. */
      requestPasswordReset: (email: string) => answer(anonymous.POST('/v1/auth/password-reset', { body: { email } })),
      confirmPasswordReset: (body: Dto<'PasswordResetConfirmDto'>) => answer(anonymous.POST('/v1/auth/password-reset/confirm', { body })),
    },

    me: {
      get: () => answer(http.GET('/v1/me')),
      /** Mails a new verification link (409: already verified). */
      sendEmailVerification: () => answer(http.POST('/v1/me/email-verification')),
      update: (body: Dto<'UpdateMeDto'>) => answer(http.PATCH('/v1/me', { body })),
      auditEvents: (query: Query<'listMyAuditEvents'> = {}) => answer(http.GET('/v1/me/audit-events', { params: { query } })),
      personalToken: () => answer(http.GET('/v1/me/personal-token')),
      regeneratePersonalToken: () => answer(http.POST('/v1/me/personal-token/regenerate')),
      tokens: (query: Query<'listMyTokens'> = {}) => answer(http.GET('/v1/me/tokens', { params: { query } })),
      createToken: (body: Dto<'CreateNamedTokenDto'>) => answer(http.POST('/v1/me/tokens', { body })),
      rotateToken: (tokenId: string, graceSeconds: number) =>
        answer(http.POST('/v1/me/tokens/{tokenId}/rotate', { params: { path: { tokenId } }, body: { graceSeconds } })),
      revokeToken: (tokenId: string) => answer(http.DELETE('/v1/me/tokens/{tokenId}', { params: { path: { tokenId } } })),
      updateToken: (tokenId: string, body: Dto<'UpdateTokenDto'>) =>
        answer(http.PATCH('/v1/me/tokens/{tokenId}', { params: { path: { tokenId } }, body })),
      tokenUsage: (tokenId: string, query: Query<'getMyTokenUsage'> = {}) =>
        answer(http.GET('/v1/me/tokens/{tokenId}/usage', { params: { path: { tokenId }, query } })),
      invitations: () => answer(http.GET('/v1/me/invitations')),
      sessions: (query: Query<'listMySessions'> = {}) => answer(http.GET('/v1/me/sessions', { params: { query } })),
      revokeSession: (sessionId: string) => answer(http.DELETE('/v1/me/sessions/{sessionId}', { params: { path: { sessionId } } })),
      revokeOtherSessions: () => answer(http.POST('/v1/me/sessions/revoke-others')),
    },

    invitations: {
      /** Public: what a link invites to (workspace, inviter, roles, devices by name), for its landing page. */
      preview: (token: string) => answer(anonymous.POST('/v1/invitations/preview', { body: { token } })),
      accept: (token: string) => answer(http.POST('/v1/invitations/accept', { body: { token } })),
      /** The secret is needed unless the user's email address is verified. */
      decline: (invitationId: string, token?: string) =>
        answer(http.POST('/v1/invitations/{id}/decline', { params: { path: { id: invitationId } }, body: token ? { token } : {} })),
    },

    workspaces: {
      list: (query: Query<'listWorkspaces'> = {}) => answer(http.GET('/v1/workspaces', { params: { query } })),
      create: (body: Dto<'CreateWorkspaceDto'>) => answer(http.POST('/v1/workspaces', { body })),
      get: (wid: string) => answer(http.GET('/v1/workspaces/{wid}', { params: { path: { wid } } })),
      update: (wid: string, body: Dto<'UpdateWorkspaceDto'>) =>
        answer(http.PATCH('/v1/workspaces/{wid}', { params: { path: { wid } }, body })),
      leave: (wid: string) => answer(http.POST('/v1/workspaces/{wid}/leave', { params: { path: { wid } } })),
      remove: (wid: string) => answer(http.DELETE('/v1/workspaces/{wid}', { params: { path: { wid } } })),
      policy: (wid: string) => answer(http.GET('/v1/workspaces/{wid}/token-policy', { params: { path: { wid } } })),
      previewPolicy: (wid: string, body: Dto<'TokenPolicyDto'>) =>
        answer(http.POST('/v1/workspaces/{wid}/token-policy/preview', { params: { path: { wid } }, body })),
      putPolicy: (wid: string, body: Dto<'TokenPolicyDto'>) =>
        answer(http.PUT('/v1/workspaces/{wid}/token-policy', { params: { path: { wid } }, body })),
    },

    roles: {
      list: (wid: string) => answer(http.GET('/v1/workspaces/{wid}/roles', { params: { path: { wid } } })),
      create: (wid: string, body: Dto<'CreateRoleDto'>) =>
        answer(http.POST('/v1/workspaces/{wid}/roles', { params: { path: { wid } }, body })),
      update: (wid: string, roleId: string, body: Dto<'UpdateRoleDto'>) =>
        answer(http.PATCH('/v1/workspaces/{wid}/roles/{roleId}', { params: { path: { wid, roleId } }, body })),
      remove: (wid: string, roleId: string) =>
        answer(http.DELETE('/v1/workspaces/{wid}/roles/{roleId}', { params: { path: { wid, roleId } } })),
    },

    members: {
      list: (wid: string, query: Query<'listMembers'> = {}) =>
        answer(http.GET('/v1/workspaces/{wid}/members', { params: { path: { wid }, query } })),
      update: (wid: string, userId: string, body: Dto<'UpdateMemberDto'>) =>
        answer(http.PATCH('/v1/workspaces/{wid}/members/{userId}', { params: { path: { wid, userId } }, body })),
      remove: (wid: string, userId: string) =>
        answer(http.DELETE('/v1/workspaces/{wid}/members/{userId}', { params: { path: { wid, userId } } })),
    },

    workspaceInvitations: {
      list: (wid: string, query: Query<'listInvitations'> = {}) =>
        answer(http.GET('/v1/workspaces/{wid}/invitations', { params: { path: { wid }, query } })),
      create: (wid: string, body: Dto<'CreateInvitationDto'>) =>
        answer(http.POST('/v1/workspaces/{wid}/invitations', { params: { path: { wid } }, body })),
      update: (wid: string, invitationId: string, body: Dto<'UpdateInvitationDto'>) =>
        answer(http.PATCH('/v1/workspaces/{wid}/invitations/{id}', { params: { path: { wid, id: invitationId } }, body })),
      revoke: (wid: string, invitationId: string) =>
        answer(http.DELETE('/v1/workspaces/{wid}/invitations/{id}', { params: { path: { wid, id: invitationId } } })),
      resend: (wid: string, invitationId: string, expiresInDays?: number) =>
        answer(
          http.POST('/v1/workspaces/{wid}/invitations/{id}/resend', {
            params: { path: { wid, id: invitationId } },
            body: expiresInDays ? { expiresInDays } : {},
          }),
        ),
    },

    devices: {
      list: (wid: string, query: Query<'listDevices'> = {}) =>
        answer(http.GET('/v1/workspaces/{wid}/devices', { params: { path: { wid }, query } })),
      create: (wid: string, body: Dto<'CreateDeviceDto'>) =>
        answer(http.POST('/v1/workspaces/{wid}/devices', { params: { path: { wid } }, body })),
      update: (wid: string, deviceId: string, body: Dto<'UpdateDeviceDto'>) =>
        answer(http.PATCH('/v1/workspaces/{wid}/devices/{deviceId}', { params: { path: { wid, deviceId } }, body })),
      remove: (wid: string, deviceId: string) =>
        answer(http.DELETE('/v1/workspaces/{wid}/devices/{deviceId}', { params: { path: { wid, deviceId } } })),
    },

    apiUsers: {
      list: (wid: string, query: Query<'listApiUsers'> = {}) =>
        answer(http.GET('/v1/workspaces/{wid}/api-users', { params: { path: { wid }, query } })),
      create: (wid: string, body: Dto<'CreateApiUserDto'>) =>
        answer(http.POST('/v1/workspaces/{wid}/api-users', { params: { path: { wid } }, body })),
      get: (wid: string, apiUserId: string) =>
        answer(http.GET('/v1/workspaces/{wid}/api-users/{id}', { params: { path: { wid, id: apiUserId } } })),
      update: (wid: string, apiUserId: string, body: Dto<'UpdateApiUserDto'>) =>
        answer(http.PATCH('/v1/workspaces/{wid}/api-users/{id}', { params: { path: { wid, id: apiUserId } }, body })),
      remove: (wid: string, apiUserId: string) =>
        answer(http.DELETE('/v1/workspaces/{wid}/api-users/{id}', { params: { path: { wid, id: apiUserId } } })),
      tokens: (wid: string, apiUserId: string, query: Query<'listApiUserTokens'> = {}) =>
        answer(http.GET('/v1/workspaces/{wid}/api-users/{id}/tokens', { params: { path: { wid, id: apiUserId }, query } })),
      createToken: (wid: string, apiUserId: string, body: Dto<'CreateApiUserTokenDto'>) =>
        answer(http.POST('/v1/workspaces/{wid}/api-users/{id}/tokens', { params: { path: { wid, id: apiUserId } }, body })),
      rotateToken: (wid: string, apiUserId: string, tokenId: string, graceSeconds: number) =>
        answer(
          http.POST('/v1/workspaces/{wid}/api-users/{id}/tokens/{tokenId}/rotate', {
            params: { path: { wid, id: apiUserId, tokenId } },
            body: { graceSeconds },
          }),
        ),
      updateToken: (wid: string, apiUserId: string, tokenId: string, body: Dto<'UpdateTokenDto'>) =>
        answer(
          http.PATCH('/v1/workspaces/{wid}/api-users/{id}/tokens/{tokenId}', { params: { path: { wid, id: apiUserId, tokenId } }, body }),
        ),
      revokeToken: (wid: string, apiUserId: string, tokenId: string) =>
        answer(
          http.DELETE('/v1/workspaces/{wid}/api-users/{id}/tokens/{tokenId}', {
            params: { path: { wid, id: apiUserId, tokenId } },
          }),
        ),
      tokenUsage: (wid: string, apiUserId: string, tokenId: string, query: Query<'getApiUserTokenUsage'> = {}) =>
        answer(
          http.GET('/v1/workspaces/{wid}/api-users/{id}/tokens/{tokenId}/usage', {
            params: { path: { wid, id: apiUserId, tokenId }, query },
          }),
        ),
      trustRules: (wid: string, apiUserId: string) =>
        answer(http.GET('/v1/workspaces/{wid}/api-users/{id}/trust-rules', { params: { path: { wid, id: apiUserId } } })),
      createTrustRule: (wid: string, apiUserId: string, body: Dto<'CreateTrustRuleDto'>) =>
        answer(http.POST('/v1/workspaces/{wid}/api-users/{id}/trust-rules', { params: { path: { wid, id: apiUserId } }, body })),
      removeTrustRule: (wid: string, apiUserId: string, ruleId: string) =>
        answer(
          http.DELETE('/v1/workspaces/{wid}/api-users/{id}/trust-rules/{ruleId}', {
            params: { path: { wid, id: apiUserId, ruleId } },
          }),
        ),
    },

    workspaceTokens: {
      list: (wid: string, query: Query<'listWorkspaceTokens'> = {}) =>
        answer(http.GET('/v1/workspaces/{wid}/tokens', { params: { path: { wid }, query } })),
      revoke: (wid: string, tokenId: string) =>
        answer(http.DELETE('/v1/workspaces/{wid}/tokens/{tokenId}', { params: { path: { wid, tokenId } } })),
      unused: (wid: string, query: Query<'listUnusedWorkspaceTokens'> = {}) =>
        answer(http.GET('/v1/workspaces/{wid}/tokens/unused', { params: { path: { wid }, query } })),
    },

    teams: {
      list: (wid: string, query: Query<'listTeams'> = {}) =>
        answer(http.GET('/v1/workspaces/{wid}/teams', { params: { path: { wid }, query } })),
      create: (wid: string, body: Dto<'CreateTeamDto'>) =>
        answer(http.POST('/v1/workspaces/{wid}/teams', { params: { path: { wid } }, body })),
      update: (wid: string, teamId: string, body: Dto<'UpdateTeamDto'>) =>
        answer(http.PATCH('/v1/workspaces/{wid}/teams/{teamId}', { params: { path: { wid, teamId } }, body })),
      remove: (wid: string, teamId: string) =>
        answer(http.DELETE('/v1/workspaces/{wid}/teams/{teamId}', { params: { path: { wid, teamId } } })),
      addMember: (wid: string, teamId: string, userId: string) =>
        answer(http.PUT('/v1/workspaces/{wid}/teams/{teamId}/members/{userId}', { params: { path: { wid, teamId, userId } } })),
      removeMember: (wid: string, teamId: string, userId: string) =>
        answer(http.DELETE('/v1/workspaces/{wid}/teams/{teamId}/members/{userId}', { params: { path: { wid, teamId, userId } } })),
      addApiUser: (wid: string, teamId: string, apiUserId: string) =>
        answer(http.PUT('/v1/workspaces/{wid}/teams/{teamId}/api-users/{apiUserId}', { params: { path: { wid, teamId, apiUserId } } })),
      removeApiUser: (wid: string, teamId: string, apiUserId: string) =>
        answer(http.DELETE('/v1/workspaces/{wid}/teams/{teamId}/api-users/{apiUserId}', { params: { path: { wid, teamId, apiUserId } } })),
    },

    webhooks: {
      list: (wid: string, query: Query<'listWebhooks'> = {}) =>
        answer(http.GET('/v1/workspaces/{wid}/webhooks', { params: { path: { wid }, query } })),
      create: (wid: string, body: Dto<'CreateWebhookDto'>) =>
        answer(http.POST('/v1/workspaces/{wid}/webhooks', { params: { path: { wid } }, body })),
      update: (wid: string, id: string, body: Dto<'UpdateWebhookDto'>) =>
        answer(http.PATCH('/v1/workspaces/{wid}/webhooks/{id}', { params: { path: { wid, id } }, body })),
      remove: (wid: string, id: string) => answer(http.DELETE('/v1/workspaces/{wid}/webhooks/{id}', { params: { path: { wid, id } } })),
      rotateSecret: (wid: string, id: string, overlapSeconds: number) =>
        answer(http.POST('/v1/workspaces/{wid}/webhooks/{id}/rotate-secret', { params: { path: { wid, id } }, body: { overlapSeconds } })),
      test: (wid: string, id: string) => answer(http.POST('/v1/workspaces/{wid}/webhooks/{id}/test', { params: { path: { wid, id } } })),
      deliveries: (wid: string, id: string, query: Query<'listWebhookDeliveries'> = {}) =>
        answer(http.GET('/v1/workspaces/{wid}/webhooks/{id}/deliveries', { params: { path: { wid, id }, query } })),
      redeliver: (wid: string, id: string, deliveryId: string) =>
        answer(
          http.POST('/v1/workspaces/{wid}/webhooks/{id}/deliveries/{deliveryId}/redeliver', {
            params: { path: { wid, id, deliveryId } },
          }),
        ),
    },

    admin: {
      users: (query: Query<'listUsers'> = {}) => answer(http.GET('/v1/admin/users', { params: { query } })),
      deactivate: (id: string) => answer(http.POST('/v1/admin/users/{id}/deactivate', { params: { path: { id } } })),
      reactivate: (id: string) => answer(http.POST('/v1/admin/users/{id}/reactivate', { params: { path: { id } } })),
    },

    audit: {
      list: (wid: string, query: Query<'listWorkspaceAuditEvents'> = {}) =>
        answer(http.GET('/v1/workspaces/{wid}/audit-events', { params: { path: { wid }, query } })),
      /** The events the filters select as a file (at most 10,000; `truncated` when more matched). */
      export: async (wid: string, query: Query<'exportWorkspaceAuditEvents'>) => {
        const call = http.GET('/v1/workspaces/{wid}/audit-events/export', { params: { path: { wid }, query }, parseAs: 'blob' });
        const { response } = await call;
        const file = (await answer(call)) as unknown as Blob;
        return { file, truncated: response.headers.get('Latchkey-Export-Truncated') === 'true' };
      },
    },
  };
}

export type LatchkeyApi = ReturnType<typeof latchkeyApi>;
