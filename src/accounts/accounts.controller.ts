import { Body, Controller, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit-log';
import { CurrentActor } from '../audit/current-actor';
import { Authenticated, Public } from '../auth/access.decorators';
import { CurrentUser } from '../auth/current-user';
import { CurrentPrincipal, Principal, UserPrincipal } from '../auth/principal';
import { ClientUserAgent } from '../common/user-agent';
import { NoBody } from '../common/validation';
import { ApiProblems } from '../openapi/problems';
import { ExchangeTokenDto } from '../tokens/token.dto';
import { TokensService } from '../tokens/tokens.service';
import { RegisteredAccountView, SessionTokenView } from './account.views';
import { LoginDto, RegisterDto, UpdateMeDto } from './accounts.dto';
import { AccountsService } from './accounts.service';
import { UserView } from './user.view';

@ApiTags('account')
@Controller()
export class AccountsController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly tokens: TokensService,
  ) {}

  @Post('auth/register')
  @Public()
  @ApiCreatedResponse({ type: RegisteredAccountView, description: 'The new user and its personal token' })
  @ApiProblems(409)
  register(@Body() dto: RegisterDto, @CurrentActor() actor: Actor): Promise<RegisteredAccountView> {
    return this.accounts.register(dto, actor.ip ?? '');
  }

  @Post('auth/login')
  @HttpCode(200)
  @Public()
  @ApiOkResponse({ type: SessionTokenView, description: 'A login session token' })
  // A wrong email or password: invalid_credentials, though the route takes no token.
  @ApiProblems(401)
  login(@Body() dto: LoginDto, @CurrentActor() actor: Actor, @ClientUserAgent() userAgent: string | null): Promise<SessionTokenView> {
    return this.accounts.login(dto, actor.ip ?? '', userAgent);
  }

  @Post('auth/logout')
  @HttpCode(204)
  @Authenticated()
  @ApiNoContentResponse({ description: 'The session of this request is ended' })
  async logout(@CurrentPrincipal() principal: Principal, @CurrentActor() actor: Actor, @NoBody() _body: unknown): Promise<void> {
    await this.accounts.logout(principal, actor);
  }

  @Post('auth/token')
  @HttpCode(200)
  @Authenticated({ allowApiUsers: true })
  @ApiOkResponse({ type: SessionTokenView, description: "A short-lived session with the token's scopes and workspaces" })
  async exchange(
    @CurrentPrincipal() principal: Principal,
    @CurrentActor() actor: Actor,
    @Body() dto: ExchangeTokenDto,
    @ClientUserAgent() userAgent: string | null,
  ): Promise<SessionTokenView> {
    return { token: await this.tokens.exchange(principal, actor, dto, userAgent) };
  }

  @Get('me')
  // Who the token belongs to, which its workspaces' admins see anyway: nothing of other workspaces.
  @Authenticated({ scope: 'account:read', allowRestrictedTokens: true })
  @ApiOkResponse({ type: UserView, description: "The caller's profile" })
  me(@CurrentUser() user: UserPrincipal): Promise<UserView> {
    return this.accounts.me(user);
  }

  @Patch('me')
  @Authenticated({ scope: 'account:manage' })
  @ApiOkResponse({ type: UserView, description: 'The profile as changed' })
  updateMe(@CurrentUser() user: UserPrincipal, @CurrentActor() actor: Actor, @Body() dto: UpdateMeDto): Promise<UserView> {
    return this.accounts.updateMe(user, actor, dto);
  }
}
