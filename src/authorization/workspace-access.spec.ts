// WorkspaceAccessResolver.prime(), the start-up warm-up's bulk read of access rows: each row lands
// under its own membership's principal and workspace, and a row whose principal, workspace or selected
// device got an event while the read was in flight is not stored (it would be the row before the change).
import type { DataSource, EntityManager } from 'typeorm';
import type { AuthenticatedToken, Principal } from '../auth/principal';
import { Invalidation } from '../cache/invalidation';
import { loadConfig } from '../config/app-config';
import { WorkspaceAccessResolver } from './workspace-access';

const token: AuthenticatedToken = {
  id: 'token',
  kind: 'named',
  createdAt: new Date(),
  scopes: ['*'],
  workspaceIds: null,
  expiresAt: null,
  parentId: null,
  root: { kind: 'named', createdAt: new Date(), expiresAt: null },
  blockedWorkspaceIds: [],
  boundDevices: null,
  deviceIds: null,
  allowedCidrs: null,
  usableFromCidrs: null,
};
const user = (id: string): Principal => ({ type: 'user', id, email: `${id}@example.com`, token });
const apiUser = (id: string, workspaceId: string): Principal => ({ type: 'api_user', id, workspaceId, token });

/** A membership as the bulk read returns it: the row, with its principal's columns and workspace. */
function membership(who: { userId?: string; apiUserId?: string }, workspaceId: string, deviceIds: string[] | null = null) {
  return {
    membershipId: `m-${who.userId ?? who.apiUserId}-${workspaceId}`,
    deviceAccess: deviceIds === null ? 'all' : 'selected',
    roleIds: ['r'],
    teamIds: [],
    permissions: ['devices:read'],
    isOwner: false,
    deviceIds,
    maxLifetimeDays: null,
    allowPersonalTokens: true,
    userId: who.userId ?? null,
    apiUserId: who.apiUserId ?? null,
    workspaceId,
  };
}

describe('WorkspaceAccessResolver.prime', () => {
  const config = loadConfig({});
  let invalidation: Invalidation;
  let resolver: WorkspaceAccessResolver;
  let reads: number;

  beforeEach(() => {
    invalidation = new Invalidation(config);
    reads = 0;
    // A check's own read of a row: counted, so a cached answer is told from a read one.
    const dataSource = {
      manager: {
        query: () => {
          reads++;
          return Promise.resolve([]);
        },
      },
    } as unknown as DataSource;
    resolver = new WorkspaceAccessResolver(dataSource, invalidation, config);
  });

  /** Whether the check is answered from the cache: at once, without a read. */
  const cached = async (principal: Principal, workspaceId: string): Promise<boolean> => {
    const before = reads;
    const answer = resolver.resolve(principal, workspaceId);
    await Promise.resolve(answer).catch(() => undefined);
    return !(answer instanceof Promise) && reads === before;
  };

  it('keys each row by its own principal and workspace, and returns their workspaces', async () => {
    const em = {
      query: () =>
        Promise.resolve([
          membership({ userId: 'u1' }, 'w1'),
          membership({ userId: 'u1' }, 'w2', ['d1']),
          membership({ apiUserId: 'a1' }, 'w3'),
        ]),
    } as unknown as EntityManager;
    await expect(resolver.prime(['u1', 'a1'], 10, em)).resolves.toEqual(['w1', 'w2', 'w3']);

    expect(await cached(user('u1'), 'w1')).toBe(true);
    expect(await cached(user('u1'), 'w2')).toBe(true);
    expect(await cached(apiUser('a1', 'w3'), 'w3')).toBe(true);
    // The same rows are nobody else's: not another kind of principal with the same id, not another workspace.
    expect(await cached(user('a1'), 'w3')).toBe(false);
    expect(await cached(apiUser('u1', 'w1'), 'w1')).toBe(false);
    expect(await cached(user('u1'), 'w3')).toBe(false);
    // And each answer is its own row's: every device in w1, only d1 in w2.
    expect(resolver.resolve(user('u1'), 'w1')).toMatchObject({ workspaceId: 'w1', deviceAccess: { mode: 'all' } });
    expect(resolver.resolve(user('u1'), 'w2')).toMatchObject({ workspaceId: 'w2', deviceAccess: { mode: 'selected', deviceIds: ['d1'] } });
  });

  it('stores no row whose principal, workspace or selected device got an event while the rows were read', async () => {
    let release: () => void = () => undefined;
    const em = {
      query: async () => {
        await new Promise<void>((resolve) => (release = resolve));
        return [
          membership({ userId: 'u1' }, 'w1'),
          membership({ userId: 'u2' }, 'w2'),
          membership({ apiUserId: 'a3' }, 'w3'),
          membership({ userId: 'u4' }, 'w4', ['d4']),
          membership({ userId: 'u5' }, 'w5'),
        ];
      },
    } as unknown as EntityManager;
    const primed = resolver.prime(['u1', 'u2', 'a3', 'u4', 'u5'], 10, em);
    await Promise.resolve();
    // Changes that commit while the rows are read: a role change in w2, the API user a3 disabled, the
    // device d4 deleted. Nothing about u1 or u5.
    const tx = { query: async () => [] } as never;
    await invalidation.publish(tx, { kind: 'workspace', id: 'w2' });
    await invalidation.publish(tx, { kind: 'api_user', id: 'a3' });
    await invalidation.publish(tx, { kind: 'device', id: 'd4' });
    release();
    await primed;

    expect(await cached(user('u1'), 'w1')).toBe(true);
    expect(await cached(user('u2'), 'w2')).toBe(false);
    expect(await cached(apiUser('a3', 'w3'), 'w3')).toBe(false);
    expect(await cached(user('u4'), 'w4')).toBe(false);
    expect(await cached(user('u5'), 'w5')).toBe(true);
  });

  it('reads nothing for no principals or no room', async () => {
    const em = { query: jest.fn() } as unknown as EntityManager;
    await expect(resolver.prime([], 10, em)).resolves.toEqual([]);
    await expect(resolver.prime(['u1'], 0, em)).resolves.toEqual([]);
    expect(em.query).not.toHaveBeenCalled();
  });
});
