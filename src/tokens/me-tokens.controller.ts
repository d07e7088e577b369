// The signed-in user's own tokens: the default personal token and named tokens (and sessions, to end them).
import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit-log';
import { CurrentActor } from '../audit/current-actor';
import { Authenticated } from '../auth/access.decorators';
import { CurrentUser } from '../auth/current-user';
import type { UserPrincipal } from '../auth/principal';
import { UuidParam } from '../common/uuid-param';
import { Page, PageOf } from '../common/pagination';
import { NoBody } from '../common/validation';
import { ApiProblems } from '../openapi/problems';
import { CreateNamedTokenDto, ListTokensQueryDto, RegeneratePersonalTokenDto, RotateTokenDto, UpdateTokenDto } from './token.dto';
import { IssuedTokenView, TokenView } from './token.view';
import { TokensService } from './tokens.service';

@ApiTags('account')
@Controller('me')
export class MeTokensController {
  constructor(private readonly tokens: TokensService) {}

  @Get('personal-token')
  @Authenticated({ scope: 'account:read' })
  @ApiOkResponse({ type: TokenView, description: 'The default personal token (without its secret)' })
  @ApiProblems(404)
  personalToken(@CurrentUser() user: UserPrincipal): Promise<TokenView> {
    return this.tokens.getPersonal(user);
  }

  @Post('personal-token/regenerate')
  @HttpCode(200)
  @Authenticated({ scope: 'account:manage' })
  @ApiBody({ type: RegeneratePersonalTokenDto, required: false })
  @ApiOkResponse({
    type: IssuedTokenView,
    description: 'The new personal token, with its secret (shown this once); the old one no longer works',
  })
  regeneratePersonalToken(
    @CurrentUser() user: UserPrincipal,
    @CurrentActor() actor: Actor,
    @Body() dto: RegeneratePersonalTokenDto,
  ): Promise<IssuedTokenView> {
    return this.tokens.regeneratePersonal(user, actor, dto);
  }

  @Get('tokens')
  @Authenticated({ scope: 'account:read' })
  @ApiOkResponse({ type: PageOf(TokenView), description: 'A page of your tokens, newest first' })
  list(@CurrentUser() user: UserPrincipal, @Query() query: ListTokensQueryDto): Promise<Page<TokenView>> {
    return this.tokens.list(user, query);
  }

  @Post('tokens')
  @Authenticated({ scope: 'account:manage' })
  @ApiCreatedResponse({ type: IssuedTokenView, description: 'The named token, with its secret (shown this once)' })
  create(@CurrentUser() user: UserPrincipal, @CurrentActor() actor: Actor, @Body() dto: CreateNamedTokenDto): Promise<IssuedTokenView> {
    return this.tokens.createNamed(user, actor, dto);
  }

  @Get('tokens/:tokenId')
  @Authenticated({ scope: 'account:read' })
  @ApiOkResponse({ type: TokenView, description: 'The token (without its secret)' })
  get(@CurrentUser() user: UserPrincipal, @UuidParam('tokenId') tokenId: string): Promise<TokenView> {
    return this.tokens.get(user, tokenId);
  }

  @Patch('tokens/:tokenId')
  @Authenticated({ scope: 'account:manage' })
  @ApiOkResponse({ type: TokenView, description: 'The token as changed' })
  @ApiProblems(409)
  update(
    @CurrentUser() user: UserPrincipal,
    @CurrentActor() actor: Actor,
    @UuidParam('tokenId') tokenId: string,
    @Body() dto: UpdateTokenDto,
  ): Promise<TokenView> {
    return this.tokens.update(user, actor, tokenId, dto);
  }

  @Delete('tokens/:tokenId')
  @HttpCode(204)
  @Authenticated({ scope: 'account:manage' })
  @ApiNoContentResponse({ description: 'Revoked (or it was already revoked or expired)' })
  @ApiProblems(409)
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
  @ApiOkResponse({
    type: IssuedTokenView,
    description: 'The replacement, with its secret (shown this once); the old secret works until graceSeconds have passed',
  })
  @ApiProblems(409)
  rotate(
    @CurrentUser() user: UserPrincipal,
    @CurrentActor() actor: Actor,
    @UuidParam('tokenId') tokenId: string,
    @Body() dto: RotateTokenDto,
  ): Promise<IssuedTokenView> {
    return this.tokens.rotate(user, actor, tokenId, dto);
  }
}
