import { Body, Controller, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
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
  register(@Body() dto: RegisterDto) {
    return this.accounts.register(dto);
  }

  @Post('auth/login')
  @HttpCode(200)
  @Public()
  login(@Body() dto: LoginDto) {
    return this.accounts.login(dto);
  }

  @Post('auth/logout')
  @HttpCode(204)
  @Authenticated()
  async logout(@CurrentPrincipal() principal: Principal, @NoBody() _body: unknown): Promise<void> {
    await this.accounts.logout(principal);
  }

  @Post('auth/token')
  @HttpCode(200)
  @Authenticated({ allowApiUsers: true })
  async exchange(@CurrentPrincipal() principal: Principal, @Body() dto: ExchangeTokenDto) {
    return { token: await this.tokens.exchange(principal, dto) };
  }

  @Get('me')
  @Authenticated({ scope: 'account:read' })
  me(@CurrentUser() user: UserPrincipal) {
    return this.accounts.me(user);
  }

  @Patch('me')
  @Authenticated({ scope: 'account:manage' })
  updateMe(@CurrentUser() user: UserPrincipal, @Body() dto: UpdateMeDto) {
    return this.accounts.updateMe(user, dto);
  }
}
