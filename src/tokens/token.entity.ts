import { Column, Entity, PrimaryColumn } from 'typeorm';

/** personal: the one default token of a user; named: made by the user; session: login or exchange; api_user: an API user's. */
export const TOKEN_KINDS = ['personal', 'named', 'session', 'api_user'] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

/** The kinds a user's own tokens can be (GET /v1/me/tokens?kind=). */
export const USER_TOKEN_KINDS = ['personal', 'named', 'session'] as const satisfies readonly TokenKind[];
export type UserTokenKind = (typeof USER_TOKEN_KINDS)[number];

@Entity('tokens')
export class Token {
  @PrimaryColumn('uuid')
  id: string;

  @Column('text')
  kind: TokenKind;

  @Column('uuid', { name: 'user_id', nullable: true })
  userId: string | null;

  @Column('uuid', { name: 'api_user_id', nullable: true })
  apiUserId: string | null;

  @Column('text', { nullable: true })
  name: string | null;

  /** SHA-256 of the secret, hex. The secret itself is never stored. */
  @Column('text', { name: 'token_hash' })
  tokenHash: string;

  @Column('text')
  hint: string;

  @Column('text', { array: true })
  scopes: string[];

  /** null: every workspace the principal is in; otherwise only these. */
  @Column('uuid', { name: 'workspace_ids', array: true, nullable: true })
  workspaceIds: string[] | null;

  /** Workspaces an admin there cut this token off from (DELETE /workspaces/:wid/tokens/:id). */
  @Column('uuid', { name: 'blocked_workspace_ids', array: true })
  blockedWorkspaceIds: string[];

  /** For an exchanged session: the long-lived token it was made from; it dies with it. */
  @Column('uuid', { name: 'parent_id', nullable: true })
  parentId: string | null;

  /** Set by rotation: the token that replaced this one. */
  @Column('uuid', { name: 'replaced_by_id', nullable: true })
  replacedById: string | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'expires_at', nullable: true })
  expiresAt: Date | null;

  /** When the token stops working; in the future while a rotated token is inside its grace period. */
  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt: Date | null;

  @Column('timestamptz', { name: 'last_used_at', nullable: true })
  lastUsedAt: Date | null;

  @Column('text', { name: 'last_used_ip', nullable: true })
  lastUsedIp: string | null;

  /** A session's: the User-Agent its sign-in or exchange came with, truncated (src/common/user-agent.ts). */
  @Column('text', { name: 'user_agent', nullable: true })
  userAgent: string | null;

  /** Its own rate limit (requests per window), with rateLimitWindowSeconds; null: only the global one. */
  @Column('integer', { name: 'rate_limit', nullable: true })
  rateLimit: number | null;

  @Column('integer', { name: 'rate_limit_window_seconds', nullable: true })
  rateLimitWindowSeconds: number | null;
  /** Bound to these devices (rights: the principal's device access ∩ these); null: not bound. */
  @Column('uuid', { name: 'device_ids', array: true, nullable: true })
  deviceIds: string[] | null;

  /** Usable only from these networks (normalised CIDRs); null: from anywhere. */
  @Column('text', { name: 'allowed_cidrs', array: true, nullable: true })
  allowedCidrs: string[] | null;

  @Column('text', { nullable: true })
  description: string | null;

  /** Small JSON object of the owner's (size-limited in token-details.ts). */
  @Column('jsonb', { nullable: true })
  metadata: Record<string, unknown> | null;

  /** Set while disabled: refused like a revoked token, until enabled again with the same secret. */
  @Column('timestamptz', { name: 'disabled_at', nullable: true })
  disabledAt: Date | null;

  /**
   * Who made it (or this secret, by rotation): a user or an API user, at most one set, and the token it
   * acted with (below); null for a token older than the record, or made by nobody but its owner's own sign-in.
   * What a password reset of a squatted account ends (reviews 15a, 16a).
   */
  @Column('uuid', { name: 'created_by_user_id', nullable: true })
  createdByUserId: string | null;

  @Column('uuid', { name: 'created_by_api_user_id', nullable: true })
  createdByApiUserId: string | null;

  /** The token its maker acted with (src/authorization/made-by.ts). */
  @Column('uuid', { name: 'created_by_token_id', nullable: true })
  createdByTokenId: string | null;

  /** A federated session: the trust rule it came through; null otherwise. */
  @Column('uuid', { name: 'trust_rule_id', nullable: true })
  trustRuleId: string | null;
}
