// Reading a token's usage, once the route has established the token is the caller's to see.
import { Injectable } from '@nestjs/common';
import type { UserPrincipal } from '../auth/principal';
import { Clock } from '../common/clock';
import { notFound } from '../common/errors';
import { retentionStart, USAGE_RETENTION_DAYS } from './token-usage.recorder';
import { TokenUsageRepository } from './token-usage.repository';
import type { TokenUsageQueryDto, TokenUsageView } from './token-usage.view';
import { TokensRepository } from './tokens.repository';

@Injectable()
export class TokenUsageService {
  constructor(
    private readonly usage: TokenUsageRepository,
    private readonly tokens: TokensRepository,
    private readonly clock: Clock,
  ) {}

  /** One of the caller's own tokens (any kind); another's is 404. */
  async ofOwnToken(principal: UserPrincipal, tokenId: string, query: TokenUsageQueryDto): Promise<TokenUsageView> {
    const token = await this.tokens.findForOwner({ type: 'user', id: principal.id }, tokenId);
    if (!token) throw notFound('Token');
    return this.read(token.id, query.days);
  }

  /** What a workspace's admins get for a member's token that reaches other workspaces too: no hours. */
  hidden(tokenId: string, days = USAGE_RETENTION_DAYS): TokenUsageView {
    const since = new Date(retentionStart(this.clock.now().getTime(), days));
    return { tokenId, days, since, buckets: [], totals: { requests: 0, refusals: 0 }, hidden: true };
  }

  /** The usage of a token the caller has been found to see. The hours of the last `days`, this one included. */
  async read(tokenId: string, days = USAGE_RETENTION_DAYS): Promise<TokenUsageView> {
    const since = new Date(retentionStart(this.clock.now().getTime(), days));
    const buckets = await this.usage.hourly(tokenId, since);
    let requests = 0;
    let refusals = 0;
    for (const b of buckets) {
      requests += b.requests;
      refusals += b.refusals;
    }
    return { tokenId, days, since, buckets, totals: { requests, refusals }, hidden: false };
  }
}
