import type { User, UserStatus } from './user.entity';

export interface UserView {
  id: string;
  email: string;
  name: string;
  status: UserStatus;
  /** Null until the user proves the address (email verification, not built yet: docs/security.md, Known limits); admin rights by email and invitations wait for it. */
  emailVerifiedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export function toUserView(user: User): UserView {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    status: user.status,
    emailVerifiedAt: user.emailVerifiedAt,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

export interface AdminUserView extends UserView {
  deactivatedAt: Date | null;
}

export function toAdminUserView(user: User): AdminUserView {
  return { ...toUserView(user), deactivatedAt: user.deactivatedAt };
}
