// Mailed proofs of an account's address: email verification and password reset. Each link carries a
// one-time secret (lkv_, lkr_) kept as its SHA-256 only, dies when used, expired, or when a newer use
// of the same purpose succeeds, and proves exactly the address it was sent to.
import { UnprovenAccount } from './unproven-account';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, AuditLog } from '../audit/audit-log';
import type { UserPrincipal } from '../auth/principal';
import { generateToken, hashToken, parseToken } from '../auth/token-format';
import { Clock } from '../common/clock';
import { isUniqueViolation } from '../database/database-errors';
import { conflict, DomainError, ErrorCode, notFound, validationFailed } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Mail } from '../mail/mail';
import { MailboxLimit, ownAddressApartOf } from '../mail/mailbox-limit';
import { Outbox, OutboxHandler, OutboxJob } from '../outbox/outbox';
import { OutboxWorker } from '../outbox/outbox-worker';
import { Retention } from '../outbox/retention';
import { ExactLimit } from '../rate-limits/exact-limit';
import { RedisConnection } from '../rate-limits/redis-connection';
import { clientKey } from '../rate-limits/client-key';
import { TokensRepository } from '../tokens/tokens.repository';
import { AccountLinksRepository, type AccountLinkPurpose, type AccountLinkRecord } from './account-links.repository';
import { PasswordHasher } from './password-hasher';
import type { User } from './user.entity';
import { UsersRepository } from './users.repository';

export const VERIFY_LINK_HOURS = 24;
export const RESET_LINK_MINUTES = 30;
/** Reset mails per account per hour, whoever asks: past it a request is answered as always and sends nothing. */
const RESET_MAILS_PER_ACCOUNT_PER_HOUR = 3;
const RESET_REQUEST_KIND = 'password-reset-request';

/**
 * The name a mail that anyone can cause (a reset, an address change) greets the account by: none while
 * its address is unproven, since whoever registered it, and wrote the name, may be a stranger to the
 * mailbox ("Your account is locked: call …").
 */
export function greetedName(user: Pick<User, 'name' | 'emailVerifiedAt'>): string | null {
  return user.emailVerifiedAt ? user.name : null;
}

/** A link as found by its secret, before it is used. */
type FoundLink = AccountLinkRecord & { tokenHash: string };

/** Each kind of mailed link: its secret's prefix, the console page it opens, and how long it works. */
const LINK_KINDS: Record<AccountLinkPurpose, { prefix: 'lkv_' | 'lkr_'; page: string; lifetimeMs: number }> = {
  verify_email: { prefix: 'lkv_', page: '/verify-email', lifetimeMs: VERIFY_LINK_HOURS * 3_600_000 },
  password_reset: { prefix: 'lkr_', page: '/reset-password', lifetimeMs: RESET_LINK_MINUTES * 60_000 },
};

/** Not a secret of this kind at all: the request is malformed. */
const notALink = () => validationFailed('token', 'is not the secret of such a link');
/** Unknown, used, expired, or for an address the account has left: one answer for all, saying nothing more. */
const badLink = () => new DomainError(ErrorCode.NotFound, 'This link is unknown, used or expired.');

@Injectable()
export class AccountMail implements OutboxHandler, OnModuleInit {
  readonly kind = RESET_REQUEST_KIND;
  private readonly resetsPerIp: ExactLimit;
  private readonly resetMailsPerAccount: ExactLimit;
  private readonly verificationResends: ExactLimit;
  private readonly verificationMails: MailboxLimit;

  constructor(
    private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly links: AccountLinksRepository,
    private readonly tokens: TokensRepository,
    private readonly passwords: PasswordHasher,
    private readonly mail: Mail,
    private readonly outbox: Outbox,
    private readonly worker: OutboxWorker,
    private readonly retention: Retention,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    redis: RedisConnection,
    private readonly unprovenAccount: UnprovenAccount,
  ) {
    this.resetsPerIp = new ExactLimit(
      redis.client,
      'password-reset',
      config.passwordResetsPerIpPer15Minutes,
      15 * 60,
      'Too many password reset requests from this address; try again later.',
    );
    this.resetMailsPerAccount = new ExactLimit(redis.client, 'password-reset-mail', RESET_MAILS_PER_ACCOUNT_PER_HOUR, 3600, '');
    this.verificationResends = new ExactLimit(redis.client, 'verify-resend', 5, 15 * 60, 'Too many verification mails; try again later.');
    // Per address as well as per account: accounts taking turns holding an address (or holding its
    // +tag variants) would otherwise each have their own budget of mails to it. The untagged address
    // apart from its variants, so that strangers holding `+tag`s cannot spend its owner's budget. The
    // 429 names no other way to prove the address: a reset's budget is one anybody can spend too.
    this.verificationMails = new MailboxLimit(
      redis.client,
      'verification-mail-address',
      'Too many verification mails to this address this hour; try again later.',
      ownAddressApartOf,
    );
  }

  onModuleInit(): void {
    this.worker.register(this);
    this.retention.register('account_links', (cutoff, limit) => this.links.purgeSpent(cutoff, limit));
  }

  // --- email verification ------------------------------------------------------------------------

