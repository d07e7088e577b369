// "Your active sessions": the user's live session tokens, ending one, and signing out everywhere else.
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Actor, AuditLog } from '../audit/audit-log';
import type { UserPrincipal } from '../auth/principal';
import { Clock } from '../common/clock';
import { notFound } from '../common/errors';
import { decodeCursor, Page, PageQueryDto, pageLimit, toPage } from '../common/pagination';
import { SessionsRevokedView, SessionView, toSessionView } from './session.view';
import { TokensRepository } from './tokens.repository';

@Injectable()
export class SessionsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tokens: TokensRepository,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  async list(principal: UserPrincipal, query: PageQueryDto): Promise<Page<SessionView>> {
    const limit = pageLimit(query);
    const rows = await this.tokens.listForOwner(
      { type: 'user', id: principal.id },
      { kinds: ['session'], includeInactive: false, now: this.clock.now(), after: decodeCursor(query.cursor), limit },
    );
    return toPage(rows, limit, (row) => toSessionView(row, principal.token.id));
  }

  /** Ends one of the user's sessions (the current one too: that is a sign-out). Another user's, or a token that is no session: 404. */
  async revoke(principal: UserPrincipal, actor: Actor, sessionId: string): Promise<void> {
    const token = await this.tokens.findForOwner({ type: 'user', id: principal.id }, sessionId);
    if (!token || token.kind !== 'session') throw notFound('Session');
    await this.dataSource.transaction(async (em) => {
      // Ending a dead session again answers 204 too, and records nothing.
      if (!(await this.tokens.revoke(token.id, this.clock.now(), em))) return;
      await this.audit.record(em, actor, {
        action: 'session.revoked',
        accountId: principal.id,
        target: { type: 'token', id: token.id },
      });
    });
  }

  /** Ends every session of the user but the one this request came with (if it came with one). */
  async revokeOthers(principal: UserPrincipal, actor: Actor): Promise<SessionsRevokedView> {
    return this.dataSource.transaction(async (em) => {
      const revoked = await this.tokens.revokeUserSessions(principal.id, this.clock.now(), em, principal.token.id);
      if (revoked > 0) {
        await this.audit.record(em, actor, {
          action: 'session.revoked_others',
          accountId: principal.id,
          target: { type: 'user', id: principal.id },
          details: { revoked, kept: principal.token.kind === 'session' ? principal.token.id : null },
        });
      }
      return { revoked };
    });
  }
}
