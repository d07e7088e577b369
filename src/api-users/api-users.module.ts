import { Module } from '@nestjs/common';
import { WorkspaceWritesModule } from '../authorization/workspace-writes.module';
import { TokensModule } from '../tokens/tokens.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { ApiUsersController } from './api-users.controller';
import { ApiUsersRepository } from './api-users.repository';
import { ApiUsersService } from './api-users.service';

@Module({ imports: [TokensModule, WorkspacesModule, WorkspaceWritesModule], controllers: [ApiUsersController], providers: [ApiUsersRepository, ApiUsersService] })
export class ApiUsersModule {}