  /**
   * In the transaction of an email change or a resend: past the mailbox's hourly limit 429, and the
   * transaction rolls back. An email change is refused rather than made without a link, so that an
   * address cannot be taken and let go (each time telling the address left) without counting a mail.
   */
  async sendVerification(em: EntityManager, user: Pick<User, 'id' | 'email'>): Promise<void> {
    await this.verificationMails.consume(user.email);
    await this.mailVerificationLink(em, user);
  }

  /**
   * In the transaction of a registration: past the mailbox's hourly limit the account is made all the
   * same, unverified and without a link (a resend later, or a password reset, proves the address).
   * Whoever spends an address's budget must not keep its owner from signing up.
   */
  async sendVerificationAtSignUp(em: EntityManager, user: Pick<User, 'id' | 'email'>): Promise<void> {
    try {
      await this.verificationMails.consume(user.email);
    } catch (error) {
      if (error instanceof DomainError && error.code === ErrorCode.RateLimited) return;
      throw error;
    }
    await this.mailVerificationLink(em, user);
  }

  /**
   * POST /v1/me/email-verification: a new link (the older ones keep working until used or expired), to
   * the address asked for when there is one, else to the account's own while it is unproven.
   */
  async resendVerification(principal: UserPrincipal): Promise<void> {
    await this.verificationResends.consume(principal.id);
    await this.dataSource.transaction(async (em) => {
      const user = await this.users.findLocked(principal.id, em);
      if (!user) throw notFound('User');
      if (user.pendingEmail !== null) return this.sendVerification(em, { id: user.id, email: user.pendingEmail });
      if (user.emailVerifiedAt) throw conflict('Your email address is verified already.');
      await this.sendVerification(em, user);
    });
  }

  /**
   * The link and its mail. The mail greets nobody by name: the address is not proven yet, so whoever
   * typed it, and the name, may be a stranger to its mailbox.
   */
  private async mailVerificationLink(em: EntityManager, user: Pick<User, 'id' | 'email'>): Promise<void> {
    const { link, expiresAt } = await this.issueLink(em, user, 'verify_email');
    await this.mail.send(em, { to: user.email, template: 'verify-email', data: { link, expiresAt } });
  }

  /** POST /v1/auth/verify-email: needs no sign-in (the link is often opened elsewhere); the secret is the proof. */
  async verifyEmail(secret: string, actor: Actor): Promise<void> {
    const found = await this.findUsable(secret, 'verify_email');
    try {
      await this.dataSource.transaction(async (em) => {
        const user = await this.use(em, found);
        const now = this.clock.now();
        // A link to the address a verified account asked for: the change takes effect now.
        const changed = user.pendingEmail !== null && found.email === user.pendingEmail;
        if (!changed && user.emailVerifiedAt) return;
        await this.users.update(
          user.id,
          changed
            ? { email: found.email, pendingEmail: null, emailVerifiedAt: now, updatedAt: now }
            : { emailVerifiedAt: now, updatedAt: now },
          em,
        );
        await this.audit.record(
          em,
          { ...actor, type: 'user', id: user.id, tokenId: null },
          {
            action: changed ? 'user.email_changed' : 'user.email_verified',
            accountId: user.id,
            target: { type: 'user', id: user.id },
            details: changed ? { previousEmail: user.email, email: found.email } : { email: user.email },
          },
        );
      });
    } catch (error) {
      // Someone else took the address while the change waited for its link.
      if (isUniqueViolation(error, 'users_email_key')) throw conflict('An account with this email already exists.');
      throw error;
    }
  }

  // --- password reset ------------------------------------------------------------------------------

  /**
   * POST /v1/auth/password-reset: the same answer, after the same work (one row written), whether or not
   * the address has an account: the lookup, the link and the mail happen later, in the outbox worker.
   */
  async requestPasswordReset(email: string, ip: string): Promise<void> {
    await this.resetsPerIp.consume(clientKey(ip));
    await this.outbox.add(this.dataSource.manager, { kind: RESET_REQUEST_KIND, payload: { email } });
  }

  /** The outbox job of a reset request: an active account with this address gets a link, nobody else anything. */
  async deliver(job: OutboxJob): Promise<void> {
    const email = job.payload.email;
    if (typeof email !== 'string') return;
    const found = await this.users.findByEmail(email);
    if (!found || found.status !== 'active') return;
    // A mailbox is not flooded with resets by whoever knows its address.
    try {
      await this.resetMailsPerAccount.consume(found.id);
    } catch {
      return;
    }
    await this.dataSource.transaction(async (em) => {
      const { link, expiresAt } = await this.issueLink(em, found, 'password_reset');
      await this.mail.send(em, { to: found.email, template: 'password-reset', data: { name: greetedName(found), link, expiresAt } });
    });
  }

  retryDelayMs(failedAttempt: number): number | null {
    return failedAttempt < 5 ? 30_000 * failedAttempt : null;
  }

