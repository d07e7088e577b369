// A workspace's teams through GraphQL: `teams` and `team` as fields of Workspace, and the REST writes
// as mutations, each under the rule of the REST route it mirrors (src/teams/teams.controller.ts) and
// through the same service.
import {
  Args,
  Context,
  Field,
  GraphQLISODateTime,
  ID,
  InputType,
  Mutation,
  ObjectType,
  Parent,
  ResolveField,
  Resolver,
} from '@nestjs/graphql';
import { CreateTeamDto, UpdateTeamDto } from '../teams/teams.dto';
import { TeamsController } from '../teams/teams.controller';
import { TeamsService } from '../teams/teams.service';
import { GraphqlAccess, uuidArg } from './graphql-access';
import type { GraphqlContext } from './graphql-context';
import { DeviceAccessInput, PageArgs } from './graphql-inputs';
import { DeletedType, DeviceAccessType, RoleRefType, WorkspaceType } from './graphql-types';
import { PageOf } from './pages';
import { SameRuleAs, workspaceRuleOf } from './same-rule';

@ObjectType('TeamMember', { description: 'A member in a team' })
export class TeamMemberType {
  @Field(() => ID) userId: string;
  @Field() email: string;
  @Field() name: string;
}

@ObjectType('TeamApiUser', { description: 'An API user in a team' })
export class TeamApiUserType {
  @Field(() => ID) id: string;
  @Field() name: string;
}

@ObjectType('Team', { description: 'Roles and device access shared by the members and API users in it (as GET …/teams/{id})' })
export class TeamType {
  @Field(() => ID) id: string;
  @Field(() => ID) workspaceId: string;
  @Field() name: string;
  @Field(() => String, { nullable: true }) description: string | null;
  @Field(() => [RoleRefType], { description: 'Roles handed to everyone in the team' }) roles: RoleRefType[];
  @Field(() => DeviceAccessType, { description: 'Devices everyone in the team reaches; all includes devices added later' })
  deviceAccess: DeviceAccessType;
  @Field(() => [TeamMemberType]) members: TeamMemberType[];
  @Field(() => [TeamApiUserType]) apiUsers: TeamApiUserType[];
  @Field({ description: 'The caller holds teams:manage and every right the team hands out' }) manageable: boolean;
  @Field(() => GraphQLISODateTime) createdAt: Date;
  @Field(() => GraphQLISODateTime) updatedAt: Date;
}

@InputType()
export class CreateTeamInput extends CreateTeamDto {
  @Field() override name: string;
  @Field({ nullable: true }) override description?: string;
  @Field(() => [ID]) override roleIds: string[];
  @Field(() => DeviceAccessInput) override deviceAccess: DeviceAccessInput;
}

@InputType()
export class UpdateTeamInput extends UpdateTeamDto {
  @Field({ nullable: true }) override name?: string;
  @Field(() => String, { nullable: true }) override description?: string | null;
  @Field(() => [ID], { nullable: true }) override roleIds?: string[];
  @Field(() => DeviceAccessInput, { nullable: true }) override deviceAccess?: DeviceAccessInput;
}

export const TeamPage = PageOf(TeamType, 'Team');

const RULES = {
  list: workspaceRuleOf(TeamsController, 'list'),
  get: workspaceRuleOf(TeamsController, 'get'),
};
const ID_ARG = { type: () => ID };

@Resolver(() => WorkspaceType)
export class WorkspaceTeamsResolver {
  constructor(
    private readonly access: GraphqlAccess,
    private readonly service: TeamsService,
  ) {}

  @ResolveField(() => TeamPage, { description: "The workspace's teams, newest first (teams:read)" })
  async teams(@Context() ctx: GraphqlContext, @Parent() workspace: WorkspaceType, @Args() page: PageArgs) {
    return this.service.list(await this.access.admit(ctx, workspace.id, RULES.list), page);
  }

  @ResolveField(() => TeamType, { description: 'One team (teams:read)' })
  async team(@Context() ctx: GraphqlContext, @Parent() workspace: WorkspaceType, @Args('id', ID_ARG) id: string) {
    return this.service.get(await this.access.admit(ctx, workspace.id, RULES.get), uuidArg('id', id));
  }
}

type TeamMethod = 'create' | 'update' | 'delete' | 'addMember' | 'removeMember' | 'addApiUser' | 'removeApiUser';

@Resolver()
export class TeamMutationResolver {
  constructor(
    private readonly access: GraphqlAccess,
    private readonly service: TeamsService,
  ) {}

