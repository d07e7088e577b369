// Notices about tokens (expiring, leaked, unused) go to the token's owner, or to its API user's owners
// and admins, one per token. An address nobody has proven (an account registered with someone else's
// address) would get one per token its registrant makes, each carrying names the registrant wrote: 30
// tokens expiring tomorrow, 30 mails in one scan; one leak report of 100, 100 mails (review 18b, M1).
// Such an address draws on a budget of 5 notices an hour, all kinds together; past it, the notice is
// not mailed (the token's page still shows its state). A proven address gets every notice: its owner
// made the tokens, or answers for the workspace.
import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '../common/errors';
import { MailboxLimit } from '../mail/mailbox-limit';
import { RedisConnection } from '../rate-limits/redis-connection';

/** Who a notice goes to, and whether the address is proven (users.email_verified_at). */
export interface NoticeRecipient {
  email: string;
  name: string;
  verified: boolean;
}

@Injectable()
export class NoticeBudget {
  private readonly unproven: MailboxLimit;

  constructor(redis: RedisConnection) {
    this.unproven = new MailboxLimit(redis.client, 'token-notice-unproven', 'Too many token notices to this address this hour.');
  }

  /** Whether a notice may be mailed to `recipient` now (and, for an unproven address, counts it). */
  async allows(recipient: NoticeRecipient): Promise<boolean> {
    if (recipient.verified) return true;
    try {
      await this.unproven.consume(recipient.email);
      return true;
    } catch (error) {
      if (error instanceof DomainError && error.code === ErrorCode.RateLimited) return false;
      throw error;
    }
  }
}