  /**
   * POST /v1/auth/password-reset/confirm: the new password, every session ended (what a password change
   * ends), every other reset link dead, and the address verified: the link reached its mailbox.
   */
  async confirmPasswordReset(secret: string, newPassword: string, actor: Actor): Promise<void> {
    // Checked before the argon2 work, and again under the row lock (a second use may have won meanwhile).
    const found = await this.findUsable(secret, 'password_reset');
    const passwordHash = await this.passwords.hash(newPassword);
    await this.dataSource.transaction(async (em) => {
      const user = await this.use(em, found);
      const now = this.clock.now();
      await this.users.update(user.id, { passwordHash, emailVerifiedAt: user.emailVerifiedAt ?? now, updatedAt: now }, em);
      await this.withdrawPendingEmail(em, user, now);
      // The link proves the address. Until now nobody had: whoever registered it (a squatter, say) may
      // hold personal and named tokens, and those end too; a verified account keeps them, as after a
      // password change, and loses its sessions.
      const wasUnverified = user.emailVerifiedAt === null;
      const unproven = wasUnverified ? await this.unprovenAccount.endWhatItMade(em, user.id, now) : null;
      if (!wasUnverified) await this.tokens.revokeUserSessions(user.id, now, em);
      await this.audit.record(
        em,
        { ...actor, type: 'user', id: user.id, tokenId: null },
        {
          action: 'user.password_reset',
          accountId: user.id,
          target: { type: 'user', id: user.id },
          details: { tokensEnded: wasUnverified ? 'all' : 'sessions', ...unproven },
        },
      );
      await this.mail.send(em, { to: user.email, template: 'password-changed', data: { name: user.name, how: 'reset' } });
    });
  }

  /**
   * A new address asked for is withdrawn, and its links die: asked back (PATCH /v1/me with the current
   * address), or when the password changes or is reset, since whoever asked for it may have held the old
   * password and an owner told of the request secures the account that way (review 14: the intruder's
   * link survived the reset and moved the account to them). Links die even with nothing pending: one
   * left from an address withdrawn before must not come back if that address is asked for again.
   */
  async withdrawPendingEmail(em: EntityManager, user: Pick<User, 'id' | 'email' | 'pendingEmail'>, at: Date): Promise<void> {
    if (user.pendingEmail !== null) await this.users.update(user.id, { pendingEmail: null }, em);
    await this.links.useVerificationsElsewhere(user.id, user.email, at, em);
  }

  /** A new link of this purpose for the account's current address, stored as its hash; the URL to mail. */
  private async issueLink(
    em: EntityManager,
    user: Pick<User, 'id' | 'email'>,
    purpose: AccountLinkPurpose,
  ): Promise<{ link: string; expiresAt: string }> {
    const kind = LINK_KINDS[purpose];
    const secret = generateToken(kind.prefix);
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + kind.lifetimeMs);
    await this.links.insert({ userId: user.id, purpose, tokenHash: hashToken(secret), email: user.email, createdAt: now, expiresAt }, em);
    return { link: this.mail.link(this.config, kind.page, secret), expiresAt: expiresAt.toISOString() };
  }

  /** The link a secret names, read without a lock, if it is still usable; otherwise the request fails here. */
  private async findUsable(secret: string, purpose: AccountLinkPurpose): Promise<FoundLink> {
    if (parseToken(secret) !== LINK_KINDS[purpose].prefix) throw notALink();
    const tokenHash = hashToken(secret);
    const found = await this.links.findByHash(tokenHash, purpose);
    if (!found || found.usedAt || found.expiresAt <= this.clock.now()) throw badLink();
    return { ...found, tokenHash };
  }

  /**
   * A link used: its account's row locked, then the link's, judged again, and every link of its purpose
   * spent; returns the account it was used for. The account first, as everything else that changes an
   * account's links takes them (an email change, a resend, a password change): link first, two links of
   * one account used at once each held its own and then waited for the other's in useAll, a deadlock
   * (409 on PostgreSQL). `found` is the link as read without a lock, for its account (which never
   * changes); the rest is read again here.
   */
  private async use(em: EntityManager, found: FoundLink): Promise<User> {
    const user = await this.users.findLocked(found.userId, em);
    const link = await this.links.findByHash(found.tokenHash, found.purpose, em);
    if (!link || link.usedAt || link.expiresAt <= this.clock.now()) throw badLink();
    // The address changed since the link was sent: it proves an address the account no longer has (or,
    // for a verification, no longer asks for). A deactivated account proves nothing either.
    const forPending = found.purpose === 'verify_email' && user?.pendingEmail === link.email;
    if (!user || (user.email !== link.email && !forPending) || user.status !== 'active') throw badLink();
    await this.links.useAll(user.id, found.purpose, this.clock.now(), em);
    return user;
  }

  /**
   * A password changed any other way: the reset links still in the inbox die with the old password, and
   * so does a new address asked for with it (withdrawPendingEmail).
   */
  async passwordChanged(em: EntityManager, user: Pick<User, 'id' | 'email' | 'name' | 'pendingEmail'>, at: Date): Promise<void> {
    await this.links.useAll(user.id, 'password_reset', at, em);
    await this.withdrawPendingEmail(em, user, at);
    await this.mail.send(em, { to: user.email, template: 'password-changed', data: { name: user.name, how: 'changed' } });
  }
}
