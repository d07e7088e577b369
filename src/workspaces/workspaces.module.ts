import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { WorkspaceWritesModule } from '../authorization/workspace-writes.module';
import { DevicesModule } from '../devices/devices.module';
import { GrantValidator } from './grant-validator';
import { InvitationsController } from './invitations.controller';
import { InvitationsRepository } from './invitations.repository';
import { InvitationsService } from './invitations.service';
import { MembersController } from './members.controller';
import { MembersService } from './members.service';
import { RolesController } from './roles.controller';
import { RolesService } from './roles.service';
import { WorkspacesController } from './workspaces.controller';
import { WorkspacesRepository } from './workspaces.repository';
import { WorkspacesService } from './workspaces.service';

@Module({
  imports: [AuthModule, WorkspaceWritesModule, DevicesModule],
  controllers: [WorkspacesController, RolesController, MembersController, InvitationsController],
  providers: [WorkspacesRepository, InvitationsRepository, GrantValidator, WorkspacesService, RolesService, MembersService, InvitationsService],
  exports: [WorkspacesRepository, GrantValidator],
})
export class WorkspacesModule {}
