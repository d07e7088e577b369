// A mutation for each REST write, held to that route's rule and calling the same service method.
// Each answers the changed object; where a secret is made, it is in the answer this once.
// Registration, login, logout and the session exchange stay REST-only (docs/graphql.md).
import { Args, Context, ID, Mutation, Resolver } from '@nestjs/graphql';
import { ApiUsersController } from '../api-users/api-users.controller';
import { ApiUsersService } from '../api-users/api-users.service';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { DevicesController } from '../devices/devices.controller';
import { DevicesService } from '../devices/devices.service';
import { MeTokensController } from '../tokens/me-tokens.controller';
import { TokensService } from '../tokens/tokens.service';
import { WorkspaceTokensController } from '../tokens/workspace-tokens.controller';
import { WorkspaceTokensService } from '../tokens/workspace-tokens.service';
import { InvitationsController } from '../workspaces/invitations.controller';
import { InvitationChangesService } from '../workspaces/invitation-changes.service';
import { InvitationsService } from '../workspaces/invitations.service';
import { MembersController } from '../workspaces/members.controller';
import { MembersService } from '../workspaces/members.service';
import { RolesController } from '../workspaces/roles.controller';
import { RolesService } from '../workspaces/roles.service';
import { WorkspacesController } from '../workspaces/workspaces.controller';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { GraphqlAccess, uuidArg } from './graphql-access';
import type { GraphqlContext } from './graphql-context';
import {
  AcceptInvitationInput,
  UpdateInvitationInput,
  DeclineInvitationInput,
  ResendInvitationInput,
  CreateApiUserInput,
  CreateApiUserTokenInput,
  CreateDeviceInput,
  CreateDevicesInput,
  CreateInvitationInput,
  CreateNamedTokenInput,
  CreateRoleInput,
  CreateWorkspaceInput,
  RotateTokenInput,
  UpdateTokenInput,
  TokenPolicyInput,
  UpdateApiUserInput,
  UpdateDeviceInput,
  UpdateMemberInput,
  UpdateRoleInput,
  UpdateWorkspaceInput,
} from './graphql-inputs';
import {
  AcceptedInvitationType,
  ApiUserType,
  CreatedApiUserType,
  DeletedType,
  DeviceType,
  IssuedInvitationType,
  InvitationType,
  IssuedTokenType,
  TokenType,
  MemberType,
  RoleType,
  TokenPolicyType,
  WorkspaceType,
} from './graphql-types';
import { SameRuleAs, workspaceRuleOf } from './same-rule';

type Controller = abstract new (...args: never[]) => object;
const ID_ARG = { type: () => ID };

@Resolver()
export class MutationResolver {
  constructor(
    private readonly access: GraphqlAccess,
    private readonly workspaces: WorkspacesService,
    private readonly roles: RolesService,
    private readonly members: MembersService,
    private readonly invitations: InvitationsService,
    private readonly invitationChanges: InvitationChangesService,
    private readonly devices: DevicesService,
    private readonly apiUsers: ApiUsersService,
    private readonly tokens: TokensService,
    private readonly workspaceTokens: WorkspaceTokensService,
  ) {}

  /**
   * The caller in the workspace, under the rule of `controller.method` (the route this mutation stands
   * for): the admission GraphqlWorkspaceAdmission made afresh for this mutation before it ran.
   */
  private admit<C extends Controller>(
    ctx: GraphqlContext,
    workspaceId: string,
    controller: C,
    method: keyof InstanceType<C> & string,
  ): Promise<WorkspaceCaller> {
    return this.access.admit(ctx, workspaceId, workspaceRuleOf(controller, method));
  }

  // --- workspaces ------------------------------------------------------------------------------

  @Mutation(() => WorkspaceType)
  @SameRuleAs(WorkspacesController, 'create')
  createWorkspace(@Context() ctx: GraphqlContext, @Args('input') input: CreateWorkspaceInput) {
    return this.workspaces.create(this.access.user(ctx), this.access.actor(ctx), input);
  }

  @Mutation(() => WorkspaceType)
  @SameRuleAs(WorkspacesController, 'update')
  async updateWorkspace(@Context() ctx: GraphqlContext, @Args('id', ID_ARG) id: string, @Args('input') input: UpdateWorkspaceInput) {
    return this.workspaces.update(await this.admit(ctx, id, WorkspacesController, 'update'), this.access.actor(ctx), input);
  }

