// How much invitation mail goes out: whoever may manage members somewhere (any self-registered user, in
// a workspace of their own) chooses the address, and the mail carries text they wrote (the workspace's
// and the inviter's names). So one mailbox gets a bounded number an hour from every workspace together,
// as reset and verification mail are bounded (account-mail.service.ts), and one workspace a bounded
// number to everyone together. Exact and shared through Redis (ExactLimit).
import { Injectable } from '@nestjs/common';
import { MailboxLimit } from '../mail/mailbox-limit';
import { ExactLimit } from '../rate-limits/exact-limit';
import { RedisConnection } from '../rate-limits/redis-connection';

/** Invitation mails from one workspace per hour, to all addresses together: an onboarding, not a mailing list. */
export const INVITATION_MAILS_PER_WORKSPACE_PER_HOUR = 500;

@Injectable()
export class InvitationMailLimits {
  /** MAILS_PER_MAILBOX_PER_HOUR invitation mails to one mailbox, from all workspaces together. */
  private readonly perMailbox: MailboxLimit;
  private readonly perWorkspace: ExactLimit;

  constructor(redis: RedisConnection) {
    this.perMailbox = new MailboxLimit(
      redis.client,
      'invitation-mail-address',
      'Too many invitation mails to this address; try again later.',
    );
    this.perWorkspace = new ExactLimit(
      redis.client,
      'invitation-mail-workspace',
      INVITATION_MAILS_PER_WORKSPACE_PER_HOUR,
      3600,
      'This workspace has sent too many invitation mails; try again later.',
    );
  }

  /**
   * Counts one invitation mail to `email` (canonical) from the workspace; 429 past either limit. Called
   * in the transaction of the write, before anything is written: a refusal rolls back, mailing nothing.
   */
  async consume(workspaceId: string, email: string): Promise<void> {
    // The workspace's first: a workspace past its own limit does not use up the address's.
    await this.perWorkspace.consume(workspaceId);
    await this.perMailbox.consume(email);
  }
}
