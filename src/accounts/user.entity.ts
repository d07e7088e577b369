import { Column, Entity, PrimaryColumn } from 'typeorm';

export type UserStatus = 'active' | 'deactivated';

@Entity('users')
export class User {
  @PrimaryColumn('uuid')
  id: string;

  /** As the user typed it; uniqueness is on lower(email). */
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
}