  @Mutation(() => DeletedType)
  @SameRuleAs(WorkspacesController, 'delete')
  async deleteWorkspace(@Context() ctx: GraphqlContext, @Args('id', ID_ARG) id: string) {
    const caller = await this.admit(ctx, id, WorkspacesController, 'delete');
    await this.workspaces.delete(caller, this.access.actor(ctx));
    return { id: caller.workspaceId };
  }

  @Mutation(() => DeletedType, { description: 'Leave the workspace; answers its id' })
  @SameRuleAs(WorkspacesController, 'leave')
  async leaveWorkspace(@Context() ctx: GraphqlContext, @Args('id', ID_ARG) id: string) {
    const caller = await this.admit(ctx, id, WorkspacesController, 'leave');
    await this.workspaces.leave(caller, this.access.actor(ctx));
    return { id: caller.workspaceId };
  }

  @Mutation(() => TokenPolicyType)
  @SameRuleAs(WorkspacesController, 'putPolicy')
  async setTokenPolicy(
    @Context() ctx: GraphqlContext,
    @Args('workspaceId', ID_ARG) workspaceId: string,
    @Args('input') input: TokenPolicyInput,
  ) {
    return this.workspaces.putPolicy(await this.admit(ctx, workspaceId, WorkspacesController, 'putPolicy'), this.access.actor(ctx), input);
  }

  // --- roles -----------------------------------------------------------------------------------

  @Mutation(() => RoleType)
  @SameRuleAs(RolesController, 'create')
  async createRole(
    @Context() ctx: GraphqlContext,
    @Args('workspaceId', ID_ARG) workspaceId: string,
    @Args('input') input: CreateRoleInput,
  ) {
    return this.roles.create(await this.admit(ctx, workspaceId, RolesController, 'create'), this.access.actor(ctx), input);
  }

  @Mutation(() => RoleType)
  @SameRuleAs(RolesController, 'update')
  async updateRole(
    @Context() ctx: GraphqlContext,
    @Args('workspaceId', ID_ARG) workspaceId: string,
    @Args('id', ID_ARG) id: string,
    @Args('input') input: UpdateRoleInput,
  ) {
    const caller = await this.admit(ctx, workspaceId, RolesController, 'update');
    return this.roles.update(caller, this.access.actor(ctx), uuidArg('id', id), input);
  }

  @Mutation(() => DeletedType)
  @SameRuleAs(RolesController, 'delete')
  async deleteRole(@Context() ctx: GraphqlContext, @Args('workspaceId', ID_ARG) workspaceId: string, @Args('id', ID_ARG) id: string) {
    const caller = await this.admit(ctx, workspaceId, RolesController, 'delete');
    const roleId = uuidArg('id', id);
    await this.roles.delete(caller, this.access.actor(ctx), roleId);
    return { id: roleId };
  }

  // --- members and invitations -----------------------------------------------------------------

  @Mutation(() => MemberType)
  @SameRuleAs(MembersController, 'update')
  async updateMember(
    @Context() ctx: GraphqlContext,
    @Args('workspaceId', ID_ARG) workspaceId: string,
    @Args('userId', ID_ARG) userId: string,
    @Args('input') input: UpdateMemberInput,
  ) {
    const caller = await this.admit(ctx, workspaceId, MembersController, 'update');
    return this.members.update(caller, this.access.actor(ctx), uuidArg('userId', userId), input);
  }

  @Mutation(() => DeletedType, { description: 'Remove a member; answers the user id' })
  @SameRuleAs(MembersController, 'remove')
  async removeMember(
    @Context() ctx: GraphqlContext,
    @Args('workspaceId', ID_ARG) workspaceId: string,
    @Args('userId', ID_ARG) userId: string,
  ) {
    const caller = await this.admit(ctx, workspaceId, MembersController, 'remove');
    const id = uuidArg('userId', userId);
    await this.members.remove(caller, this.access.actor(ctx), id);
    return { id };
  }

  @Mutation(() => IssuedInvitationType)
  @SameRuleAs(InvitationsController, 'create')
  async createInvitation(
    @Context() ctx: GraphqlContext,
    @Args('workspaceId', ID_ARG) workspaceId: string,
    @Args('input') input: CreateInvitationInput,
  ) {
    return this.invitations.create(await this.admit(ctx, workspaceId, InvitationsController, 'create'), this.access.actor(ctx), input);
  }

