import { Column, Entity, PrimaryColumn } from 'typeorm';

export const USER_STATUSES = ['active', 'deactivated'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

@Entity('users')
export class User {
  @PrimaryColumn('uuid')
  id: string;

  /** In canonical form (canonicalEmail()), unique as stored: compare with plain equality. */
  @Column('text')
  email: string;

  @Column('text')
  name: string;

  /** argon2id, never leaves this service. */
  @Column('text', { name: 'password_hash' })
  passwordHash: string;

  @Column('text')
  status: UserStatus;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;

  @Column('timestamptz', { name: 'deactivated_at', nullable: true })
  deactivatedAt: Date | null;

  /**
   * When the user proved they receive mail at `email` (the mailed verification link, or a password reset
   * through it); null until then and again after an email change. Whatever depends on owning the address
   * reads it: platform admin by email, accepting and listing the invitee's invitations.
   */
  @Column('timestamptz', { name: 'email_verified_at', nullable: true })
  emailVerifiedAt: Date | null;

  /**
   * An address asked for and not yet proven, while `email` (verified) stays the account's: it becomes
   * `email` when the link mailed to it is opened (review 13b: an address taken unproven handed the
   * account, and its memberships, to whoever reads that mailbox, through a password reset).
   */
  @Column('text', { name: 'pending_email', nullable: true })
  pendingEmail: string | null;
}
