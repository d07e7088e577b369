import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit-log';
import { CurrentActor } from '../audit/current-actor';
import { Authenticated } from '../auth/access.decorators';
import { CurrentUser } from '../auth/current-user';
import type { UserPrincipal } from '../auth/principal';
import { CurrentWorkspace } from '../authorization/current-workspace';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { PageQueryDto } from '../common/pagination';
import { UuidParam } from '../common/uuid-param';
import { NoBody } from '../common/validation';
import { InvitationsService } from './invitations.service';
import { AcceptInvitationDto, CreateInvitationDto, DeclineInvitationDto, ResendInvitationDto } from './workspaces.dto';

@ApiTags('invitations')
@Controller()
export class InvitationsController {
  constructor(private readonly invitations: InvitationsService) {}

  @Get('workspaces/:wid/invitations')
  @Authenticated({ permission: 'members:read' })
  list(@CurrentWorkspace() caller: WorkspaceCaller, @Query() query: PageQueryDto) {
    return this.invitations.list(caller, query);
  }

  @Post('workspaces/:wid/invitations')
  @Authenticated({ permission: 'members:manage' })
  create(@CurrentWorkspace() caller: WorkspaceCaller, @CurrentActor() actor: Actor, @Body() dto: CreateInvitationDto) {
    return this.invitations.create(caller, actor, dto);
  }

  @Delete('workspaces/:wid/invitations/:id')
  @HttpCode(204)
  @Authenticated({ permission: 'members:manage' })
  async revoke(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('id') invitationId: string,
    @NoBody() _body: unknown,
  ): Promise<void> {
    await this.invitations.revoke(caller, actor, invitationId);
  }

  @Post('workspaces/:wid/invitations/:id/resend')
  @HttpCode(200)
  @Authenticated({ permission: 'members:manage' })
  resend(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('id') invitationId: string,
    @Body() dto: ResendInvitationDto,
  ) {
    return this.invitations.resend(caller, actor, invitationId, dto);
  }

  @Get('me/invitations')
  @Authenticated({ scope: 'account:read' })
  mine(@CurrentUser() user: UserPrincipal) {
    return this.invitations.mine(user);
  }

  @Post('invitations/accept')
  @HttpCode(200)
  @Authenticated({ scope: 'account:manage' })
  accept(@CurrentUser() user: UserPrincipal, @CurrentActor() actor: Actor, @Body() dto: AcceptInvitationDto) {
    return this.invitations.accept(user, actor, dto);
  }

  @Post('invitations/:id/decline')
  @HttpCode(204)
  @Authenticated({ scope: 'account:manage' })
  async decline(
    @CurrentUser() user: UserPrincipal,
    @CurrentActor() actor: Actor,
    @UuidParam('id') invitationId: string,
    @Body() dto: DeclineInvitationDto,
  ): Promise<void> {
    await this.invitations.decline(user, actor, invitationId, dto);
  }
}
