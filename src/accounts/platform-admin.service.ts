// Platform administration: list users, deactivate and reactivate them.
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ANY_NETWORK, assertCanGrantTo, assertLivesForever } from '../authorization/grants';
import { CallerHold } from '../authorization/caller-hold';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DataSource } from 'typeorm';
import { Actor, AuditLog } from '../audit/audit-log';
import type { UserPrincipal } from '../auth/principal';
import { Clock } from '../common/clock';
import { conflict, notFound } from '../common/errors';
import { decodeCursor, Page, pageLimit, toPage } from '../common/pagination';
import { ListUsersQueryDto } from './accounts.dto';
import { AdminUserView, toAdminUserView } from './user.view';
import { TokensRepository } from '../tokens/tokens.repository';
import { SecurityNotices } from './security-notices';
import { UsersRepository } from './users.repository';

@Injectable()
export class PlatformAdminService implements OnApplicationBootstrap {
  private readonly logger = new Logger('PlatformAdmin');

  constructor(
    private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly tokens: TokensRepository,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly notices: SecurityNotices,
    private readonly callers: CallerHold,
  ) {}

  /**
   * An admin listed by email is honoured only once its account has verified that address (PlatformAdmins),
   * so registering a listed address first gains nothing. Say which listed emails are not honoured yet:
   * their accounts must open the link mailed to them (or list the admin by id).
   */
  async onApplicationBootstrap(): Promise<void> {
    for (const email of this.config.platformAdmins.emails) {
      const user = await this.users.findByEmail(email);
      if (!user?.emailVerifiedAt) {
        this.logger.warn(
          { email },
          'platform admin email is honoured only once its account has verified the address, and it has not: verify it (POST /v1/me/email-verification) or list the admin by user id in LATCHKEY_PLATFORM_ADMINS',
        );
      }
    }
  }

  async list(query: ListUsersQueryDto): Promise<Page<AdminUserView>> {
    const limit = pageLimit(query);
    const rows = await this.users.list(decodeCursor(query.cursor), limit, query.email);
    return toPage(rows, limit, toAdminUserView);
  }

  /**
   * Every token of a deactivated user fails at once: the token check reads the user's status. Sessions
   * (login and exchanged) are also ended for good, so reactivation brings back the user's personal and
   * named tokens but no session that was live before: whoever held one must sign in again.
   */
  async deactivate(admin: UserPrincipal, actor: Actor, userId: string): Promise<AdminUserView> {
    if (userId === admin.id) throw conflict('You cannot deactivate your own account.');
    return this.setStatus(admin, actor, userId, 'deactivated');
  }

  /**
   * Reactivating brings back every personal and named token of the user, however long they live: as
   * enabling an API user, it takes a login session or a token that does not expire (review 13a).
   */
  reactivate(admin: UserPrincipal, actor: Actor, userId: string): Promise<AdminUserView> {
    assertLivesForever(admin, "Reactivating a user brings back all the user's tokens");
    // Tokens that work from any network: not for a network-bound token to bring back (review 15a).
    assertCanGrantTo(admin.token, ANY_NETWORK);
    return this.setStatus(admin, actor, userId, 'active');
  }

  private async setStatus(admin: UserPrincipal, actor: Actor, userId: string, status: 'active' | 'deactivated'): Promise<AdminUserView> {
    const user = await this.users.findById(userId);
    if (!user) throw notFound('User');
    const now = this.clock.now();
    if (user.status !== status) {
      const deactivatedAt = status === 'deactivated' ? now : null;
      await this.dataSource.transaction(async (em) => {
        // The admin's token as it stands now, held until this commits: one revoked meanwhile changes nothing.
        await this.callers.hold(admin, actor.ip, em);
        await this.users.update(userId, { status, deactivatedAt, updatedAt: now }, em);
        if (status === 'deactivated') {
          await this.tokens.revokeUserSessions(userId, now, em);
          await this.notices.accountDeactivated(em, userId);
        }
        await this.audit.record(em, actor, {
          action: status === 'deactivated' ? 'user.deactivated' : 'user.reactivated',
          accountId: userId,
          target: { type: 'user', id: userId },
        });
      });
      Object.assign(user, { status, deactivatedAt, updatedAt: now });
    }
    return toAdminUserView(user);
  }
}
