import { Body, Controller, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit-log';
import { CurrentActor } from '../audit/current-actor';
import { Authenticated, Public } from '../auth/access.decorators';
import { CurrentUser } from '../auth/current-user';
import { CurrentPrincipal, Principal, UserPrincipal } from '../auth/principal';
import { NoBody } from '../common/validation';
import { ExchangeTokenDto } from '../tokens/token.dto';
import { TokensService } from '../tokens/tokens.service';
import { LoginDto, RegisterDto, UpdateMeDto } from './accounts.dto';
import { AccountsService } from './accounts.service';

@ApiTags('account')
@Controller()
export class AccountsController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly tokens: TokensService,
  ) {}

  @Post('auth/register')
  @Public()
  register(@Body() dto: RegisterDto, @CurrentActor() actor: Actor) {
    return this.accounts.register(dto, actor.ip ?? '');
  }

  @Post('auth/login')
  @HttpCode(200)
  @Public()
  login(@Body() dto: LoginDto, @CurrentActor() actor: Actor) {
    return this.accounts.login(dto, actor.ip ?? '');
  }

  @Post('auth/logout')
  @HttpCode(204)
  @Authenticated()
  async logout(@CurrentPrincipal() principal: Principal, @CurrentActor() actor: Actor, @NoBody() _body: unknown): Promise<void> {
    await this.accounts.logout(principal, actor);
  }

  @Post('auth/token')
  @HttpCode(200)
  @Authenticated({ allowApiUsers: true })
  async exchange(@CurrentPrincipal() principal: Principal, @CurrentActor() actor: Actor, @Body() dto: ExchangeTokenDto) {
    return { token: await this.tokens.exchange(principal, actor, dto) };
  }

  @Get('me')
  // Who the token belongs to, which its workspaces' admins see anyway: nothing of other workspaces.
  @Authenticated({ scope: 'account:read', allowRestrictedTokens: true })
  me(@CurrentUser() user: UserPrincipal) {
    return this.accounts.me(user);
  }

  @Patch('me')
  @Authenticated({ scope: 'account:manage' })
  updateMe(@CurrentUser() user: UserPrincipal, @CurrentActor() actor: Actor, @Body() dto: UpdateMeDto) {
    return this.accounts.updateMe(user, actor, dto);
  }
}
