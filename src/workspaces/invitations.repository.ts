import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { type KeysetPosition, MAX_PAGE_SIZE } from '../common/pagination';
import { requireId } from '../database/workspace-scoped';
import type { InvitationRecord } from './workspace.records';
import { WorkspaceScoped } from '../database/workspace-scoped';

const COLUMNS = `i.id, i.workspace_id AS "workspaceId", i.email, i.role_ids AS "roleIds", i.device_access AS "deviceAccess",
  i.device_ids AS "deviceIds", i.hint, i.invited_by_user_id AS "invitedByUserId",
  i.invited_by_api_user_id AS "invitedByApiUserId", i.invited_by_token_id AS "invitedByTokenId", i.created_at AS "createdAt",
  i.expires_at AS "expiresAt", i.accepted_at AS "acceptedAt", i.accepted_by_user_id AS "acceptedByUserId",
  i.declined_at AS "declinedAt", i.revoked_at AS "revokedAt"`;

/** An invitation nobody has answered or taken back yet (expired or not). */
export const UNANSWERED = 'accepted_at IS NULL AND declined_at IS NULL AND revoked_at IS NULL';

export type InvitationPreviewRow = InvitationRecord & { workspaceName: string; workspaceSlug: string; inviterName: string | null };

/** An answer to an invitation, and when: accepting names the user who accepted. */
export type InvitationMark = { column: 'declined_at' | 'revoked_at'; at: Date } | { column: 'accepted_at'; at: Date; userId: string };

