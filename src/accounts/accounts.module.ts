import { Module } from '@nestjs/common';
import { TokensModule } from '../tokens/tokens.module';
import { AccountsController } from './accounts.controller';
import { AccountsService } from './accounts.service';
import { LoginThrottle } from './login-throttle';
import { PasswordHasher } from './password-hasher';
import { PasswordLimits } from './password-limits';
import { PlatformAdminController } from './platform-admin.controller';
import { PlatformAdminService } from './platform-admin.service';
import { UsersRepository } from './users.repository';

@Module({
  imports: [TokensModule],
  controllers: [AccountsController, PlatformAdminController],
  providers: [AccountsService, PlatformAdminService, UsersRepository, PasswordHasher, LoginThrottle, PasswordLimits],
  exports: [UsersRepository],
})
export class AccountsModule {}
