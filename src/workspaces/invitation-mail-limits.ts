// How much invitation mail goes out: whoever may manage members somewhere (any self-registered user, in
// a workspace of their own) chooses the address, and the mail carries text they wrote (the workspace's
// and the inviter's names). So one address gets a bounded number an hour from every workspace together,
// as reset and verification mail are bounded (account-mail.service.ts), and one workspace a bounded
// number to everyone together. Exact and shared through Redis (ExactLimit).
import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { ExactLimit } from '../rate-limits/exact-limit';
import { RedisConnection } from '../rate-limits/redis-connection';

/** Invitation mails to one address per hour, from all workspaces together. */
export const INVITATION_MAILS_PER_ADDRESS_PER_HOUR = 5;
/** Invitation mails from one workspace per hour, to all addresses together: an onboarding, not a mailing list. */
export const INVITATION_MAILS_PER_WORKSPACE_PER_HOUR = 500;
const HOUR_SECONDS = 3600;

@Injectable()
export class InvitationMailLimits {
  private readonly perAddress: ExactLimit;
  private readonly perWorkspace: ExactLimit;

  constructor(redis: RedisConnection) {
    this.perAddress = new ExactLimit(
      redis.client,
      'invitation-mail-address',
      INVITATION_MAILS_PER_ADDRESS_PER_HOUR,
      HOUR_SECONDS,
      'Too many invitation mails to this address; try again later.',
    );
    this.perWorkspace = new ExactLimit(
      redis.client,
      'invitation-mail-workspace',
      INVITATION_MAILS_PER_WORKSPACE_PER_HOUR,
      HOUR_SECONDS,
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
    // By digest: Redis is not handed a list of addresses.
    await this.perAddress.consume(createHash('sha256').update(mailboxOf(email)).digest('hex'));
  }
}

/**
 * The mailbox an address reaches, for counting: `victim+1@…` and `victim+2@…` land in one mailbox at
 * most providers, so a sub-address tag does not make a new budget. Only the count uses it; the address
 * is stored and mailed as given.
 */
export function mailboxOf(email: string): string {
  const at = email.lastIndexOf('@');
  const plus = email.indexOf('+');
  return plus > 0 && plus < at ? email.slice(0, plus) + email.slice(at) : email;
}
