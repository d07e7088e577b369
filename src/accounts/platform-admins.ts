// Who is a platform administrator: a user listed in LATCHKEY_PLATFORM_ADMINS by id, or by an email
// address that user has verified. An unverified account is never an administrator, so registering a
// listed address first gains nothing. Admin routes are rare: the email case costs one query, off the hot path.
import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { UsersRepository } from './users.repository';

@Injectable()
export class PlatformAdmins {
  constructor(
    private readonly users: UsersRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async isAdmin(principal: Principal): Promise<boolean> {
    if (principal.type !== 'user') return false;
    const { userIds, emails } = this.config.platformAdmins;
    if (userIds.has(principal.id)) return true;
    if (!emails.has(principal.email)) return false;
    return this.users.hasVerifiedEmail(principal.id, principal.email);
  }
}
