// What the expiry scan reads and writes: live named and API-user tokens close to their expiry, the
// notices they have had (token_expiry_notices), and who is told about an API user's token.
import type { NoticeRecipient } from './notice-budget';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { requireId } from '../database/workspace-scoped';

export interface ExpiringToken {
  id: string;
  kind: 'named' | 'api_user';
  name: string | null;
  hint: string;
  expiresAt: Date;
  userId: string | null;
  apiUserId: string | null;
  workspaceId: string | null;
  apiUserName: string | null;
  workspaceName: string | null;
}

/** Who is told about a token, and whether the address is proven (NoticeBudget). */
export type Recipient = NoticeRecipient;

@Injectable()
export class TokenExpiryRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Live tokens expiring in (now, now + 7 days] that have not had the notice their time left calls for
   * (1 day or less: the 1-day notice; else the 7-day one), soonest first. A rotated token
   * (replaced_by_id) is done with: its successor is a new token with its own expiry.
   */
  due(now: Date, limit: number): Promise<ExpiringToken[]> {
    return this.dataSource.query(
      `SELECT t.id, t.kind, t.name, t.hint, t.expires_at AS "expiresAt", t.user_id AS "userId", t.api_user_id AS "apiUserId",
              a.workspace_id AS "workspaceId", a.name AS "apiUserName", w.name AS "workspaceName"
         FROM tokens t
         LEFT JOIN users u ON u.id = t.user_id
         LEFT JOIN api_users a ON a.id = t.api_user_id
         LEFT JOIN workspaces w ON w.id = a.workspace_id
        WHERE t.kind IN ('named', 'api_user') AND t.revoked_at IS NULL AND t.replaced_by_id IS NULL
          AND t.expires_at > $1::timestamptz AND t.expires_at <= $1::timestamptz + interval '7 days'
          AND (u.status = 'active' OR a.status = 'active')
          AND NOT EXISTS (SELECT 1 FROM token_expiry_notices n WHERE n.token_id = t.id
                           AND n.days = CASE WHEN t.expires_at <= $1::timestamptz + interval '1 day' THEN 1 ELSE 7 END)
        ORDER BY t.expires_at, t.id
        LIMIT ${Number(limit)}`,
      [now],
    );
  }

  /** True for the one transaction that records this notice: any other (another instance's scan) finds it taken. */
  async claimNotice(tokenId: string, days: 1 | 7, at: Date, em: EntityManager): Promise<boolean> {
    const rows: unknown[] = await em.query(
      `INSERT INTO token_expiry_notices (token_id, days, sent_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING token_id`,
      [requireId(tokenId), days, at],
    );
    return rows.length > 0;
  }

  async owner(userId: string, em: EntityManager): Promise<Recipient[]> {
    return em.query(`SELECT email, name, email_verified_at IS NOT NULL AS verified FROM users WHERE id = $1 AND status = 'active'`, [
      requireId(userId),
    ]);
  }

  /**
   * Who is told about a token (its expiry, a leak, disuse): an API user's token, the workspace's owners
   * and admins (an API user has no mailbox); a user's token, its owner.
   */
  async tokenRecipients(token: { userId: string | null; apiUserWorkspaceId: string | null }, em: EntityManager): Promise<Recipient[]> {
    if (token.apiUserWorkspaceId) return this.ownersAndAdmins(token.apiUserWorkspaceId, em);
    return token.userId ? this.owner(token.userId, em) : [];
  }

  async apiUserName(apiUserId: string, em: EntityManager): Promise<string | null> {
    const rows: Array<{ name: string }> = await em.query(`SELECT name FROM api_users WHERE id = $1`, [requireId(apiUserId)]);
    return rows[0]?.name ?? null;
  }

  async workspaceName(workspaceId: string, em: EntityManager): Promise<string | null> {
    const rows: Array<{ name: string }> = await em.query(`SELECT name FROM workspaces WHERE id = $1`, [requireId(workspaceId)]);
    return rows[0]?.name ?? null;
  }

  /** The workspace's active owners and admins (by the built-in roles): those who answer for its API users. */
  async ownersAndAdmins(workspaceId: string, em: EntityManager): Promise<Recipient[]> {
    return em.query(
      `SELECT DISTINCT u.email, u.name, u.email_verified_at IS NOT NULL AS verified
         FROM memberships m
         JOIN membership_roles mr ON mr.membership_id = m.id
         JOIN roles r ON r.id = mr.role_id AND r.workspace_id = m.workspace_id
         JOIN users u ON u.id = m.user_id
        WHERE m.workspace_id = $1 AND r.built_in IN ('owner', 'admin') AND u.status = 'active'
        ORDER BY u.email`,
      [requireId(workspaceId)],
    );
  }
}
