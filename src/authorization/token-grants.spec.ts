import type { AuthenticatedToken } from '../auth/principal';
import { DomainError } from '../common/errors';
import { assertCanGrant, assertScopesWellFormed } from './token-grants';

const token = (scopes: string[], workspaceIds: string[] | null = null): AuthenticatedToken => ({
  id: 't',
  kind: 'named',
  createdAt: new Date(),
  scopes,
  workspaceIds,
  expiresAt: null,
  parentId: null,
  root: { kind: 'named', createdAt: new Date(), expiresAt: null },
  blockedWorkspaceIds: [],
});

describe('assertCanGrant', () => {
  it('lets * grant anything, including *', () => {
    expect(() => assertCanGrant(token(['*']), { scopes: ['*'], workspaceIds: null })).not.toThrow();
  });

  it('lets a token grant a subset of its scopes and nothing more', () => {
    const own = token(['devices:read', 'account:manage']);
    expect(() => assertCanGrant(own, { scopes: ['devices:read'], workspaceIds: null })).not.toThrow();
    expect(() => assertCanGrant(own, { scopes: ['devices:update'], workspaceIds: null })).toThrow(DomainError);
    expect(() => assertCanGrant(own, { scopes: ['*'], workspaceIds: null })).toThrow(DomainError);
  });

  it('keeps a workspace restriction: no wider, no other workspace, never unrestricted', () => {
    const own = token(['*'], ['w1', 'w2']);
    expect(() => assertCanGrant(own, { scopes: ['devices:read'], workspaceIds: ['w2'] })).not.toThrow();
    expect(() => assertCanGrant(own, { scopes: ['devices:read'], workspaceIds: ['w3'] })).toThrow(DomainError);
    expect(() => assertCanGrant(own, { scopes: ['devices:read'], workspaceIds: null })).toThrow(DomainError);
  });

  it('refuses * mixed with other scopes', () => {
    expect(() => assertScopesWellFormed(['*', 'devices:read'])).toThrow(DomainError);
    expect(() => assertScopesWellFormed(['*'])).not.toThrow();
  });
});
