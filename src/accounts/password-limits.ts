// Limits on the routes that spend argon2 outside sign-in: password changes per user (PATCH /me with a
// password: also the only way to guess the current password with a stolen token, so it is its own
// bucket, not the sign-in lockout's) and registrations per client address. Exact and shared through
// Redis as the public per-IP limit is (ExactLimit).
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { clientKey } from '../rate-limits/client-key';
import { ExactLimit } from '../rate-limits/exact-limit';
import { RedisConnection } from '../rate-limits/redis-connection';

const PASSWORD_CHANGE_WINDOW_SECONDS = 15 * 60;
const REGISTER_WINDOW_SECONDS = 10 * 60;

@Injectable()
export class PasswordLimits {
  private readonly changes: ExactLimit;
  private readonly registrations: ExactLimit;

  constructor(@Inject(APP_CONFIG) config: AppConfig, redis: RedisConnection) {
    const { changesPerUserPer15Minutes, registrationsPerIpPer10Minutes } = config.passwordLimits;
    this.changes = new ExactLimit(
      redis.client,
      'password-change',
      changesPerUserPer15Minutes,
      PASSWORD_CHANGE_WINDOW_SECONDS,
      'Too many password changes; try again later.',
    );
    this.registrations = new ExactLimit(
      redis.client,
      'register',
      registrationsPerIpPer10Minutes,
      REGISTER_WINDOW_SECONDS,
      'Too many registrations from this address; try again later.',
    );
  }

  /** Every attempt counts, right or wrong: the limit bounds argon2 work and current-password guesses alike. */
  async consumePasswordChange(userId: string): Promise<void> {
    await this.changes.consume(userId);
  }

  /** Keyed like the sign-in lockout's client: an IPv6 client by its /64. */
  async consumeRegistration(ip: string): Promise<void> {
    await this.registrations.consume(clientKey(ip));
  }
}
