import type { DataSource } from 'typeorm';
import type { AuditLog } from '../audit/audit-log';
import { SystemClock } from '../common/clock';
import { DomainError, ErrorCode } from '../common/errors';
import type { TokensRepository } from '../tokens/tokens.repository';
import type { TokensService } from '../tokens/tokens.service';
import type { Mail } from '../mail/mail';
import type { AccountMail } from './account-mail.service';
import { AccountsService } from './accounts.service';
import type { LoginThrottle } from './login-throttle';
import type { PasswordHasher } from './password-hasher';
import type { PasswordLimits } from './password-limits';
import type { User } from './user.entity';
import type { UsersRepository } from './users.repository';

describe('AccountsService.login', () => {
  it('answers a wrong password without waiting for the login.failed audit row, as an unknown email gets no row', async () => {
    const user = { id: '6f1c2d3e-4b5a-4c6d-8e7f-000000000001', email: 'ada@example.com', passwordHash: 'h', status: 'active' } as User;
    const recorded: string[] = [];
    const audit = {
      // A write that never finishes: the answer must come anyway.
      record: (_em: unknown, _actor: unknown, entry: { action: string }) => {
        recorded.push(entry.action);
        return new Promise<void>(() => undefined);
      },
    } as unknown as AuditLog;
    const service = new AccountsService(
      { manager: {} } as unknown as DataSource,
      { findByEmail: async () => user } as unknown as UsersRepository,
      {} as TokensService,
      {} as TokensRepository,
      { verify: async () => false } as unknown as PasswordHasher,
      { begin: async () => undefined, failed: async () => undefined } as unknown as LoginThrottle,
      {} as PasswordLimits,
      audit,
      new SystemClock(),
      {} as AccountMail,
      {} as Mail,
    );

    const error = await service.login({ email: user.email, password: 'not the password' }, '127.0.0.1').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe(ErrorCode.InvalidCredentials);
    expect(recorded).toEqual(['login.failed']);
  }, 5000);
});
