import { Body, Controller, Get, HttpCode, Patch, Post, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../audit/audit-log';
import { CurrentActor } from '../audit/current-actor';
import { Authenticated, Public } from '../auth/access.decorators';
import { CurrentUser } from '../auth/current-user';
import { CurrentPrincipal, Principal, UserPrincipal } from '../auth/principal';
import { ClientUserAgent } from '../common/user-agent';
import { isFormRequest } from '../auth/access.guard';
import { DomainError, ErrorCode } from '../common/errors';
import { createValidationPipe, NoBody } from '../common/validation';
import { TokenExchange, type TokenExchangeForm } from '../federation/token-exchange';
import { TokenExchangeView } from '../federation/token-exchange.dto';
import { ApiProblems } from '../openapi/problems';
import { ExchangeTokenDto } from '../tokens/token.dto';
import { TokensService } from '../tokens/tokens.service';
import { RegisteredAccountView, SessionTokenView } from './account.views';
import { AccountMail } from './account-mail.service';
import { LoginDto, PasswordResetConfirmDto, PasswordResetRequestDto, RegisterDto, UpdateMeDto, VerifyEmailDto } from './accounts.dto';
import { AccountsService } from './accounts.service';
import { UserView } from './user.view';

/** Validates the JSON body of POST /auth/token, whose parameter is typed `unknown` because a form may come instead. */
const EXCHANGE_BODY = createValidationPipe();

@ApiTags('account')
@Controller()
export class AccountsController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly tokens: TokensService,
    private readonly accountMail: AccountMail,
    private readonly tokenExchange: TokenExchange,
  ) {}

  @Post('auth/register')
  @Public()
  @ApiCreatedResponse({
    type: RegisteredAccountView,
    // The sign-up stands either way: spending an address's budget must not keep its owner from signing up.
    description: 'The new user and its personal token; a verification link is mailed unless the mailbox had 5 this hour',
  })
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

  /**
   * Two exchanges on one route, told apart by the body. JSON with a bearer token: a session of the
   * token's own principal. A form without a token: RFC 8693 token exchange of an outside OIDC token for a
   * session of the API user whose trust rule it meets (workload identity federation, src/federation);
   * the guard admits a form body without a token (tokenExchangeForm), so the subject token is the credential.
   */
  @Post('auth/token')
  @HttpCode(200)
  @Authenticated({ allowApiUsers: true, tokenExchangeForm: true })
  @ApiExtraModels(SessionTokenView, TokenExchangeView)
  // The form's own schema is added beside this one by the document (openapi-document.ts, FORM_BODIES).
  @ApiBody({
    type: ExchangeTokenDto,
    description:
      'JSON {expiresInSeconds} with a long-lived token in Authorization; or, with no Authorization, an RFC 8693 token-exchange form',
  })
  @ApiOkResponse({
    description:
      "JSON: {token}, a short-lived session with the token's scopes and workspaces. Form: the RFC 8693 answer, an lks_ session of the API user",
    schema: { oneOf: [{ $ref: getSchemaPath(SessionTokenView) }, { $ref: getSchemaPath(TokenExchangeView) }] },
  })
  async exchange(
    @Req() request: FastifyRequest & { user?: Principal },
    @Res({ passthrough: true }) reply: FastifyReply,
    @Body() body: unknown,
    @CurrentActor() actor: Actor,
    @ClientUserAgent() userAgent: string | null,
  ): Promise<SessionTokenView | TokenExchangeView> {
    if (isFormRequest(request)) {
      // RFC 6749 §5.1: the answer carrying a token is not to be cached.
      reply.header('Cache-Control', 'no-store');
      if (request.headers.authorization !== undefined) {
        throw new DomainError(
          ErrorCode.InvalidRequest,
          'A token exchange form carries its credential as subject_token; send no Authorization header.',
        );
      }
      return this.tokenExchange.exchange((body ?? {}) as TokenExchangeForm, actor.ip, userAgent);
    }
    const dto = (await EXCHANGE_BODY.transform(body, { type: 'body', metatype: ExchangeTokenDto })) as ExchangeTokenDto;
    return { token: await this.tokens.exchange(request.user as Principal, actor, dto, userAgent) };
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
  // The new email address belongs to another account.
  @ApiProblems(409)
  updateMe(@CurrentUser() user: UserPrincipal, @CurrentActor() actor: Actor, @Body() dto: UpdateMeDto): Promise<UserView> {
    return this.accounts.updateMe(user, actor, dto);
  }

  @Post('auth/verify-email')
  @HttpCode(204)
  @Public()
  @ApiNoContentResponse({
    description:
      "The address the link was sent to is verified (also when it was already); a link to an address the account asked for makes it the account's",
  })
  // 404: an unknown, used or expired link, or one sent to an address the account has left.
  // 409: the address asked for was taken by another account meanwhile.
  @ApiProblems(404, 409)
  async verifyEmail(@Body() dto: VerifyEmailDto, @CurrentActor() actor: Actor): Promise<void> {
    await this.accountMail.verifyEmail(dto.token, actor);
  }

  @Post('me/email-verification')
  @HttpCode(202)
  @Authenticated({ scope: 'account:manage' })
  @ApiAcceptedResponse({
    description: 'A new verification link is on its way to the account address (429: 5 an account per 15 minutes, 5 a mailbox per hour)',
  })
  @ApiProblems(409)
  async resendVerification(@CurrentUser() user: UserPrincipal, @NoBody() _body: unknown): Promise<void> {
    await this.accountMail.resendVerification(user);
  }

  @Post('auth/password-reset')
  @HttpCode(202)
  @Public()
  @ApiAcceptedResponse({ description: 'The same answer whether or not an account has this address; if one has, a link is mailed to it' })
  async requestPasswordReset(@Body() dto: PasswordResetRequestDto, @CurrentActor() actor: Actor): Promise<void> {
    await this.accountMail.requestPasswordReset(dto.email, actor.ip ?? '');
  }

  @Post('auth/password-reset/confirm')
  @HttpCode(204)
  @Public()
  @ApiNoContentResponse({ description: 'The new password is set, every session is ended, and the address counts as verified' })
  // An unknown, used or expired link.
  @ApiProblems(404)
  async confirmPasswordReset(@Body() dto: PasswordResetConfirmDto, @CurrentActor() actor: Actor): Promise<void> {
    await this.accountMail.confirmPasswordReset(dto.token, dto.newPassword, actor);
  }
}
