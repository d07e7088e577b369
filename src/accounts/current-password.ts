// "Prove you know the current password": the check a token holder passes to regenerate the personal
// token without a login session. Its guesses count in the same per-user bucket as a password change's
// (PasswordLimits): whoever holds a token must not guess faster here than there, nor lock the owner out
// of signing in (the sign-in lockout is a different bucket).
import { Injectable } from '@nestjs/common';
import { notFound, validationFailed } from '../common/errors';
import { PasswordHasher } from './password-hasher';
import { PasswordLimits } from './password-limits';
import { UsersRepository } from './users.repository';

@Injectable()
export class CurrentPassword {
  constructor(
    private readonly users: UsersRepository,
    private readonly limits: PasswordLimits,
    private readonly passwords: PasswordHasher,
  ) {}

  /** 400 `currentPassword` when it is not the user's password; 429 past the per-user budget. */
  async assert(userId: string, password: string): Promise<void> {
    const user = await this.users.findById(userId);
    if (!user) throw notFound('User');
    await this.limits.consumePasswordChange(user.id);
    if (!(await this.passwords.verify(user.passwordHash, password))) throw validationFailed('currentPassword', 'is not correct');
  }
}