  /** Admitted for this change by GraphqlWorkspaceAdmission before the resolver ran (workspace-admission.guard.ts). */
  private caller(ctx: GraphqlContext, workspaceId: string, method: TeamMethod) {
    return this.access.admit(ctx, workspaceId, workspaceRuleOf(TeamsController, method));
  }

  @Mutation(() => TeamType)
  @SameRuleAs(TeamsController, 'create')
  async createTeam(
    @Context() ctx: GraphqlContext,
    @Args('workspaceId', ID_ARG) workspaceId: string,
    @Args('input') input: CreateTeamInput,
  ) {
    return this.service.create(await this.caller(ctx, workspaceId, 'create'), this.access.actor(ctx), input);
  }

  @Mutation(() => TeamType)
  @SameRuleAs(TeamsController, 'update')
  async updateTeam(
    @Context() ctx: GraphqlContext,
    @Args('workspaceId', ID_ARG) workspaceId: string,
    @Args('id', ID_ARG) id: string,
    @Args('input') input: UpdateTeamInput,
  ) {
    return this.service.update(await this.caller(ctx, workspaceId, 'update'), this.access.actor(ctx), uuidArg('id', id), input);
  }

  @Mutation(() => DeletedType, { description: 'Deletes the team; everyone in it loses what it handed out. Answers its id' })
  @SameRuleAs(TeamsController, 'delete')
  async deleteTeam(@Context() ctx: GraphqlContext, @Args('workspaceId', ID_ARG) workspaceId: string, @Args('id', ID_ARG) id: string) {
    const teamId = uuidArg('id', id);
    await this.service.delete(await this.caller(ctx, workspaceId, 'delete'), this.access.actor(ctx), teamId);
    return { id: teamId };
  }

  @Mutation(() => TeamType, { description: 'Puts a member in the team (already in it: unchanged)' })
  @SameRuleAs(TeamsController, 'addMember')
  async addTeamMember(
    @Context() ctx: GraphqlContext,
    @Args('workspaceId', ID_ARG) workspaceId: string,
    @Args('teamId', ID_ARG) teamId: string,
    @Args('userId', ID_ARG) userId: string,
  ) {
    const caller = await this.caller(ctx, workspaceId, 'addMember');
    return this.service.addPrincipal(caller, this.access.actor(ctx), uuidArg('teamId', teamId), {
      type: 'user',
      id: uuidArg('userId', userId),
    });
  }

  @Mutation(() => DeletedType, { description: 'Takes a member out of the team; answers the user id' })
  @SameRuleAs(TeamsController, 'removeMember')
  async removeTeamMember(
    @Context() ctx: GraphqlContext,
    @Args('workspaceId', ID_ARG) workspaceId: string,
    @Args('teamId', ID_ARG) teamId: string,
    @Args('userId', ID_ARG) userId: string,
  ) {
    const caller = await this.caller(ctx, workspaceId, 'removeMember');
    const id = uuidArg('userId', userId);
    await this.service.removePrincipal(caller, this.access.actor(ctx), uuidArg('teamId', teamId), { type: 'user', id });
    return { id };
  }

  @Mutation(() => TeamType, { description: 'Puts an API user in the team (already in it: unchanged)' })
  @SameRuleAs(TeamsController, 'addApiUser')
  async addTeamApiUser(
    @Context() ctx: GraphqlContext,
    @Args('workspaceId', ID_ARG) workspaceId: string,
    @Args('teamId', ID_ARG) teamId: string,
    @Args('apiUserId', ID_ARG) apiUserId: string,
  ) {
    const caller = await this.caller(ctx, workspaceId, 'addApiUser');
    return this.service.addPrincipal(caller, this.access.actor(ctx), uuidArg('teamId', teamId), {
      type: 'api_user',
      id: uuidArg('apiUserId', apiUserId),
    });
  }

  @Mutation(() => DeletedType, { description: 'Takes an API user out of the team; answers the API user id' })
  @SameRuleAs(TeamsController, 'removeApiUser')
  async removeTeamApiUser(
    @Context() ctx: GraphqlContext,
    @Args('workspaceId', ID_ARG) workspaceId: string,
    @Args('teamId', ID_ARG) teamId: string,
    @Args('apiUserId', ID_ARG) apiUserId: string,
  ) {
    const caller = await this.caller(ctx, workspaceId, 'removeApiUser');
    const id = uuidArg('apiUserId', apiUserId);
    await this.service.removePrincipal(caller, this.access.actor(ctx), uuidArg('teamId', teamId), { type: 'api_user', id });
    return { id };
  }
}
