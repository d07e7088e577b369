// What clients see of a user: the user's own profile (GET /v1/me) and, to platform admins, any user's.
import { ApiProperty } from '@nestjs/swagger';
import { DATE_TIME } from '../common/view-fields';
import { USER_NAME_MAX_LENGTH } from './accounts.dto';
import { EMAIL_MAX_LENGTH } from './email-address';
import { USER_STATUSES, type User, type UserStatus } from './user.entity';

export class UserView {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  id: string;

  @ApiProperty({ format: 'email', maxLength: EMAIL_MAX_LENGTH, description: 'In canonical form (NFKC, lower case, punycode domain)' })
  email: string;

  @ApiProperty({ maxLength: USER_NAME_MAX_LENGTH })
  name: string;

  @ApiProperty({ enum: USER_STATUSES, description: 'A deactivated user cannot sign in and none of its tokens work' })
  status: UserStatus;

  @ApiProperty({
    ...DATE_TIME,
    nullable: true,
    description:
      'When the user proved the address (the link mailed to it, or a password reset through it); null until then, and again after an email change. Admin rights by email and invitations wait for it.',
  })
  emailVerifiedAt: Date | null;

  @ApiProperty({ description: 'Whether the current address is verified (emailVerifiedAt is set)' })
  emailVerified: boolean;

  @ApiProperty({
    type: String,
    format: 'email',
    maxLength: EMAIL_MAX_LENGTH,
    nullable: true,
    description:
      'An address asked for (PATCH /v1/me) while the current one is verified: it replaces `email` once the link mailed to it is opened; until then `email` stays the address to sign in with. null: none',
  })
  pendingEmail: string | null;

  @ApiProperty(DATE_TIME)
  createdAt: Date;

  @ApiProperty(DATE_TIME)
  updatedAt: Date;
}

export function toUserView(user: User): UserView {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    status: user.status,
    emailVerifiedAt: user.emailVerifiedAt,
    emailVerified: user.emailVerifiedAt !== null,
    pendingEmail: user.pendingEmail ?? null,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

/** A user as platform admins see it. */
export class AdminUserView extends UserView {
  @ApiProperty({ ...DATE_TIME, nullable: true, description: 'When the user was deactivated; null while active' })
  deactivatedAt: Date | null;
}

export function toAdminUserView(user: User): AdminUserView {
  return { ...toUserView(user), deactivatedAt: user.deactivatedAt };
}