  @Mutation(() => InvitationType, { description: 'A pending invitation with new roles and devices; the same secret and expiry' })
  @SameRuleAs(InvitationsController, 'update')
  async updateInvitation(
    @Context() ctx: GraphqlContext,
    @Args('workspaceId', ID_ARG) workspaceId: string,
    @Args('id', ID_ARG) id: string,
    @Args('input') input: UpdateInvitationInput,
  ) {
    const caller = await this.admit(ctx, workspaceId, InvitationsController, 'update');
    return this.invitationChanges.update(caller, this.access.actor(ctx), uuidArg('id', id), input);
  }

  @Mutation(() => DeletedType)
  @SameRuleAs(InvitationsController, 'revoke')
  async revokeInvitation(@Context() ctx: GraphqlContext, @Args('workspaceId', ID_ARG) workspaceId: string, @Args('id', ID_ARG) id: string) {
    const caller = await this.admit(ctx, workspaceId, InvitationsController, 'revoke');
    const invitationId = uuidArg('id', id);
    await this.invitations.revoke(caller, this.access.actor(ctx), invitationId);
    return { id: invitationId };
  }

  @Mutation(() => IssuedInvitationType, { description: 'A pending invitation sent again: a new secret (shown this once), a new expiry' })
  @SameRuleAs(InvitationsController, 'resend')
  async resendInvitation(
    @Context() ctx: GraphqlContext,
    @Args('workspaceId', ID_ARG) workspaceId: string,
    @Args('id', ID_ARG) id: string,
    @Args('input', { nullable: true }) input: ResendInvitationInput = new ResendInvitationInput(),
  ) {
    const caller = await this.admit(ctx, workspaceId, InvitationsController, 'resend');
    return this.invitations.resend(caller, this.access.actor(ctx), uuidArg('id', id), input);
  }

  @Mutation(() => AcceptedInvitationType, { description: 'Accept an invitation to your verified email with its secret' })
  @SameRuleAs(InvitationsController, 'accept')
  acceptInvitation(@Context() ctx: GraphqlContext, @Args('input') input: AcceptInvitationInput) {
    return this.invitations.accept(this.access.user(ctx), this.access.actor(ctx), input);
  }

  @Mutation(() => DeletedType, { description: 'Decline an invitation to you; answers its id' })
  @SameRuleAs(InvitationsController, 'decline')
  async declineInvitation(
    @Context() ctx: GraphqlContext,
    @Args('id', ID_ARG) id: string,
    @Args('input', { nullable: true }) input: DeclineInvitationInput = new DeclineInvitationInput(),
  ) {
    const invitationId = uuidArg('id', id);
    await this.invitations.decline(this.access.user(ctx), this.access.actor(ctx), invitationId, input);
    return { id: invitationId };
  }

  // --- devices ---------------------------------------------------------------------------------

  @Mutation(() => DeviceType)
  @SameRuleAs(DevicesController, 'create')
  async createDevice(
    @Context() ctx: GraphqlContext,
    @Args('workspaceId', ID_ARG) workspaceId: string,
    @Args('input') input: CreateDeviceInput,
  ) {
    return this.devices.create(await this.admit(ctx, workspaceId, DevicesController, 'create'), this.access.actor(ctx), input);
  }

  @Mutation(() => [DeviceType], { description: 'As POST /v1/workspaces/{wid}/devices/bulk: the devices, in the order given' })
  @SameRuleAs(DevicesController, 'createMany')
  async createDevices(
    @Context() ctx: GraphqlContext,
    @Args('workspaceId', ID_ARG) workspaceId: string,
    @Args('input') input: CreateDevicesInput,
  ) {
    return this.devices.createMany(await this.admit(ctx, workspaceId, DevicesController, 'createMany'), this.access.actor(ctx), input);
  }

  @Mutation(() => DeviceType)
  @SameRuleAs(DevicesController, 'update')
  async updateDevice(
    @Context() ctx: GraphqlContext,
    @Args('workspaceId', ID_ARG) workspaceId: string,
    @Args('id', ID_ARG) id: string,
    @Args('input') input: UpdateDeviceInput,
  ) {
    const caller = await this.admit(ctx, workspaceId, DevicesController, 'update');
    return this.devices.update(caller, this.access.actor(ctx), uuidArg('id', id), input);
  }

