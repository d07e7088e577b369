import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthorizationModule } from '../authorization/authorization.module';
import { DevicesModule } from '../devices/devices.module';
import { RateLimitsModule } from '../rate-limits/rate-limits.module';
import { TokensModule } from '../tokens/tokens.module';
import { GrantValidator } from './grant-validator';
import { InvitationChangesService } from './invitation-changes.service';
import { InvitationMailLimits } from './invitation-mail-limits';
import { InvitationsController } from './invitations.controller';
import { InvitationsRepository } from './invitations.repository';
import { InvitationsService } from './invitations.service';
import { MembersController } from './members.controller';
import { MembersService } from './members.service';
import { MembershipEnd } from './membership-end';
import { RolesController } from './roles.controller';
import { RolesService } from './roles.service';
import { WorkspacesController } from './workspaces.controller';
import { WorkspacesRepository } from './workspaces.repository';
import { WorkspacesService } from './workspaces.service';

@Module({
  imports: [AuthorizationModule, DevicesModule, AuditModule, RateLimitsModule, TokensModule],
  controllers: [WorkspacesController, RolesController, MembersController, InvitationsController],
  providers: [
    WorkspacesRepository,
    InvitationsRepository,
    GrantValidator,
    WorkspacesService,
    RolesService,
    MembersService,
    MembershipEnd,
    InvitationsService,
    InvitationChangesService,
    InvitationMailLimits,
  ],
  exports: [
    WorkspacesRepository,
    GrantValidator,
    WorkspacesService,
    RolesService,
    MembersService,
    InvitationsService,
    InvitationChangesService,
  ],
})
export class WorkspacesModule {}
