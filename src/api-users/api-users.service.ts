// API users: headless principals of one workspace, with roles, device access and lka_ tokens.
// Whatever acts on an API user (changing, renaming, disabling or deleting it, minting, rotating or
// revoking its tokens) needs a caller who holds all of its rights (assertCanActOn).
// Each write decides on the caller's rights as they are under the workspace's lock (WorkspaceWrites).
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import type { Actor } from '../audit/audit-log';
import { commonCidrs } from '../auth/network-allow-list';
import { toDeviceAccess } from '../authorization/device-access.dto';
import {
  assertApiUserRoles,
  assertScopesWellFormed,
  assertTokenCanGrant,
  assertCanGrantTo,
  grantWidens,
  holdingsOfGrant,
  canActOn,
  capToGrantor,
  grantableScopes,
  includesOwnerRole,
  assertLivesForever,
  makersNetworks,
} from '../authorization/grants';
import { ALL_SCOPES } from '../authorization/permissions';
import { assertPolicyAccepts } from '../authorization/token-policy';
import type { WorkspaceAccess } from '../authorization/workspace-access';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { WorkspaceWrites } from '../authorization/workspace-writes';
import { Clock } from '../common/clock';
import { conflict, notFound } from '../common/errors';
import { decodeCursor, Page, PageQueryDto, pageLimit, toPage } from '../common/pagination';
import { RotateTokenDto, UpdateTokenDto } from '../tokens/token.dto';
import { storedCidrs } from '../tokens/token-details';
import { idsWithinReach } from '../authorization/device-rules';
import { IssuedTokenView, toIssuedTokenView, toTokenViewWithin, TokenView } from '../tokens/token.view';
import { TokensRepository } from '../tokens/tokens.repository';
import { changeDetails, TokensService } from '../tokens/tokens.service';
import { GrantValidator } from '../workspaces/grant-validator';
import { WorkspacesRepository } from '../workspaces/workspaces.repository';
import { CreateApiUserDto, CreateApiUserTokenDto, UpdateApiUserDto } from './api-users.dto';
import { TokenUsageService } from '../tokens/token-usage.service';
import type { TokenUsageQueryDto, TokenUsageView } from '../tokens/token-usage.view';
import { rateLimitOf } from '../rate-limits/token-rate-limit';
import { ApiUserRecord, ApiUsersRepository } from './api-users.repository';
import { ApiUserDetailView, ApiUserView, CreatedApiUserView, toApiUserView } from './api-users.views';

const DAY_MS = 86_400_000;

@Injectable()
export class ApiUsersService {
  constructor(
    private readonly apiUsers: ApiUsersRepository,
    private readonly workspaces: WorkspacesRepository,
    private readonly grants: GrantValidator,
    private readonly writes: WorkspaceWrites,
    private readonly tokens: TokensService,
    private readonly tokenRows: TokensRepository,
    private readonly clock: Clock,
    private readonly usage: TokenUsageService,
  ) {}

  async create(caller: WorkspaceCaller, actor: Actor, dto: CreateApiUserDto): Promise<CreatedApiUserView> {
    const deviceAccess = toDeviceAccess(dto.deviceAccess);
    const now = this.clock.now();
    return this.writes.run(
      caller,
      actor,
      async ({ em, access, audit }) => {
        const roles = await this.grants.rolesToGrant(access, dto.roleIds, em);
        assertApiUserRoles(roles);
        await this.grants.devicesToGrant(access, deviceAccess, em);
        // Left out, its list is the networks its maker may be used from, as for a token it makes.
        const allowedCidrs = makersNetworks(access.principal.token, storedCidrs(dto.allowedCidrs));
        assertTokenCanGrant(access.principal.token, { scopes: [], workspaceIds: [access.workspaceId], allowedCidrs });
        const id = randomUUID();
        await this.apiUsers.insert(
          access.workspaceId,
          {
            id,
            name: dto.name.trim(),
            createdAt: now,
            rateLimit: dto.rateLimit ?? null,
            allowedCidrs,
          },
          access.principal,
          em,
        );
        await this.workspaces.insertMembership(
          access.workspaceId,
          {
            id: randomUUID(),
            userId: null,
            apiUserId: id,
            roleIds: dto.roleIds,
            deviceAccess,
            at: now,
          },
          em,
        );
        const token = await this.issueToken(em, access, id, { name: 'Default', expiresInDays: dto.expiresInDays });
        await audit({
          action: 'api_user.created',
          target: { type: 'api_user', id },
          details: { name: dto.name.trim(), roleIds: dto.roleIds, deviceAccess, tokenId: token.id, rateLimit: dto.rateLimit ?? null },
        });
        const apiUser = await this.apiUsers.find(access.workspaceId, id, em);
        return { apiUser: toApiUserView(apiUser as ApiUserRecord, access.deviceAccess), token };
      },
      { conflicts: nameTaken(dto.name.trim()) },
    );
  }

