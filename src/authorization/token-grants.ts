// No escalation, written once: a token can only hand out scopes and workspaces it holds itself.
import type { AuthenticatedToken } from '../auth/principal';
import { DomainError, ErrorCode, validationFailed } from '../common/errors';
import { ALL_SCOPES, scopesInclude } from './permissions';

export interface RequestedGrant {
  scopes: readonly string[];
  /** null: every workspace. */
  workspaceIds: readonly string[] | null;
}

export function assertScopesWellFormed(scopes: readonly string[]): void {
  if (scopes.includes(ALL_SCOPES) && scopes.length > 1) throw validationFailed('scopes', '"*" cannot be combined with other scopes');
}

export function assertCanGrant(grantor: AuthenticatedToken, requested: RequestedGrant): void {
  if (!scopesInclude(grantor.scopes, requested.scopes)) {
    throw new DomainError(ErrorCode.Forbidden, 'A token can only grant scopes it holds itself.');
  }
  if (grantor.workspaceIds !== null) {
    const allowed = new Set(grantor.workspaceIds);
    if (requested.workspaceIds === null || requested.workspaceIds.some((id) => !allowed.has(id))) {
      throw new DomainError(ErrorCode.Forbidden, 'A workspace-restricted token can only grant workspaces it is restricted to.');
    }
  }
}
