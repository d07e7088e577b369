// GET /v1/whoami: the caller described to its own token. Only the caller: its identity, for an API user
// its one workspace with its roles and devices, and the token's own facts; nothing of other principals.
import { Injectable } from '@nestjs/common';
import { toUserView } from '../accounts/user.view';
import { UsersRepository } from '../accounts/users.repository';
import { ApiUsersRepository } from '../api-users/api-users.repository';
import type { ApiUserPrincipal, Principal, UserPrincipal } from '../auth/principal';
import { effectivePermissions, isPermission, scopesCover } from '../authorization/permissions';
import { assertNotCutOff } from '../authorization/workspace-access';
import { DomainError, ErrorCode } from '../common/errors';
import { TokensRepository } from '../tokens/tokens.repository';
import { tokenReach } from '../authorization/device-rules';
import { toDeviceAccessView } from '../workspaces/caller-access.view';
import { WorkspacesRepository } from '../workspaces/workspaces.repository';
import type { WhoamiTokenView, WhoamiUserView, WhoamiView } from './whoami.view';

@Injectable()
export class WhoamiService {
  constructor(
    private readonly users: UsersRepository,
    private readonly apiUsers: ApiUsersRepository,
    private readonly workspaces: WorkspacesRepository,
    private readonly tokens: TokensRepository,
  ) {}

  async whoami(principal: Principal): Promise<WhoamiView> {
    const token = await this.tokenView(principal);
    return principal.type === 'user'
      ? { type: 'user', user: await this.user(principal), token }
      : { ...(await this.apiUser(principal)), token };
  }

  /** What GET /v1/me gives, to a token that may read it (account:read); to another, only the id. */
  private async user(principal: UserPrincipal): Promise<WhoamiUserView> {
    if (!scopesCover(principal.token.scopes, 'account:read')) return { id: principal.id };
    const user = await this.users.findById(principal.id);
    if (!user) throw gone();
    return toUserView(user);
  }

  private async apiUser(principal: ApiUserPrincipal): Promise<Omit<WhoamiView, 'token'>> {
    const workspaceId = principal.workspaceId;
    // A token an admin cut off from the API user's workspace reaches nothing there, its description included.
    assertNotCutOff(principal.token, workspaceId);
    const [apiUser, workspace] = await Promise.all([this.apiUsers.find(workspaceId, principal.id), this.workspaces.find(workspaceId)]);
    if (!apiUser || !workspace) throw gone();
    const rolePermissions = new Set(apiUser.roles.flatMap((r) => r.permissions).filter(isPermission));
    const mayListDevices = effectivePermissions(rolePermissions, principal.token.scopes).has('devices:read');
    return {
      type: 'api_user',
      apiUser: { id: apiUser.id, name: apiUser.name },
      workspace: { id: workspace.id, name: workspace.name },
      roles: apiUser.roles
        .map((r) => ({ id: r.id, name: r.name, permissions: [...r.permissions].sort() }))
        .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id)),
      // A device-bound token is told of the devices it reaches: the API user's, within its binding.
      deviceAccess: toDeviceAccessView(tokenReach(apiUser.deviceAccess, principal.token.boundDevices, workspaceId), mayListDevices),
    };
  }

  /** The calling token's own facts; its expiry as authentication judged it (parent and grace included). */
  private async tokenView(principal: Principal): Promise<WhoamiTokenView> {
    const token = await this.tokens.findForOwner({ type: principal.type, id: principal.id }, principal.token.id);
    if (!token) throw gone();
    return {
      id: token.id,
      kind: token.kind,
      hint: token.hint,
      scopes: principal.token.scopes,
      expiresAt: principal.token.expiresAt,
      workspaceIds: principal.token.workspaceIds,
      deviceIds: principal.token.deviceIds && [...principal.token.deviceIds],
      allowedCidrs: principal.token.allowedCidrs && [...principal.token.allowedCidrs],
    };
  }
}

/** The token's principal or row went away after authentication: as if the token were not valid. */
function gone(): DomainError {
  return new DomainError(ErrorCode.TokenInvalid, 'The token is not valid.');
}