  async list(access: WorkspaceAccess, query: PageQueryDto): Promise<Page<ApiUserView>> {
    const limit = pageLimit(query);
    const rows = await this.apiUsers.list(access.workspaceId, decodeCursor(query.cursor), limit);
    return toPage(rows, limit, (row) => toApiUserView(row, access.deviceAccess));
  }

  async get(access: WorkspaceAccess, apiUserId: string): Promise<ApiUserDetailView> {
    const apiUser = await this.find(access, apiUserId);
    const permissions = apiUser.roles.flatMap((role) => role.permissions);
    // The rules its writes apply (api_users:manage, then assertCanActOn on what it holds), asked, not enforced.
    const manageable =
      access.permissions.has('api_users:manage') &&
      canActOn(access, {
        isOwner: includesOwnerRole(apiUser.roles),
        permissions: new Set(permissions),
        deviceAccess: apiUser.deviceAccess,
      });
    return {
      ...toApiUserView(apiUser, access.deviceAccess),
      manageable,
      grantablePermissions: manageable ? grantableScopes(access.principal.token.scopes, permissions) : [],
    };
  }

  async update(caller: WorkspaceCaller, actor: Actor, apiUserId: string, dto: UpdateApiUserDto): Promise<ApiUserView> {
    return this.writes.run(
      caller,
      actor,
      async ({ em, access, audit, assertCanActOn }) => {
        const apiUser = await this.findLocked(access, apiUserId, em);
        // Renaming, disabling and narrowing too: whoever may touch it at all holds what it holds.
        await assertCanActOn({ type: 'api_user', id: apiUserId }, 'API user', 'this API user');
        const enabling = dto.status === 'active' && apiUser.status !== 'active';
        // Enabled again, it gets back every token and trust rule it holds, however long they live.
        if (enabling) {
          assertLivesForever(access.principal, 'Enabling an API user brings back all its tokens and trust rules');
        }
        const allowedCidrs = storedCidrs(dto.allowedCidrs);
        // Widening the network its tokens work from is held to the caller's own token, as making one is.
        if (allowedCidrs !== undefined) {
          assertTokenCanGrant(access.principal.token, { scopes: [], workspaceIds: [access.workspaceId], allowedCidrs });
        }
        const now = this.clock.now();
        const roles = dto.roleIds ? await this.grants.rolesToGrant(access, dto.roleIds, em) : null;
        if (roles) assertApiUserRoles(roles);
        const deviceAccess = dto.deviceAccess ? toDeviceAccess(dto.deviceAccess) : null;
        if (deviceAccess) await this.grants.devicesToGrant(access, deviceAccess, em);
        // What it is given beyond what it holds (or given back, enabled) works from its networks: within
        // the caller's (review 15a, N2); narrowing is no grant (review 16a).
        if (enabling || grantWidens(holdingsOfGrant(apiUser.roles, apiUser.deviceAccess), roles, deviceAccess)) {
          assertCanGrantTo(access.principal.token, allowedCidrs === undefined ? apiUser.allowedCidrs : allowedCidrs);
        }
        if (dto.roleIds) await this.workspaces.setMembershipRoles(access.workspaceId, apiUser.membershipId, dto.roleIds, em);
        if (deviceAccess) await this.workspaces.setMembershipDevices(access.workspaceId, apiUser.membershipId, deviceAccess, now, em);
        await this.apiUsers.update(
          access.workspaceId,
          apiUserId,
          {
            name: dto.name?.trim() ?? apiUser.name,
            status: dto.status ?? apiUser.status,
            updatedAt: now,
            rateLimit: dto.rateLimit === undefined ? rateLimitOf(apiUser.rateLimit, apiUser.rateLimitWindowSeconds) : dto.rateLimit,
            allowedCidrs: allowedCidrs === undefined ? apiUser.allowedCidrs : allowedCidrs,
          },
          em,
        );
        await audit({
          action:
            dto.status && dto.status !== apiUser.status
              ? dto.status === 'disabled'
                ? 'api_user.disabled'
                : 'api_user.enabled'
              : 'api_user.updated',
          target: { type: 'api_user', id: apiUserId },
          details: { fields: Object.keys(dto) },
        });
        // Read in the transaction: the answer shows this change, and a deletion committed right
        // after cannot turn a change that was made into a 404.
        return toApiUserView(await this.find(access, apiUserId, em), access.deviceAccess);
      },
      { conflicts: nameTaken(dto.name?.trim()) },
    );
  }

