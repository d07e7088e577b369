// Registration, sign-in, sign-out and the user's own profile.
import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { Principal, UserPrincipal } from '../auth/principal';
import { Actor, actorOf, AuditLog } from '../audit/audit-log';
import { Clock } from '../common/clock';
import { conflict, DomainError, ErrorCode, notFound, validationFailed } from '../common/errors';
import { isUniqueViolation } from '../database/database-errors';
import { TokensService } from '../tokens/tokens.service';
import { TokensRepository } from '../tokens/tokens.repository';
import { Mail } from '../mail/mail';
import { AccountMail, greetedName } from './account-mail.service';
import { RegisteredAccountView, SessionTokenView } from './account.views';
import { LoginDto, RegisterDto, UpdateMeDto } from './accounts.dto';
import { LoginThrottle } from './login-throttle';
import { PasswordHasher } from './password-hasher';
import { PasswordLimits } from './password-limits';
import { User } from './user.entity';
import { toUserView, UserView } from './user.view';
import { UsersRepository } from './users.repository';

const badCredentials = () => new DomainError(ErrorCode.InvalidCredentials, 'The email or password is not correct.');

@Injectable()
export class AccountsService {
  private readonly logger = new Logger('Accounts');

  constructor(
    private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly tokens: TokensService,
    private readonly tokenRows: TokensRepository,
    private readonly passwords: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly limits: PasswordLimits,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly accountMail: AccountMail,
    private readonly mail: Mail,
  ) {}

  async register(dto: RegisterDto, ip: string): Promise<RegisteredAccountView> {
    await this.limits.consumeRegistration(ip);
    const passwordHash = await this.passwords.hash(dto.password);
    const now = this.clock.now();
    const user = Object.assign(new User(), {
      id: randomUUID(),
      // Canonical already (RegisterDto); stored as it is, compared with plain equality.
      email: dto.email,
      name: dto.name.trim(),
      passwordHash,
      status: 'active',
      createdAt: now,
      updatedAt: now,
      deactivatedAt: null,
      emailVerifiedAt: null,
      pendingEmail: null,
    } satisfies User);
    try {
      return await this.dataSource.transaction(async (em) => {
        await this.users.insert(user, em);
        const personalToken = await this.tokens.issuePersonal(em, user.id);
        await this.audit.record(em, actorOf(null, ip), {
          action: 'user.registered',
          accountId: user.id,
          target: { type: 'user', id: user.id },
        });
        await this.accountMail.sendVerificationAtSignUp(em, user);
        return { user: toUserView(user), personalToken };
      });
    } catch (error) {
      if (isUniqueViolation(error, 'users_email_key')) throw conflict('An account with this email already exists.');
      throw error;
    }
  }

  /** Same answer, and about the same time, whether the email is unknown, the password wrong or the user deactivated. */
  async login(dto: LoginDto, ip: string, userAgent: string | null = null): Promise<SessionTokenView> {
    await this.throttle.begin(dto.email, ip);
    const user = await this.users.findByEmail(dto.email);
    const passwordOk = await this.passwords.verify(user?.passwordHash ?? null, dto.password, 'sign-in');
    if (!user || !passwordOk || user.status !== 'active') {
      // Told to the account's owner in their audit log; the answer to the caller stays the same, and
      // so does its time: an unknown email writes nothing, so the answer must not wait for this row
      // (waiting made a wrong password measurably slower, reliability/login-timing.ts).
      if (user) {
        this.audit
          .record(this.dataSource.manager, actorOf(null, ip), {
            action: 'login.failed',
            accountId: user.id,
            target: { type: 'user', id: user.id },
          })
          .catch((error: unknown) =>
            this.logger.warn({ err: { type: (error as Error)?.constructor?.name } }, 'login.failed audit event not written'),
          );
      }
      await this.throttle.failed(dto.email);
      throw badCredentials();
    }
    // The session is only made if the password checked is still the user's and the user still active:
    // a login racing a password change or a deactivation must not come out with a live session.
    const session = await this.tokens.issueLoginSession(user.id, user.passwordHash, ip, userAgent);
    if (!session) throw badCredentials();
    await this.throttle.succeeded(dto.email, ip);
    return { token: session };
  }

  /** Ends the session the request came with. Other kinds of token are revoked through /me/tokens. */
  async logout(principal: Principal, actor: Actor): Promise<void> {
    if (principal.token.kind !== 'session') {
      throw new DomainError(ErrorCode.Forbidden, 'Logout ends a session token; revoke other tokens with DELETE /v1/me/tokens/{id}.');
    }
    await this.dataSource.transaction(async (em) => {
      // Of logouts racing each other, one ends the session and records it.
      if (!(await this.tokenRows.revoke(principal.token.id, this.clock.now(), em))) return;
      await this.audit.record(em, actor, {
        action: 'session.ended',
        accountId: principal.type === 'user' ? principal.id : null,
        target: { type: 'token', id: principal.token.id },
      });
    });
  }

