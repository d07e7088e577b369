// The one-time links mailed to an account (account_links): only the SHA-256 of each secret is kept.
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { requireId } from '../database/workspace-scoped';

export type AccountLinkPurpose = 'verify_email' | 'password_reset';

export interface AccountLinkRecord {
  id: string;
  userId: string;
  purpose: AccountLinkPurpose;
  email: string;
  expiresAt: Date;
  usedAt: Date | null;
}

const COLUMNS = `id, user_id AS "userId", purpose, email, expires_at AS "expiresAt", used_at AS "usedAt"`;

@Injectable()
export class AccountLinksRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(
    link: { userId: string; purpose: AccountLinkPurpose; tokenHash: string; email: string; createdAt: Date; expiresAt: Date },
    em: EntityManager,
  ): Promise<void> {
    await em.query(
      `INSERT INTO account_links (id, user_id, purpose, token_hash, email, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [randomUUID(), requireId(link.userId), link.purpose, link.tokenHash, link.email, link.createdAt, link.expiresAt],
    );
  }

  /** By the secret's hash; locked when `em` is a transaction's, so two uses of one link take turns. */
  async findByHash(tokenHash: string, purpose: AccountLinkPurpose, em?: EntityManager): Promise<AccountLinkRecord | null> {
    const lock = em ? ' FOR UPDATE' : '';
    const rows: AccountLinkRecord[] = await (em ?? this.dataSource.manager).query(
      `SELECT ${COLUMNS} FROM account_links WHERE token_hash = $1 AND purpose = $2${lock}`,
      [tokenHash, purpose],
    );
    return rows[0] ?? null;
  }

  /** Every unused link of this purpose dies: the one used, and the older ones still in someone's inbox. */
  async useAll(userId: string, purpose: AccountLinkPurpose, at: Date, em: EntityManager): Promise<void> {
    await em.query(`UPDATE account_links SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`, [
      requireId(userId),
      purpose,
      at,
    ]);
  }

  /** Spends the account's unused verification links sent to any address but `kept` (its own). */
  async useVerificationsElsewhere(userId: string, kept: string, at: Date, em: EntityManager): Promise<void> {
    await em.query(
      `UPDATE account_links SET used_at = $3 WHERE user_id = $1 AND purpose = 'verify_email' AND used_at IS NULL AND email <> $2`,
      [requireId(userId), kept, at],
    );
  }

  /** Retention: links used or expired before `cutoff`, up to `limit`; returns how many went. */
  async purgeSpent(cutoff: Date, limit: number): Promise<number> {
    const [rows]: [unknown[], number] = await this.dataSource.query(
      `DELETE FROM account_links WHERE id IN (
         SELECT id FROM account_links WHERE expires_at < $1 OR used_at < $1 LIMIT $2)
       RETURNING id`,
      [cutoff, limit],
    );
    return rows.length;
  }
}
