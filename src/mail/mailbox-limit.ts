// How many mails of one kind a mailbox gets an hour, whoever causes them: for mail sent to an address
// that someone other than its owner may choose (an invitation, a verification link). Counted under a
// budget key (mailboxOf, or ownAddressApartOf where the address's owner alone can spend it), as its
// digest: Redis is not handed a list of addresses.
import type Redis from 'ioredis';
import { createHash } from 'node:crypto';
import { ExactLimit } from '../rate-limits/exact-limit';
import type { RateLimitState } from '../rate-limits/rate-limit-fields';

/** Mails of one kind under one budget key per hour. */
export const MAILS_PER_MAILBOX_PER_HOUR = 5;

/** Which budget a mail to an address (canonical) draws on. */
export type BudgetKeyOf = (email: string) => string;

export class MailboxLimit {
  private readonly limit: ExactLimit;

  /**
   * `keyPrefix` names the kind of mail (and the limit in the RateLimit fields); `detail` is the 429's;
   * `budgetKeyOf` says which addresses share a budget (mailboxOf: all addresses of a mailbox).
   */
  constructor(
    redis: Redis | null,
    keyPrefix: string,
    detail: string,
    private readonly budgetKeyOf: BudgetKeyOf = mailboxOf,
  ) {
    this.limit = new ExactLimit(redis, keyPrefix, MAILS_PER_MAILBOX_PER_HOUR, 3600, detail);
  }

  /** Counts one mail to `email` (canonical); 429 with Retry-After past the limit. */
  consume(email: string): Promise<RateLimitState | null> {
    return this.limit.consume(createHash('sha256').update(this.budgetKeyOf(email)).digest('hex'));
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

/**
 * For mail only the account holding the address can cause (its verification link): the mailbox's
 * untagged address has a budget of its own, and all its `+tag` variants share another. Addresses are
 * unique, so nobody but the one account holding `victim@…` spends its budget: strangers signing up as
 * `victim+1@…` no longer keep the owner from proving the address. Accounts taking turns holding
 * `victim@…` still share one budget, and the mailbox gets at most twice the limit an hour.
 */
export function ownAddressApartOf(email: string): string {
  const mailbox = mailboxOf(email);
  // With spaces, which no stored address has: the variants' key is never an address's own.
  return mailbox === email ? email : `+tags of ${mailbox}`;
}
