// A change made with a token holds that token until it commits. The token check judged the caller
// before the change waited for its locks (and maybe from its cache): a revocation, a cut-off or a
// disabling that committed meanwhile would otherwise not stop it, and one that commits while it runs
// would come before it in time. Held, the caller's rows are read again past every cache and judged by
// the token check's rules (credential-verdict.ts); whatever ends the token or its owner waits for the
// change, or the change sees it.
//
// Lock order, the same as every change that ends a token or its owner takes its rows in:
//   the API user's workspace (FOR KEY SHARE) → the user or API user (FOR SHARE)
//   → the token it was exchanged from (FOR SHARE) → the token (FOR SHARE).
// A workspace's writes take its row first (WorkspaceWrites); a deactivation or a password change takes
// the user's, then its tokens; a revocation takes a token's rotation chain, then its sessions.
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { INVALID, livePrincipal, networkRuleOf, NOT_FROM_HERE } from '../auth/credential-verdict';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors';
import { findCredentialForShare } from '../tokens/tokens.repository';

@Injectable()
export class CallerHold {
  constructor(private readonly clock: Clock) {}

  /**
   * The caller as its token stands now, its rows share-locked until `em`'s transaction ends; the token
   * check's refusal (401 token_invalid or token_expired) when the token or its owner is no longer
   * alive, and its 403 network_not_allowed when the request's address (`ip`, the one the guard judged)
   * is outside a network allow-list set or narrowed meanwhile. Workspace cut-offs, restrictions and
   * policies are the caller's to judge on what this returns.
   */
  async hold(principal: Principal, ip: string | null, em: EntityManager): Promise<Principal> {
    if (principal.type === 'api_user') {
      // Deleting the workspace deletes the API user: the workspace's row comes first, as it does there.
      await em.query(`SELECT 1 FROM workspaces WHERE id = $1 FOR KEY SHARE`, [principal.workspaceId]);
      await em.query(`SELECT 1 FROM api_users WHERE id = $1 FOR SHARE`, [principal.id]);
    } else {
      await em.query(`SELECT 1 FROM users WHERE id = $1 FOR SHARE`, [principal.id]);
    }
    const { id, parentId } = principal.token;
    if (parentId !== null) await em.query(`SELECT 1 FROM tokens WHERE id = $1 FOR SHARE`, [parentId]);
    const credential = await findCredentialForShare(id, em);
    if (!credential) throw INVALID;
    const held = livePrincipal(credential, this.clock.nowMs());
    if (held instanceof DomainError) throw held;
    // No address (an in-process call) is inside no list, as in the token check.
    if (networkRuleOf(credential)?.allows(ip ?? '') === false) throw NOT_FROM_HERE;
    return held;
  }
}