  async delete(caller: WorkspaceCaller, actor: Actor, apiUserId: string): Promise<void> {
    await this.writes.run(caller, actor, async ({ em, access, audit, assertCanActOn }) => {
      const apiUser = await this.findLocked(access, apiUserId, em);
      await assertCanActOn({ type: 'api_user', id: apiUserId }, 'API user', 'this API user');
      await this.apiUsers.delete(access.workspaceId, apiUserId, em);
      await audit({ action: 'api_user.deleted', target: { type: 'api_user', id: apiUserId }, details: { name: apiUser.name } });
    });
  }

  // --- its tokens -----------------------------------------------------------------------------

  async listTokens(access: WorkspaceAccess, apiUserId: string, query: PageQueryDto): Promise<Page<TokenView>> {
    await this.find(access, apiUserId);
    const limit = pageLimit(query);
    const now = this.clock.now();
    const rows = await this.tokenRows.listForOwner(
      { type: 'api_user', id: apiUserId },
      { kinds: ['api_user', 'session'], includeInactive: false, now, after: decodeCursor(query.cursor), limit },
    );
    return toPage(rows, limit, (row) => toTokenViewWithin(row, now, access.deviceAccess));
  }

  /**
   * listTokens()'s first page for each of these API users of the caller's workspace, in a bounded number
   * of statements (GraphQL's apiUsers { tokens }); an id not of this workspace gets an empty page.
   */
  async firstTokenPages(
    access: WorkspaceAccess,
    apiUserIds: readonly string[],
    query: PageQueryDto,
  ): Promise<Map<string, Page<TokenView>>> {
    const limit = pageLimit(query);
    const now = this.clock.now();
    const rows = await this.tokenRows.listActiveForApiUsers(access.workspaceId, apiUserIds, now, limit);
    return new Map(
      apiUserIds.map((id) => [
        id,
        toPage(
          rows.filter((row) => row.apiUserId === id),
          limit,
          (row) => toTokenViewWithin(row, now, access.deviceAccess),
        ),
      ]),
    );
  }

  async createToken(caller: WorkspaceCaller, actor: Actor, apiUserId: string, dto: CreateApiUserTokenDto): Promise<IssuedTokenView> {
    return this.writes.run(caller, actor, async ({ em, access, audit, assertCanActOn }) => {
      await this.findLocked(access, apiUserId, em);
      await assertCanActOn({ type: 'api_user', id: apiUserId }, 'API user', 'this API user');
      const token = await this.issueToken(em, access, apiUserId, dto);
      await audit({
        action: 'token.created',
        target: { type: 'token', id: token.id },
        details: { apiUserId, scopes: token.scopes, expiresAt: token.expiresAt, rateLimit: token.rateLimit },
      });
      return token;
    });
  }

  async revokeToken(caller: WorkspaceCaller, actor: Actor, apiUserId: string, tokenId: string): Promise<void> {
    await this.writes.run(caller, actor, async ({ em, access, audit, assertCanActOn }) => {
      await this.find(access, apiUserId, em);
      await assertCanActOn({ type: 'api_user', id: apiUserId }, 'API user', 'this API user');
      const token = await this.tokenRows.findForOwner({ type: 'api_user', id: apiUserId }, tokenId, em);
      if (!token) throw notFound('Token');
      // Revoking a dead token again answers 204 too, but changes nothing and records nothing.
      if (!(await this.tokenRows.revoke(tokenId, this.clock.now(), em))) return;
      await audit({ action: 'token.revoked', target: { type: 'token', id: tokenId }, details: { apiUserId } });
    });
  }

  /** An API user's token's usage: the API user of this workspace, the token of that API user, else 404. */
  async tokenUsage(access: WorkspaceAccess, apiUserId: string, tokenId: string, query: TokenUsageQueryDto): Promise<TokenUsageView> {
    await this.find(access, apiUserId);
    const token = await this.tokenRows.findForOwner({ type: 'api_user', id: apiUserId }, tokenId);
    if (!token) throw notFound('Token');
    return this.usage.read(token.id, query.days);
  }

  /** PATCH: the token's bindings and details, enable and disable, by whoever may manage the API user. */
  async updateToken(caller: WorkspaceCaller, actor: Actor, apiUserId: string, tokenId: string, dto: UpdateTokenDto): Promise<TokenView> {
    return this.writes.run(caller, actor, async ({ em, access, audit, assertCanActOn }) => {
      const apiUser = await this.find(access, apiUserId, em);
      await assertCanActOn({ type: 'api_user', id: apiUserId }, 'API user', 'this API user');
      const token = await this.tokenRows.findForOwnerLocked({ type: 'api_user', id: apiUserId }, tokenId, em);
      if (!token) throw notFound('Token');
      const owner = { type: 'api_user' as const, id: apiUserId, allowedCidrs: apiUser.allowedCidrs };
      const actions = await this.tokens.changeInTransaction(em, token, dto, access.principal, owner, false);
      for (const action of actions) {
        await audit({ action, target: { type: 'token', id: tokenId }, details: { apiUserId, ...changeDetails(dto) } });
      }
      return toTokenViewWithin(token, this.clock.now(), access.deviceAccess);
    });
  }

