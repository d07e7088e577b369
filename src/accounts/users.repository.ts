import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Invalidation } from '../cache/invalidation';
import type { KeysetPosition } from '../common/pagination';
import { requireId } from '../database/workspace-scoped';
import { canonicalEmail } from './email-address';
import { User, UserStatus } from './user.entity';

@Injectable()
export class UsersRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly invalidation: Invalidation,
  ) {}

  findById(id: string, em: EntityManager = this.dataSource.manager): Promise<User | null> {
    return em.getRepository(User).findOne({ where: { id: requireId(id) } });
  }

  /** Addresses are stored canonical (email-address.ts), so this is plain equality on the unique index. */
  findByEmail(email: string): Promise<User | null> {
    return this.dataSource.getRepository(User).findOne({ where: { email: canonicalEmail(email) } });
  }

  /** True when the user holds this address and has verified it (email verification sets email_verified_at). */
  async hasVerifiedEmail(id: string, email: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM users WHERE id = $1 AND email = $2 AND email_verified_at IS NOT NULL`,
      [requireId(id), email],
    );
    return rows.length > 0;
  }

  /** Where a notice to the user goes, and the name of the workspace it is about (when one is given). */
  async contactOf(
    id: string,
    em: EntityManager,
    workspaceId: string | null = null,
  ): Promise<{ email: string; name: string; status: UserStatus; workspaceName: string | null } | null> {
    const rows: Array<{ email: string; name: string; status: UserStatus; workspaceName: string | null }> = await em.query(
      `SELECT u.email, u.name, u.status, (SELECT w.name FROM workspaces w WHERE w.id = $2) AS "workspaceName" FROM users u WHERE u.id = $1`,
      [requireId(id), workspaceId],
    );
    return rows[0] ?? null;
  }

  /** The row, locked for the rest of the transaction (email verification and reset take the user's row first). */
  findLocked(id: string, em: EntityManager): Promise<User | null> {
    return em.getRepository(User).findOne({ where: { id: requireId(id) }, lock: { mode: 'pessimistic_write' } });
  }

  insert(user: User, em: EntityManager): Promise<User> {
    return em.getRepository(User).save(user);
  }

  async update(
    id: string,
    changes: Partial<
      Pick<User, 'name' | 'email' | 'emailVerifiedAt' | 'pendingEmail' | 'passwordHash' | 'status' | 'updatedAt' | 'deactivatedAt'>
    >,
    em: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await em.getRepository(User).update({ id: requireId(id) }, changes);
    await this.invalidation.publish(em, { kind: 'user', id });
  }

  list(after: KeysetPosition | null, limit: number, email?: string): Promise<User[]> {
    const qb = this.dataSource.getRepository(User).createQueryBuilder('u');
    if (email) qb.andWhere('u.email LIKE :email', { email: `%${canonicalEmail(email).replace(/[\\%_]/g, (c) => `\\${c}`)}%` });
    if (after) qb.andWhere('(u.created_at, u.id) < (:afterAt, :afterId)', { afterAt: after.createdAt, afterId: after.id });
    return qb
      .orderBy('u.created_at', 'DESC')
      .addOrderBy('u.id', 'DESC')
      .limit(limit + 1)
      .getMany();
  }

  countByStatus(status: UserStatus): Promise<number> {
    return this.dataSource.getRepository(User).count({ where: { status } });
  }
}
