// The write runner: the lock before the caller's rights are read again, the caller's own rule held to
// those rights, the audit bound to actor and workspace, and only the named unique indexes as 409.
import type { DataSource, EntityManager } from 'typeorm';
import type { Actor, AuditLog } from '../audit/audit-log';
import type { Principal } from '../auth/principal';
import { DomainError, ErrorCode } from '../common/errors';
import type { CallerHold } from './caller-hold';
import type { Permission, WorkspaceRule } from './permissions';
import type { WorkspaceAccess, WorkspaceAccessResolver } from './workspace-access';
import type { WorkspaceCaller } from './workspace-caller';
import { WorkspaceWrites } from './workspace-writes';

const WID = '7b0d8a52-8a5e-4b36-9a39-2b7f4c3c1e11';
const actor: Actor = { type: 'user', id: 'u1', tokenId: 't1', ip: '127.0.0.1' };

function accessWith(permissions: Permission[], isOwner = false): WorkspaceAccess {
  const set = new Set(permissions);
  return {
    workspaceId: WID,
    membershipId: 'm1',
    principal: { type: 'user', id: 'u1' } as Principal,
    roleIds: [],
    teamIds: [],
    isOwner,
    rolePermissions: set,
    permissions: set,
    deviceAccess: { mode: 'all' },
    tokenPolicy: { maxLifetimeDays: null, allowPersonalTokens: true },
  };
}

function uniqueViolation(constraint: string): Error {
  return Object.assign(new Error('duplicate key'), { code: '23505', constraint });
}

function setUp(underLock: WorkspaceAccess | Error, tokenUnderLock: Error | null = null) {
  const steps: string[] = [];
  const em = {
    query: jest.fn(async (sql: string) => {
      steps.push(sql.includes('FOR UPDATE') ? 'lock' : 'query');
      return [{ id: WID }];
    }),
  } as unknown as EntityManager;
  const dataSource = { transaction: async (work: (em: EntityManager) => Promise<unknown>) => work(em) } as unknown as DataSource;
  const resolver = {
    current: jest.fn(async () => {
      steps.push('current');
      if (underLock instanceof Error) throw underLock;
      return underLock;
    }),
  } as unknown as WorkspaceAccessResolver;
  const callers = {
    hold: jest.fn(async (principal: Principal) => {
      steps.push('hold');
      if (tokenUnderLock) throw tokenUnderLock;
      return principal;
    }),
  } as unknown as CallerHold;
  const record = jest.fn(async () => undefined);
  const writes = new WorkspaceWrites(dataSource, resolver, callers, { record } as unknown as AuditLog);
  return { writes, steps, record, em };
}

function caller(rule: WorkspaceRule, admitted = accessWith(['devices:create'])): WorkspaceCaller {
  return { ...admitted, rule };
}

describe('WorkspaceWrites', () => {
  it("takes the rows asked for first, then the workspace lock, then holds the caller's token and reads its rights again", async () => {
    const { writes, steps } = setUp(accessWith(['devices:create']));
    await writes.runAfter(
      caller({ permission: 'devices:create' }),
      actor,
      async () => void steps.push('first'),
      async () => void steps.push('work'),
    );
    expect(steps).toEqual(['first', 'lock', 'hold', 'current', 'work']);
  });

  it('refuses a caller whose token ended while it waited for the lock, before its rights are read', async () => {
    const ended = new DomainError(ErrorCode.TokenInvalid, 'The token is not valid.');
    const { writes, steps } = setUp(accessWith(['devices:create']), ended);
    const work = jest.fn();
    await expect(writes.run(caller({ permission: 'devices:create' }), actor, work)).rejects.toBe(ended);
    expect(steps).toEqual(['lock', 'hold']);
    expect(work).not.toHaveBeenCalled();
  });

  it('holds the caller to its own rule on the rights read under the lock', async () => {
    const { writes } = setUp(accessWith(['devices:read']));
    const work = jest.fn();
    const attempt = writes.run(caller({ permission: 'devices:create' }), actor, work);
    await expect(attempt).rejects.toMatchObject({ code: ErrorCode.Forbidden });
    expect(work).not.toHaveBeenCalled();
  });

  it('refuses an owner-only write to a caller no longer owner', async () => {
    const { writes } = setUp(accessWith(['workspace:update'], false));
    const attempt = writes.run(
      caller({ permission: 'workspace:update', ownerOnly: true }, accessWith(['workspace:update'], true)),
      actor,
      jest.fn(),
    );
    await expect(attempt).rejects.toMatchObject({ code: ErrorCode.Forbidden });
  });

  it('answers 404 when the caller is gone by the time the lock is taken', async () => {
    const gone = new DomainError(ErrorCode.NotFound, 'Workspace not found.');
    const { writes } = setUp(gone);
    await expect(writes.run(caller({ workspaceMember: true }), actor, jest.fn())).rejects.toBe(gone);
  });

  it('refuses a rule that asks nothing (deny by default)', async () => {
    const { writes } = setUp(accessWith([]));
    await expect(writes.run(caller({}), actor, jest.fn())).rejects.toThrow(/names a permission/);
  });

  it('records audit events of the workspace, by the actor, in the transaction', async () => {
    const { writes, record, em } = setUp(accessWith(['devices:create']));
    await writes.run(caller({ permission: 'devices:create' }), actor, ({ audit }) =>
      audit({ action: 'device.created', workspaceId: 'elsewhere' } as never),
    );
    expect(record).toHaveBeenCalledWith(em, actor, { action: 'device.created', workspaceId: WID });
  });

  it('answers a named unique violation with 409 and its message, and lets any other through', async () => {
    const { writes } = setUp(accessWith(['devices:create']));
    const named = writes.run(
      caller({ permission: 'devices:create' }),
      actor,
      async () => {
        throw uniqueViolation('devices_workspace_serial_key');
      },
      { conflicts: { devices_workspace_serial_key: 'taken' } },
    );
    await expect(named).rejects.toMatchObject({ code: ErrorCode.Conflict, detail: 'taken' });

    const other = uniqueViolation('roles_workspace_name_key');
    const unnamed = writes.run(
      caller({ permission: 'devices:create' }),
      actor,
      async () => {
        throw other;
      },
      { conflicts: { devices_workspace_serial_key: 'taken' } },
    );
    await expect(unnamed).rejects.toBe(other);
  });
});
