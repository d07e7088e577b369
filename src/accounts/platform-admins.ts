// Who is a platform administrator: a user listed in LATCHKEY_PLATFORM_ADMINS by id, or by an email
// address that user has verified. An unverified account is never an administrator, so registering a
// listed address first gains nothing. Admin routes are rare: the email case costs one query, off the hot path.
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal';
import { APP_CONFIG, AppConfig } from '../config/app-config';

@Injectable()
export class PlatformAdmins {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async isAdmin(principal: Principal): Promise<boolean> {
    if (principal.type !== 'user') return false;
    const { userIds, emails } = this.config.platformAdmins;
    if (userIds.has(principal.id)) return true;
    if (!emails.has(principal.email)) return false;
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM users WHERE id = $1 AND email = $2 AND email_verified_at IS NOT NULL`,
      [principal.id, principal.email],
    );
    return rows.length > 0;
  }
}
