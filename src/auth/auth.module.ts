import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { UsersModule } from '../accounts/users.module';
import { AuthorizationModule } from '../authorization/authorization.module';
import { RateLimitsModule } from '../rate-limits/rate-limits.module';
import { TokensModule } from '../tokens/tokens.module';
import { AccessGuard } from './access.guard';
import { BearerStrategy } from './bearer.strategy';
import { LastUsedRecorder } from './last-used.recorder';
import { TokenAuthenticator } from './token-authenticator';

/** Who is calling: the bearer token checked (passport's bearer strategy) and the one global guard. */
@Module({
  imports: [PassportModule, TokensModule, AuthorizationModule, UsersModule, RateLimitsModule],
  providers: [BearerStrategy, TokenAuthenticator, LastUsedRecorder, { provide: APP_GUARD, useClass: AccessGuard }],
  exports: [TokenAuthenticator],
})
export class AuthModule {}