  async me(principal: UserPrincipal): Promise<UserView> {
    const user = await this.users.findById(principal.id);
    if (!user) throw notFound('User');
    return toUserView(user);
  }

  async updateMe(principal: UserPrincipal, actor: Actor, dto: UpdateMeDto): Promise<UserView> {
    const user = await this.users.findById(principal.id);
    if (!user) throw notFound('User');
    const now = this.clock.now();
    const changes: Partial<User> = { updatedAt: now };
    if (dto.name !== undefined) changes.name = dto.name.trim();
    const newEmail = dto.email !== undefined && dto.email !== user.email && dto.email !== user.pendingEmail ? dto.email : null;
    if (dto.password !== undefined || newEmail !== null) {
      if (dto.currentPassword === undefined) {
        throw validationFailed('currentPassword', `is required to change the ${dto.password !== undefined ? 'password' : 'email address'}`);
      }
      // Its own bucket per user, right or wrong: it bounds the argon2 work and guesses of the current
      // password with a stolen token, and cannot lock the owner's sign-in (the sign-in lockout's bucket).
      await this.limits.consumePasswordChange(user.id);
      if (dto.password !== undefined) {
        const passwordHash = await this.passwords.change(user.passwordHash, dto.currentPassword, dto.password);
        if (!passwordHash) throw validationFailed('currentPassword', 'is not correct');
        changes.passwordHash = passwordHash;
      } else if (!(await this.passwords.verify(user.passwordHash, dto.currentPassword))) {
        throw validationFailed('currentPassword', 'is not correct');
      }
    } else if (dto.currentPassword !== undefined) {
      throw validationFailed('currentPassword', 'is only accepted together with password or email');
    }
    // A verified account keeps its proven address until the new one's link is opened (review 13b: an
    // address taken unproven handed the account and its memberships to whoever reads that mailbox, and
    // showed the member under it). An account that never proved its address has nothing to keep.
    const pending = newEmail !== null && user.emailVerifiedAt !== null;
    if (newEmail !== null && pending) {
      if (await this.users.findByEmail(newEmail)) throw conflict('An account with this email already exists.');
      changes.pendingEmail = newEmail;
    } else if (newEmail !== null) {
      // A new address proves nothing until its link is opened: what depends on owning it waits again.
      changes.email = newEmail;
      changes.emailVerifiedAt = null;
      changes.pendingEmail = null;
    }
    // Asking for the current address again withdraws the pending one (so do a new password and a new
    // pending address, below).
    const withdraws = dto.email !== undefined && dto.email === user.email && user.pendingEmail !== null;
    try {
      await this.dataSource.transaction(async (em) => {
        // Decided on the row as read above, before the password check: a verification, reset or other
        // change of the account that committed since would be overwritten or undone unseen (a withdrawal
        // racing the pending address's link, say). The row is held to the end; changed meanwhile: 409.
        const locked = await this.users.findLocked(user.id, em);
        if (!locked || !sameAccountState(locked, user)) throw conflict('Your account changed while this request waited; send it again.');
        // The password's consequences first (they withdraw an address asked for before): one asked for in
        // this same request is then recorded, and its link sent, after them.
        if (changes.passwordHash) {
          await this.tokenRows.revokeUserSessions(user.id, now, em);
          await this.accountMail.passwordChanged(em, user, now);
        } else if (withdraws || pending) {
          // A new pending address replaces the one asked for before, whose links die with it (review
          // 15a: asked for again later, its first link came back).
          await this.accountMail.withdrawPendingEmail(em, user, now);
        }
        await this.users.update(user.id, changes, em);
        if (newEmail !== null) {
          await this.accountMail.sendVerification(em, { id: user.id, email: newEmail });
          await this.mail.send(em, { to: user.email, template: 'email-changed', data: { name: greetedName(user), newEmail, pending } });
        }
        await this.audit.record(em, actor, {
          action: changes.passwordHash
            ? 'user.password_changed'
            : newEmail !== null
              ? pending
                ? 'user.email_change_requested'
                : 'user.email_changed'
              : 'user.updated',
          accountId: user.id,
          target: { type: 'user', id: user.id },
          details: {
            fields: Object.keys(dto).filter((k) => k !== 'currentPassword' && k !== 'password'),
            ...(newEmail !== null ? { previousEmail: user.email, email: newEmail } : {}),
          },
        });
      });
    } catch (error) {
      if (isUniqueViolation(error, 'users_email_key')) throw conflict('An account with this email already exists.');
      throw error;
    }
    return toUserView({ ...user, ...changes });
  }
}

/** The fields a change of one's own account is decided on (address, pending address, password, status). */
function sameAccountState(a: User, b: User): boolean {
  return (
    a.email === b.email &&
    a.pendingEmail === b.pendingEmail &&
    a.passwordHash === b.passwordHash &&
    a.status === b.status &&
    (a.emailVerifiedAt?.getTime() ?? null) === (b.emailVerifiedAt?.getTime() ?? null)
  );
}