  @Mutation(() => DeletedType)
  @SameRuleAs(DevicesController, 'delete')
  async deleteDevice(@Context() ctx: GraphqlContext, @Args('workspaceId', ID_ARG) workspaceId: string, @Args('id', ID_ARG) id: string) {
    const caller = await this.admit(ctx, workspaceId, DevicesController, 'delete');
    const deviceId = uuidArg('id', id);
    await this.devices.delete(caller, this.access.actor(ctx), deviceId);
    return { id: deviceId };
  }

  // --- API users and their tokens --------------------------------------------------------------

  @Mutation(() => CreatedApiUserType, { description: 'The API user and its first token, with the secret (shown this once)' })
  @SameRuleAs(ApiUsersController, 'create')
  async createApiUser(
    @Context() ctx: GraphqlContext,
    @Args('workspaceId', ID_ARG) workspaceId: string,
    @Args('input') input: CreateApiUserInput,
  ) {
    return this.apiUsers.create(await this.admit(ctx, workspaceId, ApiUsersController, 'create'), this.access.actor(ctx), input);
  }

  @Mutation(() => ApiUserType)
  @SameRuleAs(ApiUsersController, 'update')
  async updateApiUser(
    @Context() ctx: GraphqlContext,
    @Args('workspaceId', ID_ARG) workspaceId: string,
    @Args('id', ID_ARG) id: string,
    @Args('input') input: UpdateApiUserInput,
  ) {
    const caller = await this.admit(ctx, workspaceId, ApiUsersController, 'update');
    return this.apiUsers.update(caller, this.access.actor(ctx), uuidArg('id', id), input);
  }

  @Mutation(() => DeletedType)
  @SameRuleAs(ApiUsersController, 'delete')
  async deleteApiUser(@Context() ctx: GraphqlContext, @Args('workspaceId', ID_ARG) workspaceId: string, @Args('id', ID_ARG) id: string) {
    const caller = await this.admit(ctx, workspaceId, ApiUsersController, 'delete');
    const apiUserId = uuidArg('id', id);
    await this.apiUsers.delete(caller, this.access.actor(ctx), apiUserId);
    return { id: apiUserId };
  }

  @Mutation(() => IssuedTokenType)
  @SameRuleAs(ApiUsersController, 'createToken')
  async createApiUserToken(
    @Context() ctx: GraphqlContext,
    @Args('workspaceId', ID_ARG) workspaceId: string,
    @Args('apiUserId', ID_ARG) apiUserId: string,
    @Args('input', { nullable: true }) input: CreateApiUserTokenInput = new CreateApiUserTokenInput(),
  ) {
    const caller = await this.admit(ctx, workspaceId, ApiUsersController, 'createToken');
    return this.apiUsers.createToken(caller, this.access.actor(ctx), uuidArg('apiUserId', apiUserId), input);
  }

  @Mutation(() => DeletedType)
  @SameRuleAs(ApiUsersController, 'revokeToken')
  async revokeApiUserToken(
    @Context() ctx: GraphqlContext,
    @Args('workspaceId', ID_ARG) workspaceId: string,
    @Args('apiUserId', ID_ARG) apiUserId: string,
    @Args('tokenId', ID_ARG) tokenId: string,
  ) {
    const caller = await this.admit(ctx, workspaceId, ApiUsersController, 'revokeToken');
    const id = uuidArg('tokenId', tokenId);
    await this.apiUsers.revokeToken(caller, this.access.actor(ctx), uuidArg('apiUserId', apiUserId), id);
    return { id };
  }

  @Mutation(() => IssuedTokenType)
  @SameRuleAs(ApiUsersController, 'rotateToken')
  async rotateApiUserToken(
    @Context() ctx: GraphqlContext,
    @Args('workspaceId', ID_ARG) workspaceId: string,
    @Args('apiUserId', ID_ARG) apiUserId: string,
    @Args('tokenId', ID_ARG) tokenId: string,
    @Args('input', { nullable: true }) input: RotateTokenInput = new RotateTokenInput(),
  ) {
    const caller = await this.admit(ctx, workspaceId, ApiUsersController, 'rotateToken');
    return this.apiUsers.rotateToken(caller, this.access.actor(ctx), uuidArg('apiUserId', apiUserId), uuidArg('tokenId', tokenId), input);
  }

