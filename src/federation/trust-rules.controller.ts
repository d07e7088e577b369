import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit-log';
import { CurrentActor } from '../audit/current-actor';
import { Authenticated } from '../auth/access.decorators';
import { CurrentWorkspace } from '../authorization/current-workspace';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { UuidParam } from '../common/uuid-param';
import { NoBody } from '../common/validation';
import { ApiProblems } from '../openapi/problems';
import { CreateTrustRuleDto, TrustRuleListView, TrustRuleView } from './trust-rules.dto';
import { TrustRulesService } from './trust-rules.service';

@ApiTags('api-users')
@Controller('workspaces/:wid/api-users/:id/trust-rules')
export class TrustRulesController {
  constructor(private readonly trustRules: TrustRulesService) {}

  @Get()
  @Authenticated({ permission: 'api_users:read' })
  @ApiOkResponse({ type: TrustRuleListView, description: "The API user's trust rules, oldest first (at most 20)" })
  list(@CurrentWorkspace() caller: WorkspaceCaller, @UuidParam('id') apiUserId: string): Promise<TrustRuleListView> {
    return this.trustRules.list(caller, apiUserId);
  }

  @Post()
  @Authenticated({ permission: 'api_users:manage' })
  @ApiCreatedResponse({
    type: TrustRuleView,
    description: 'The rule: OIDC tokens that meet it can be exchanged for sessions of the API user',
  })
  @ApiProblems(409)
  create(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('id') apiUserId: string,
    @Body() dto: CreateTrustRuleDto,
  ): Promise<TrustRuleView> {
    return this.trustRules.create(caller, actor, apiUserId, dto);
  }

  @Get(':ruleId')
  @Authenticated({ permission: 'api_users:read' })
  @ApiOkResponse({ type: TrustRuleView, description: 'The trust rule' })
  get(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @UuidParam('id') apiUserId: string,
    @UuidParam('ruleId') ruleId: string,
  ): Promise<TrustRuleView> {
    return this.trustRules.get(caller, apiUserId, ruleId);
  }

  @Delete(':ruleId')
  @HttpCode(204)
  @Authenticated({ permission: 'api_users:manage' })
  @ApiNoContentResponse({ description: 'Deleted: its tokens are refused from now on (sessions already made run out within the hour)' })
  async delete(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('id') apiUserId: string,
    @UuidParam('ruleId') ruleId: string,
    @NoBody() _body: unknown,
  ): Promise<void> {
    await this.trustRules.delete(caller, actor, apiUserId, ruleId);
  }
}