  async rotateToken(
    caller: WorkspaceCaller,
    actor: Actor,
    apiUserId: string,
    tokenId: string,
    dto: RotateTokenDto,
  ): Promise<IssuedTokenView> {
    return this.writes.run(caller, actor, async ({ em, access, audit, assertCanActOn }) => {
      const apiUser = await this.find(access, apiUserId, em);
      await assertCanActOn({ type: 'api_user', id: apiUserId }, 'API user', 'this API user');
      const old = await this.tokenRows.findForOwnerLocked({ type: 'api_user', id: apiUserId }, tokenId, em);
      if (!old) throw notFound('Token');
      if (old.kind !== 'api_user') throw conflict('Sessions cannot be rotated.');
      this.tokens.assertRotatable(old);
      // A rotation hands out a new secret with the old one's rights: only what the caller could make
      // (issueToken's rule). Its devices are the API user's, within reach (assertCanActOn above); its
      // networks are its own list within its API user's, as the token check holds it to both.
      assertTokenCanGrant(access.principal.token, {
        scopes: old.scopes,
        workspaceIds: [access.workspaceId],
        allowedCidrs: commonCidrs(old.allowedCidrs, apiUser.allowedCidrs),
      });
      const rotated = await this.tokens.rotateInTransaction(em, old, dto.graceSeconds ?? 0, access.principal);
      await audit({
        action: 'token.rotated',
        target: { type: 'token', id: old.id },
        details: { apiUserId, replacedBy: rotated.id, graceSeconds: dto.graceSeconds ?? 0 },
      });
      // Its binding as the token lists show it to the rotator: the devices in the rotator's reach.
      return { ...rotated, deviceIds: rotated.deviceIds && idsWithinReach(access.deviceAccess, rotated.deviceIds) };
    });
  }

  private async issueToken(
    em: EntityManager,
    access: WorkspaceAccess,
    apiUserId: string,
    dto: CreateApiUserTokenDto,
  ): Promise<IssuedTokenView> {
    const scopes = dto.scopes ?? [ALL_SCOPES];
    assertScopesWellFormed(scopes);
    // Left out, the network allow-list is the networks the maker may be used from: a network-bound caller
    // makes network-bound tokens. Its devices are the API user's, already within the caller's reach
    // (assertCanActOn): not inherited.
    const maker = access.principal.token;
    const allowedCidrs = makersNetworks(maker, storedCidrs(dto.allowedCidrs));
    // Its scopes are within the maker's own token; its life within the maker's token and the workspace policy.
    assertTokenCanGrant(maker, { scopes, workspaceIds: [access.workspaceId], allowedCidrs });
    if (dto.deviceIds) await this.tokens.assertDevicesReached({ type: 'api_user', id: apiUserId }, dto.deviceIds, [access.workspaceId], em);
    const now = this.clock.now();
    const expiresAt = capToGrantor(
      access.principal,
      dto.expiresInDays == null ? null : new Date(now.getTime() + dto.expiresInDays * DAY_MS),
    );
    const workspace = await this.workspaces.find(access.workspaceId, em);
    if (workspace) assertPolicyAccepts(workspace, { kind: 'api_user', createdAt: now, expiresAt }, 'This workspace', 'set expiresInDays');
    const { token, secret } = await this.tokens.issue(em, {
      kind: 'api_user',
      userId: null,
      apiUserId,
      name: dto.name?.trim() ?? 'API token',
      scopes,
      workspaceIds: [access.workspaceId],
      expiresAt,
      rateLimit: dto.rateLimit ?? null,
      deviceIds: dto.deviceIds ?? null,
      allowedCidrs,
      description: dto.description ?? null,
      metadata: dto.metadata ?? null,
      madeBy: access.principal,
    });
    return toIssuedTokenView(token, secret);
  }

  private async find(access: WorkspaceAccess, apiUserId: string, em?: EntityManager): Promise<ApiUserRecord> {
    const apiUser = await this.apiUsers.find(access.workspaceId, apiUserId, em);
    if (!apiUser) throw notFound('API user');
    return apiUser;
  }

  /** As find(), with the API user's row locked until the transaction ends. */
  private async findLocked(access: WorkspaceAccess, apiUserId: string, em: EntityManager): Promise<ApiUserRecord> {
    const apiUser = await this.apiUsers.findLocked(access.workspaceId, apiUserId, em);
    if (!apiUser) throw notFound('API user');
    return apiUser;
  }
}

function nameTaken(name: string | undefined) {
  return { api_users_workspace_name_key: `An API user named "${name}" exists already.` };
}
