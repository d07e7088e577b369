import { Module } from '@nestjs/common';
import { RateLimitsModule } from '../rate-limits/rate-limits.module';
import { CurrentPassword } from './current-password';
import { PasswordHasher } from './password-hasher';
import { PasswordLimits } from './password-limits';
import { PlatformAdmins } from './platform-admins';
import { SecurityNotices } from './security-notices';
import { UsersRepository } from './users.repository';

/**
 * The users table and what proves or elevates a user: passwords (hashing, their abuse limits, the
 * current-password check) and the platform-admin list. Account routes (AccountsModule), tokens
 * (regeneration asks for the current password) and the guard (platform admins) build on it.
 */
@Module({
  imports: [RateLimitsModule],
  providers: [UsersRepository, PasswordHasher, PasswordLimits, CurrentPassword, PlatformAdmins, SecurityNotices],
  exports: [UsersRepository, PasswordHasher, PasswordLimits, CurrentPassword, PlatformAdmins, SecurityNotices],
})
export class UsersModule {}
