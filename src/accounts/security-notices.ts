// Security notices to an account's address, each in the transaction of the change it reports: the
// password changed, the personal token regenerated, a token revoked by a workspace admin, the account
// deactivated. They go to the current address whether or not it is verified: it is the account's own.
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Mail } from '../mail/mail';
import { UsersRepository } from './users.repository';

@Injectable()
export class SecurityNotices {
  constructor(
    private readonly users: UsersRepository,
    private readonly mail: Mail,
  ) {}

  async personalTokenRegenerated(em: EntityManager, userId: string, tokenHint: string): Promise<void> {
    const user = await this.users.contactOf(userId, em);
    if (user) await this.mail.send(em, { to: user.email, template: 'token-regenerated', data: { name: user.name, tokenHint } });
  }

  async tokenRevokedByAdmin(
    em: EntityManager,
    userId: string,
    workspaceId: string,
    token: { name: string | null; hint: string; kind: string },
    effect: 'revoked' | 'blocked_in_workspace',
  ): Promise<void> {
    const user = await this.users.contactOf(userId, em, workspaceId);
    if (!user) return;
    await this.mail.send(em, {
      to: user.email,
      template: 'token-revoked',
      data: {
        name: user.name,
        tokenName: token.name ?? `${token.kind} token`,
        tokenHint: token.hint,
        workspaceName: user.workspaceName ?? '',
        effect,
      },
    });
  }

  async accountDeactivated(em: EntityManager, userId: string): Promise<void> {
    const user = await this.users.contactOf(userId, em);
    if (user) await this.mail.send(em, { to: user.email, template: 'account-deactivated', data: { name: user.name } });
  }
}
