// The signed-in user's own tokens: the default personal token and named tokens (and sessions, to end them).
import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit-log';
import { CurrentActor } from '../audit/current-actor';
import { Authenticated } from '../auth/access.decorators';
import { CurrentUser } from '../auth/current-user';
import type { UserPrincipal } from '../auth/principal';
import { UuidParam } from '../common/uuid-param';
import { NoBody } from '../common/validation';
import { CreateNamedTokenDto, ListTokensQueryDto, RegeneratePersonalTokenDto, RotateTokenDto } from './token.dto';
import { TokensService } from './tokens.service';

@ApiTags('account')
@Controller('me')
export class MeTokensController {
  constructor(private readonly tokens: TokensService) {}

  @Get('personal-token')
  @Authenticated({ scope: 'account:read' })
  personalToken(@CurrentUser() user: UserPrincipal) {
    return this.tokens.getPersonal(user);
  }

  @Post('personal-token/regenerate')
  @HttpCode(200)
  @Authenticated({ scope: 'account:manage' })
  @ApiBody({ type: RegeneratePersonalTokenDto, required: false })
  regeneratePersonalToken(@CurrentUser() user: UserPrincipal, @CurrentActor() actor: Actor, @Body() dto: RegeneratePersonalTokenDto) {
    return this.tokens.regeneratePersonal(user, actor, dto);
  }

  @Get('tokens')
  @Authenticated({ scope: 'account:read' })
  list(@CurrentUser() user: UserPrincipal, @Query() query: ListTokensQueryDto) {
    return this.tokens.list(user, query);
  }

  @Post('tokens')
  @Authenticated({ scope: 'account:manage' })
  create(@CurrentUser() user: UserPrincipal, @CurrentActor() actor: Actor, @Body() dto: CreateNamedTokenDto) {
    return this.tokens.createNamed(user, actor, dto);
  }

  @Get('tokens/:tokenId')
  @Authenticated({ scope: 'account:read' })
  get(@CurrentUser() user: UserPrincipal, @UuidParam('tokenId') tokenId: string) {
    return this.tokens.get(user, tokenId);
  }

  @Delete('tokens/:tokenId')
  @HttpCode(204)
  @Authenticated({ scope: 'account:manage' })
  async revoke(
    @CurrentUser() user: UserPrincipal,
    @CurrentActor() actor: Actor,
    @UuidParam('tokenId') tokenId: string,
    @NoBody() _body: unknown,
  ): Promise<void> {
    await this.tokens.revoke(user, actor, tokenId);
  }

  @Post('tokens/:tokenId/rotate')
  @HttpCode(200)
  @Authenticated({ scope: 'account:manage' })
  rotate(
    @CurrentUser() user: UserPrincipal,
    @CurrentActor() actor: Actor,
    @UuidParam('tokenId') tokenId: string,
    @Body() dto: RotateTokenDto,
  ) {
    return this.tokens.rotate(user, actor, tokenId, dto);
  }
}
