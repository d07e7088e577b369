import { Module } from '@nestjs/common';
import { UsersModule } from '../accounts/users.module';
import { ApiUsersModule } from '../api-users/api-users.module';
import { TokensModule } from '../tokens/tokens.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { WhoamiController } from './whoami.controller';
import { WhoamiService } from './whoami.service';

/** GET /v1/whoami: the caller, user or API user, and its token. */
@Module({
  imports: [UsersModule, ApiUsersModule, TokensModule, WorkspacesModule],
  controllers: [WhoamiController],
  providers: [WhoamiService],
  exports: [WhoamiService],
})
export class WhoamiModule {}
