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
  // The guard is also a provider of its own: the token check served outside Nest's pipeline admits
  // its requests through the same instance (src/checks/token-check-route.ts).
  providers: [BearerStrategy, TokenAuthenticator, LastUsedRecorder, AccessGuard, { provide: APP_GUARD, useExisting: AccessGuard }],
  exports: [TokenAuthenticator, AccessGuard],
})
export class AuthModule {}
