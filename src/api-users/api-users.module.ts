import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthorizationModule } from '../authorization/authorization.module';
import { TokensModule } from '../tokens/tokens.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { ApiUsersController } from './api-users.controller';
import { ApiUsersRepository } from './api-users.repository';
import { ApiUsersService } from './api-users.service';

@Module({
  imports: [TokensModule, WorkspacesModule, AuthorizationModule, AuditModule],
  controllers: [ApiUsersController],
  providers: [ApiUsersRepository, ApiUsersService],
  exports: [ApiUsersRepository, ApiUsersService],
})
export class ApiUsersModule {}