@Injectable()
@WorkspaceScoped({
  notScoped: [
    'findByTokenHash',
    'findPendingForPreview',
    'findForVerifiedUser',
    'pendingForVerifiedUser',
    'inviterActive',
    'holdsVerified',
  ],
})
export class InvitationsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(
    workspaceId: string,
    invitation: Omit<InvitationRecord, 'workspaceId'>,
    tokenHash: string,
    em: EntityManager,
  ): Promise<void> {
    await em.query(
      `INSERT INTO invitations (id, workspace_id, email, role_ids, device_access, device_ids, token_hash, hint, invited_by_user_id, invited_by_api_user_id,
                                invited_by_token_id, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        invitation.id,
        workspaceId,
        invitation.email,
        invitation.roleIds,
        invitation.deviceAccess,
        invitation.deviceIds,
        tokenHash,
        invitation.hint,
        invitation.invitedByUserId,
        invitation.invitedByApiUserId,
        invitation.invitedByTokenId,
        invitation.createdAt,
        invitation.expiresAt,
      ],
    );
  }

  async find(workspaceId: string, invitationId: string, em: EntityManager = this.dataSource.manager): Promise<InvitationRecord | null> {
    const rows = await em.query(`SELECT ${COLUMNS} FROM invitations i WHERE i.workspace_id = $1 AND i.id = $2`, [
      workspaceId,
      invitationId,
    ]);
    return rows[0] ?? null;
  }

  /** As find(), with the invitation's row locked until the transaction ends. */
  async findLocked(workspaceId: string, invitationId: string, em: EntityManager): Promise<InvitationRecord | null> {
    const rows = await em.query(`SELECT ${COLUMNS} FROM invitations i WHERE i.workspace_id = $1 AND i.id = $2 FOR UPDATE`, [
      workspaceId,
      invitationId,
    ]);
    return rows[0] ?? null;
  }

  list(workspaceId: string, after: KeysetPosition | null, limit: number): Promise<InvitationRecord[]> {
    const params: unknown[] = [workspaceId];
    const where = ['i.workspace_id = $1'];
    if (after) where.push(`(i.created_at, i.id) < ($${params.push(after.createdAt)}, $${params.push(after.id)})`);
    return this.dataSource.query(
      `SELECT ${COLUMNS} FROM invitations i WHERE ${where.join(' AND ')} ORDER BY i.created_at DESC, i.id DESC LIMIT ${limit + 1}`,
      params,
    );
  }

  // Addresses are stored canonical (accounts/email-address.ts): every comparison is plain equality.

  /** Whether the email has a pending invitation to the workspace. */
  async pendingExists(workspaceId: string, email: string, now: Date, em: EntityManager): Promise<boolean> {
    const rows = await em.query(
      `SELECT 1 FROM invitations WHERE workspace_id = $1 AND email = $2
          AND ${UNANSWERED} AND expires_at > $3 LIMIT 1`,
      [workspaceId, email, now],
    );
    return rows.length > 0;
  }

  /** Whether the account with this (canonical) email is a member of the workspace. */
  async memberHasEmail(workspaceId: string, email: string, em: EntityManager): Promise<boolean> {
    const rows = await em.query(`SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.workspace_id = $1 AND u.email = $2`, [
      workspaceId,
      email,
    ]);
    return rows.length > 0;
  }

  // Not tenant-scoped on purpose: the invitee is not in the workspace yet. These are keyed by the
  // secret's hash, or by the invitee's own address once the invitee has verified it: an account that
  // merely registered an address first sees and declines nothing sent to it (M2).

  async findByTokenHash(tokenHash: string, em: EntityManager): Promise<InvitationRecord | null> {
    const rows = await em.query(`SELECT ${COLUMNS} FROM invitations i WHERE i.token_hash = $1 FOR UPDATE`, [tokenHash]);
    return rows[0] ?? null;
  }

  /**
   * The pending invitation with this secret's hash, with what its landing page names: the workspace, and
   * who sent it. Not locked: a preview changes nothing. Null for an unknown, answered or expired one.
   */
  async findPendingForPreview(tokenHash: string, now: Date): Promise<InvitationPreviewRow | null> {
    const rows = await this.dataSource.query(
      `SELECT ${COLUMNS}, w.name AS "workspaceName", w.slug AS "workspaceSlug", COALESCE(u.name, a.name) AS "inviterName"
         FROM invitations i JOIN workspaces w ON w.id = i.workspace_id
         LEFT JOIN users u ON u.id = i.invited_by_user_id
         LEFT JOIN api_users a ON a.id = i.invited_by_api_user_id AND a.workspace_id = i.workspace_id
        WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.declined_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > $2`,
      [tokenHash, now],
    );
    return rows[0] ?? null;
  }

  /** The names of the roles and devices of a grant in the workspace (those deleted since are missing), in name order. */
  async grantNames(
    workspaceId: string,
    roleIds: string[],
    deviceIds: string[],
  ): Promise<{ roles: Array<{ id: string; name: string }>; devices: Array<{ id: string; name: string }> }> {
    const roles: Array<{ id: string; name: string }> = await this.dataSource.query(
      `SELECT id, name FROM roles WHERE workspace_id = $1 AND id = ANY($2::uuid[]) ORDER BY name, id`,
      [workspaceId, roleIds],
    );
    const devices: Array<{ id: string; name: string }> =
      deviceIds.length === 0
        ? []
        : await this.dataSource.query(`SELECT id, name FROM devices WHERE workspace_id = $1 AND id = ANY($2::uuid[]) ORDER BY name, id`, [
            workspaceId,
            deviceIds,
          ]);
    return { roles, devices };
  }

  /** A pending invitation's grant, changed (PATCH /workspaces/:wid/invitations/:id); the changer becomes its inviter. */
  async setGrant(
    workspaceId: string,
    invitationId: string,
    grant: Pick<
      InvitationRecord,
      'roleIds' | 'deviceAccess' | 'deviceIds' | 'invitedByUserId' | 'invitedByApiUserId' | 'invitedByTokenId' | 'expiresAt'
    >,
    em: EntityManager,
  ): Promise<void> {
    await em.query(
      `UPDATE invitations SET role_ids = $3, device_access = $4, device_ids = $5, invited_by_user_id = $6, invited_by_api_user_id = $7,
              expires_at = $8, invited_by_token_id = $9
        WHERE workspace_id = $1 AND id = $2`,
      [
        workspaceId,
        invitationId,
        grant.roleIds,
        grant.deviceAccess,
        grant.deviceIds,
        grant.invitedByUserId,
        grant.invitedByApiUserId,
        grant.expiresAt,
        grant.invitedByTokenId,
      ],
    );
  }

  async findForVerifiedUser(invitationId: string, userId: string, em: EntityManager): Promise<InvitationRecord | null> {
    const rows = await em.query(
      `SELECT ${COLUMNS} FROM invitations i JOIN users u ON u.email = i.email
        WHERE i.id = $1 AND u.id = $2 AND u.email_verified_at IS NOT NULL FOR UPDATE OF i`,
      [invitationId, requireId(userId)],
    );
    return rows[0] ?? null;
  }

  /** Whether the user's account has this address and has verified it: accepting an invitation needs both. */
  async holdsVerified(userId: string, email: string, em: EntityManager): Promise<boolean> {
    const rows: unknown[] = await em.query(`SELECT 1 FROM users WHERE id = $1 AND email = $2 AND email_verified_at IS NOT NULL`, [
      requireId(userId),
      email,
    ]);
    return rows.length > 0;
  }

  /** What the invitation mail names: the workspace and whoever sends it (a user or an API user of the workspace). */
  async mailContext(
    workspaceId: string,
    inviter: { type: 'user' | 'api_user'; id: string },
    em: EntityManager,
  ): Promise<{ workspaceName: string; inviterName: string }> {
    const rows: Array<{ workspaceName: string; inviterName: string | null }> = await em.query(
      `SELECT w.name AS "workspaceName",
              CASE WHEN $2 = 'user' THEN (SELECT name FROM users WHERE id = $3)
                   ELSE (SELECT name FROM api_users WHERE id = $3 AND workspace_id = w.id) END AS "inviterName"
         FROM workspaces w WHERE w.id = $1`,
      [workspaceId, inviter.type, requireId(inviter.id)],
    );
    return { workspaceName: rows[0]?.workspaceName ?? '', inviterName: rows[0]?.inviterName ?? 'Someone' };
  }

  /** One page at most (GET /v1/me/invitations answers no cursor): the newest MAX_PAGE_SIZE. */
  pendingForVerifiedUser(userId: string, now: Date): Promise<Array<InvitationRecord & { workspaceName: string; workspaceSlug: string }>> {
    return this.dataSource.query(
      `SELECT ${COLUMNS}, w.name AS "workspaceName", w.slug AS "workspaceSlug"
         FROM invitations i JOIN workspaces w ON w.id = i.workspace_id JOIN users u ON u.email = i.email
        WHERE u.id = $1 AND u.email_verified_at IS NOT NULL
          AND i.accepted_at IS NULL AND i.declined_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > $2
        ORDER BY i.created_at DESC LIMIT ${MAX_PAGE_SIZE}`,
      [requireId(userId), now],
    );
  }

  /** Whether whoever issued the invitation is still an active user, or an enabled API user of its workspace. */
  async inviterActive(invitation: InvitationRecord, em: EntityManager): Promise<boolean> {
    const rows = invitation.invitedByUserId
      ? await em.query(`SELECT 1 FROM users WHERE id = $1 AND status = 'active'`, [invitation.invitedByUserId])
      : invitation.invitedByApiUserId
        ? await em.query(`SELECT 1 FROM api_users WHERE workspace_id = $1 AND id = $2 AND status = 'active'`, [
            requireId(invitation.workspaceId),
            invitation.invitedByApiUserId,
          ])
        : [];
    return rows.length > 0;
  }

  /** Revokes the unanswered invitations a user sent in a workspace; how many. */
  async revokeSentBy(workspaceId: string, userId: string, at: Date, em: EntityManager): Promise<number> {
    const [revoked]: [unknown[], number] = await em.query(
      `UPDATE invitations SET revoked_at = $3
        WHERE workspace_id = $1 AND invited_by_user_id = $2 AND ${UNANSWERED}
        RETURNING id`,
      [workspaceId, userId, at],
    );
    return revoked.length;
  }

  async mark(workspaceId: string, invitationId: string, change: InvitationMark, em: EntityManager): Promise<void> {
    const { column, at } = change;
    await em.query(
      `UPDATE invitations SET ${column} = $3${column === 'accepted_at' ? ', accepted_by_user_id = $4' : ''} WHERE workspace_id = $1 AND id = $2`,
      change.column === 'accepted_at' ? [workspaceId, invitationId, at, change.userId] : [workspaceId, invitationId, at],
    );
  }

  /** Issued again: a new secret and expiry, the resender as its inviter, and no longer declined. */
  async renew(
    workspaceId: string,
    invitationId: string,
    renewal: Pick<InvitationRecord, 'expiresAt' | 'invitedByUserId' | 'invitedByApiUserId' | 'invitedByTokenId'> & {
      tokenHash: string;
      hint: string;
    },
    em: EntityManager,
  ): Promise<void> {
    await em.query(
      `UPDATE invitations SET token_hash = $3, hint = $4, expires_at = $5, invited_by_user_id = $6, invited_by_api_user_id = $7,
              invited_by_token_id = $8, declined_at = NULL
        WHERE workspace_id = $1 AND id = $2`,
      [
        workspaceId,
        invitationId,
        renewal.tokenHash,
        renewal.hint,
        renewal.expiresAt,
        renewal.invitedByUserId,
        renewal.invitedByApiUserId,
        renewal.invitedByTokenId,
      ],
    );
  }
}
