// The account's own fields beyond `me` (its personal token, its audit events, its name) and platform
// administration, each under the rule of the REST route that does the same thing.
import { Args, Context, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { AccountsController } from '../accounts/accounts.controller';
import { AccountMail } from '../accounts/account-mail.service';
import { AccountsService } from '../accounts/accounts.service';
import { PlatformAdminController } from '../accounts/platform-admin.controller';
import { PlatformAdminService } from '../accounts/platform-admin.service';
import { AuditController } from '../audit/audit.controller';
import { AuditLog } from '../audit/audit-log';
import { MeTokensController } from '../tokens/me-tokens.controller';
import { MeSessionsController } from '../tokens/me-sessions.controller';
import { SessionsService } from '../tokens/sessions.service';
import { TokensService } from '../tokens/tokens.service';
import { GraphqlAccess, uuidArg } from './graphql-access';
import type { GraphqlContext } from './graphql-context';
import { AuditPageArgs, PageArgs, UpdateMeInput, UsersPageArgs } from './graphql-inputs';
import { AdminUserType, DeletedType, SessionsRevokedType, SessionType, TokenType, UserType } from './graphql-types';
import { PageOf } from './pages';
import { SameRuleAs } from './same-rule';
import { AuditEventPage } from './workspace.resolver';

export const AdminUserPage = PageOf(AdminUserType, 'AdminUser');
export const SessionPage = PageOf(SessionType, 'Session');

@Resolver()
export class AccountResolver {
  constructor(
    private readonly access: GraphqlAccess,
    private readonly accounts: AccountsService,
    private readonly tokens: TokensService,
    private readonly audit: AuditLog,
    private readonly admin: PlatformAdminService,
    private readonly sessionsService: SessionsService,
    private readonly accountMail: AccountMail,
  ) {}

  @Query(() => TokenType, { description: "The calling user's default personal token, without its secret (as GET /v1/me/personal-token)" })
  @SameRuleAs(MeTokensController, 'personalToken')
  personalToken(@Context() ctx: GraphqlContext) {
    return this.tokens.getPersonal(this.access.user(ctx));
  }

  @Query(() => AuditEventPage, { description: "The calling user's account events, newest first (as GET /v1/me/audit-events)" })
  @SameRuleAs(AuditController, 'accountEvents')
  auditEvents(@Context() ctx: GraphqlContext, @Args() page: AuditPageArgs) {
    return this.audit.listForAccount(this.access.user(ctx).id, page);
  }

  @Mutation(() => UserType, { description: "Changes the caller's name (as PATCH /v1/me; a password changes through REST only)" })
  @SameRuleAs(AccountsController, 'updateMe')
  updateMe(@Context() ctx: GraphqlContext, @Args('input') input: UpdateMeInput) {
    return this.accounts.updateMe(this.access.user(ctx), this.access.actor(ctx), { name: input.name });
  }

  @Query(() => SessionPage, { description: "The calling user's live sessions, newest first (as GET /v1/me/sessions)" })
  @SameRuleAs(MeSessionsController, 'list')
  sessions(@Context() ctx: GraphqlContext, @Args() page: PageArgs) {
    return this.sessionsService.list(this.access.user(ctx), page);
  }

  @Mutation(() => DeletedType, { description: 'Ends one of your sessions (as DELETE /v1/me/sessions/{id}); answers its id' })
  @SameRuleAs(MeSessionsController, 'revoke')
  async revokeSession(@Context() ctx: GraphqlContext, @Args('id', { type: () => ID }) id: string) {
    const sessionId = uuidArg('id', id);
    await this.sessionsService.revoke(this.access.user(ctx), this.access.actor(ctx), sessionId);
    return { id: sessionId };
  }

  @Mutation(() => SessionsRevokedType, { description: 'Ends every session of yours but this one (as POST /v1/me/sessions/revoke-others)' })
  @SameRuleAs(MeSessionsController, 'revokeOthers')
  revokeOtherSessions(@Context() ctx: GraphqlContext) {
    return this.sessionsService.revokeOthers(this.access.user(ctx), this.access.actor(ctx));
  }

  @Mutation(() => Boolean, {
    description: "Mails a new link to verify the account's address (as POST /v1/me/email-verification); CONFLICT once verified",
  })
  @SameRuleAs(AccountsController, 'resendVerification')
  async sendEmailVerification(@Context() ctx: GraphqlContext): Promise<boolean> {
    await this.accountMail.resendVerification(this.access.user(ctx));
    return true;
  }

  @Query(() => AdminUserPage, { description: 'Platform administrators: every user, newest first (as GET /v1/admin/users)' })
  @SameRuleAs(PlatformAdminController, 'list')
  users(@Args() page: UsersPageArgs) {
    return this.admin.list(page);
  }

  @Mutation(() => AdminUserType, { description: 'Platform administrators: deactivates a user (as POST /v1/admin/users/{id}/deactivate)' })
  @SameRuleAs(PlatformAdminController, 'deactivate')
  deactivateUser(@Context() ctx: GraphqlContext, @Args('id', { type: () => ID }) id: string) {
    return this.admin.deactivate(this.access.user(ctx), this.access.actor(ctx), uuidArg('id', id));
  }

  @Mutation(() => AdminUserType, { description: 'Platform administrators: reactivates a user (as POST /v1/admin/users/{id}/reactivate)' })
  @SameRuleAs(PlatformAdminController, 'reactivate')
  reactivateUser(@Context() ctx: GraphqlContext, @Args('id', { type: () => ID }) id: string) {
    return this.admin.reactivate(this.access.user(ctx), this.access.actor(ctx), uuidArg('id', id));
  }
}