  @Mutation(() => TokenType, {
    description: "As PATCH …/api-users/{id}/tokens/{tokenId}: bind, describe, limit, disable or enable an API user's token",
  })
  @SameRuleAs(ApiUsersController, 'updateToken')
  async updateApiUserToken(
    @Context() ctx: GraphqlContext,
    @Args('workspaceId', ID_ARG) workspaceId: string,
    @Args('apiUserId', ID_ARG) apiUserId: string,
    @Args('tokenId', ID_ARG) tokenId: string,
    @Args('input') input: UpdateTokenInput,
  ) {
    const caller = await this.admit(ctx, workspaceId, ApiUsersController, 'updateToken');
    return this.apiUsers.updateToken(caller, this.access.actor(ctx), uuidArg('apiUserId', apiUserId), uuidArg('tokenId', tokenId), input);
  }

  @Mutation(() => DeletedType, { description: 'Token governance: revoke a token that reaches the workspace (or cut it off from it)' })
  @SameRuleAs(WorkspaceTokensController, 'revoke')
  async revokeWorkspaceToken(
    @Context() ctx: GraphqlContext,
    @Args('workspaceId', ID_ARG) workspaceId: string,
    @Args('tokenId', ID_ARG) tokenId: string,
  ) {
    const caller = await this.admit(ctx, workspaceId, WorkspaceTokensController, 'revoke');
    const id = uuidArg('tokenId', tokenId);
    await this.workspaceTokens.revoke(caller, this.access.actor(ctx), id);
    return { id };
  }

  // --- my tokens -------------------------------------------------------------------------------

  @Mutation(() => IssuedTokenType, { description: 'A named personal token, with its secret (shown this once)' })
  @SameRuleAs(MeTokensController, 'create')
  createToken(@Context() ctx: GraphqlContext, @Args('input') input: CreateNamedTokenInput) {
    return this.tokens.createNamed(this.access.user(ctx), this.access.actor(ctx), input);
  }

  @Mutation(() => DeletedType)
  @SameRuleAs(MeTokensController, 'revoke')
  async revokeToken(@Context() ctx: GraphqlContext, @Args('id', ID_ARG) id: string) {
    const tokenId = uuidArg('id', id);
    await this.tokens.revoke(this.access.user(ctx), this.access.actor(ctx), tokenId);
    return { id: tokenId };
  }

  @Mutation(() => TokenType, {
    description: 'As PATCH /v1/me/tokens/{id}: bind one of your tokens to devices or networks, describe it, limit it, disable or enable it',
  })
  @SameRuleAs(MeTokensController, 'update')
  updateToken(@Context() ctx: GraphqlContext, @Args('id', ID_ARG) id: string, @Args('input') input: UpdateTokenInput) {
    return this.tokens.update(this.access.user(ctx), this.access.actor(ctx), uuidArg('id', id), input);
  }

  @Mutation(() => TokenType, { description: 'updateToken with enabled: false: refused like a revoked token until enabled again' })
  @SameRuleAs(MeTokensController, 'update')
  disableToken(@Context() ctx: GraphqlContext, @Args('id', ID_ARG) id: string) {
    return this.tokens.update(
      this.access.user(ctx),
      this.access.actor(ctx),
      uuidArg('id', id),
      Object.assign(new UpdateTokenInput(), { enabled: false }),
    );
  }

  @Mutation(() => TokenType, { description: 'updateToken with enabled: true: the same secret works again' })
  @SameRuleAs(MeTokensController, 'update')
  enableToken(@Context() ctx: GraphqlContext, @Args('id', ID_ARG) id: string) {
    return this.tokens.update(
      this.access.user(ctx),
      this.access.actor(ctx),
      uuidArg('id', id),
      Object.assign(new UpdateTokenInput(), { enabled: true }),
    );
  }

  @Mutation(() => IssuedTokenType)
  @SameRuleAs(MeTokensController, 'rotate')
  rotateToken(
    @Context() ctx: GraphqlContext,
    @Args('id', ID_ARG) id: string,
    @Args('input', { nullable: true }) input: RotateTokenInput = new RotateTokenInput(),
  ) {
    return this.tokens.rotate(this.access.user(ctx), this.access.actor(ctx), uuidArg('id', id), input);
  }
}
