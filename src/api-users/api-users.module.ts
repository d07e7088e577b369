import { Module } from '@nestjs/common';
import { WorkspaceLockModule } from '../authorization/workspace-lock.module';
import { TokensModule } from '../tokens/tokens.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { ApiUsersController } from './api-users.controller';
import { ApiUsersRepository } from './api-users.repository';
import { ApiUsersService } from './api-users.service';

@Module({ imports: [TokensModule, WorkspacesModule, WorkspaceLockModule], controllers: [ApiUsersController], providers: [ApiUsersRepository, ApiUsersService] })
export class ApiUsersModule {}
