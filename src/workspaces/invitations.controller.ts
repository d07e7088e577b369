import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit-log';
import { CurrentActor } from '../audit/current-actor';
import { Authenticated, Public } from '../auth/access.decorators';
import { CurrentUser } from '../auth/current-user';
import type { UserPrincipal } from '../auth/principal';
import { CurrentWorkspace } from '../authorization/current-workspace';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { type Page, PageOf, PageQueryDto } from '../common/pagination';
import { UuidParam } from '../common/uuid-param';
import { NoBody } from '../common/validation';
import { ApiProblems } from '../openapi/problems';
import { InvitationChangesService } from './invitation-changes.service';
import { InvitationPreviewView } from './invitation-preview.view';
import { INVITING_PERMISSION, InvitationsService } from './invitations.service';
import { AcceptedInvitationView, InvitationView, IssuedInvitationView, MyInvitationView } from './workspace.views';
import {
  AcceptInvitationDto,
  CreateInvitationDto,
  DeclineInvitationDto,
  PreviewInvitationDto,
  ResendInvitationDto,
  UpdateInvitationDto,
} from './workspaces.dto';

@ApiTags('invitations')
@Controller()
export class InvitationsController {
  constructor(
    private readonly invitations: InvitationsService,
    private readonly changes: InvitationChangesService,
  ) {}

  @Get('workspaces/:wid/invitations')
  @Authenticated({ permission: 'members:read' })
  @ApiOkResponse({ type: PageOf(InvitationView), description: 'A page of the invitations, newest first, whatever their status' })
  list(@CurrentWorkspace() caller: WorkspaceCaller, @Query() query: PageQueryDto): Promise<Page<InvitationView>> {
    return this.invitations.list(caller, query);
  }

  @Post('workspaces/:wid/invitations')
  @Authenticated({ permission: INVITING_PERMISSION })
  @ApiCreatedResponse({ type: IssuedInvitationView, description: 'The invitation and its secret, shown this once' })
  @ApiProblems(409)
  create(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @Body() dto: CreateInvitationDto,
  ): Promise<IssuedInvitationView> {
    return this.invitations.create(caller, actor, dto);
  }

  @Patch('workspaces/:wid/invitations/:id')
  @Authenticated({ permission: INVITING_PERMISSION })
  @ApiOkResponse({
    type: InvitationView,
    description: 'The pending invitation with its new roles and devices; the same secret and expiry, the caller as its inviter',
  })
  @ApiProblems(404, 409)
  update(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('id') invitationId: string,
    @Body() dto: UpdateInvitationDto,
  ): Promise<InvitationView> {
    return this.changes.update(caller, actor, invitationId, dto);
  }

  @Delete('workspaces/:wid/invitations/:id')
  @HttpCode(204)
  @Authenticated({ permission: INVITING_PERMISSION })
  @ApiNoContentResponse({ description: 'Revoked (or already was)' })
  @ApiProblems(409)
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
  @Authenticated({ permission: INVITING_PERMISSION })
  @ApiOkResponse({
    type: IssuedInvitationView,
    description: 'The invitation with a new secret (the old one no longer works) and a new expiry',
  })
  @ApiProblems(409)
  resend(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('id') invitationId: string,
    @Body() dto: ResendInvitationDto,
  ): Promise<IssuedInvitationView> {
    return this.invitations.resend(caller, actor, invitationId, dto);
  }

  @Get('me/invitations')
  @Authenticated({ scope: 'account:read' })
  @ApiOkResponse({
    type: PageOf(MyInvitationView),
    description:
      "The pending invitations to the caller's address, newest first, on one page (nextCursor is always null); none until the address is verified",
  })
  mine(@CurrentUser() user: UserPrincipal): Promise<Page<MyInvitationView>> {
    return this.invitations.mine(user);
  }

  @Post('invitations/accept')
  @HttpCode(200)
  @Authenticated({ scope: 'account:manage' })
  @ApiOkResponse({ type: AcceptedInvitationView, description: 'The caller is now a member' })
  @ApiProblems(404, 409)
  accept(
    @CurrentUser() user: UserPrincipal,
    @CurrentActor() actor: Actor,
    @Body() dto: AcceptInvitationDto,
  ): Promise<AcceptedInvitationView> {
    return this.invitations.accept(user, actor, dto);
  }

  // The secret travels in the body, never in a URL (logs, history, Referer). Rate-limited per address
  // as every public route is; the secret's 190 bits are what keep it from being guessed.
  @Post('invitations/preview')
  @HttpCode(200)
  @Public()
  @ApiOkResponse({
    type: InvitationPreviewView,
    description: 'What the invitation offers: the workspace, who sent it, the roles and devices by name, the address masked',
  })
  @ApiProblems(404)
  preview(@Body() dto: PreviewInvitationDto): Promise<InvitationPreviewView> {
    return this.changes.preview(dto);
  }

  @Post('invitations/:id/decline')
  @HttpCode(204)
  @Authenticated({ scope: 'account:manage' })
  @ApiNoContentResponse({ description: 'Declined' })
  // The secret is needed only while the address is unverified: no body at all is a valid request.
  @ApiBody({ type: DeclineInvitationDto, required: false })
  @ApiProblems(409)
  async decline(
    @CurrentUser() user: UserPrincipal,
    @CurrentActor() actor: Actor,
    @UuidParam('id') invitationId: string,
    @Body() dto: DeclineInvitationDto,
  ): Promise<void> {
    await this.invitations.decline(user, actor, invitationId, dto);
  }
}
