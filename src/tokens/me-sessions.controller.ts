// "Your active sessions": the signed-in user's session tokens, one by one or all but this one.
import { Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit-log';
import { CurrentActor } from '../audit/current-actor';
import { Authenticated } from '../auth/access.decorators';
import { CurrentUser } from '../auth/current-user';
import type { UserPrincipal } from '../auth/principal';
import { Page, PageOf, PageQueryDto } from '../common/pagination';
import { UuidParam } from '../common/uuid-param';
import { NoBody } from '../common/validation';
import { ApiProblems } from '../openapi/problems';
import { SessionsRevokedView, SessionView } from './session.view';
import { SessionsService } from './sessions.service';

// The same rule as GET/DELETE /me/tokens, which list and end sessions too: a token of the account,
// not restricted to workspaces, with account:read to look and account:manage to end. A named token
// with account:manage may already revoke every token of the account and regenerate nothing beyond
// its own scopes; ending sessions grants nothing, and lets a user whose laptop was stolen sign it out
// from a CLI token. A token restricted to workspaces, an API user's token, or one without the scope: 403.
@ApiTags('account')
@Controller('me/sessions')
export class MeSessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get()
  @Authenticated({ scope: 'account:read' })
  @ApiOkResponse({ type: PageOf(SessionView), description: 'A page of your live sessions (sign-ins and exchanged), newest first' })
  list(@CurrentUser() user: UserPrincipal, @Query() query: PageQueryDto): Promise<Page<SessionView>> {
    return this.sessions.list(user, query);
  }

  @Post('revoke-others')
  @HttpCode(200)
  @Authenticated({ scope: 'account:manage' })
  @ApiOkResponse({ type: SessionsRevokedView, description: 'How many sessions were ended' })
  revokeOthers(@CurrentUser() user: UserPrincipal, @CurrentActor() actor: Actor, @NoBody() _body: unknown): Promise<SessionsRevokedView> {
    return this.sessions.revokeOthers(user, actor);
  }

  @Delete(':sessionId')
  @HttpCode(204)
  @Authenticated({ scope: 'account:manage' })
  @ApiNoContentResponse({ description: 'Ended (or it had already ended)' })
  @ApiProblems(404)
  async revoke(
    @CurrentUser() user: UserPrincipal,
    @CurrentActor() actor: Actor,
    @UuidParam('sessionId') sessionId: string,
    @NoBody() _body: unknown,
  ): Promise<void> {
    await this.sessions.revoke(user, actor, sessionId);
  }
}
