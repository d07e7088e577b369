// How many mails of one kind a mailbox gets an hour, whoever causes them: for mail sent to an address
// that someone other than its owner may choose (an invitation, a verification link). Counted per
// mailbox (mailboxOf), under the address's digest: Redis is not handed a list of addresses.
import type Redis from 'ioredis';
import { createHash } from 'node:crypto';
import { ExactLimit } from '../rate-limits/exact-limit';
import type { RateLimitState } from '../rate-limits/rate-limit-fields';

/** Mails of one kind to one mailbox per hour. */
export const MAILS_PER_MAILBOX_PER_HOUR = 5;

export class MailboxLimit {
  private readonly limit: ExactLimit;

  /** `keyPrefix` names the kind of mail (and the limit in the RateLimit fields); `detail` is the 429's. */
  constructor(redis: Redis | null, keyPrefix: string, detail: string) {
    this.limit = new ExactLimit(redis, keyPrefix, MAILS_PER_MAILBOX_PER_HOUR, 3600, detail);
  }

  /** Counts one mail to `email` (canonical); 429 with Retry-After past the limit. */
  consume(email: string): Promise<RateLimitState | null> {
    return this.limit.consume(createHash('sha256').update(mailboxOf(email)).digest('hex'));
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
