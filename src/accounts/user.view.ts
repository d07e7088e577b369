import type { User, UserStatus } from './user.entity';

export interface UserView {
  id: string;
  email: string;
  name: string;
  status: UserStatus;
  createdAt: Date;
  updatedAt: Date;
}

export function toUserView(user: User): UserView {
  return { id: user.id, email: user.email, name: user.name, status: user.status, createdAt: user.createdAt, updatedAt: user.updatedAt };
}

export interface AdminUserView extends UserView {
  deactivatedAt: Date | null;
}

export function toAdminUserView(user: User): AdminUserView {
  return { ...toUserView(user), deactivatedAt: user.deactivatedAt };
}
