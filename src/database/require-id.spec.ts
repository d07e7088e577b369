// Tenant isolation is structural: a tenant-scoped repository method refuses an empty workspace id
// before it builds any query (TypeORM would silently drop an undefined filter and match everything).
import type { DataSource } from 'typeorm';
import type { Invalidation } from '../cache/invalidation';
import { DevicesRepository } from '../devices/devices.repository';
import { InvitationsRepository } from '../workspaces/invitations.repository';
import { WorkspacesRepository } from '../workspaces/workspaces.repository';
import { requireId } from './workspace-scoped';

describe('requireId', () => {
  it('passes an id through and throws on an empty or missing one', () => {
    expect(requireId('7b0d8a52-8a5e-4b36-9a39-2b7f4c3c1e11')).toBe('7b0d8a52-8a5e-4b36-9a39-2b7f4c3c1e11');
    expect(() => requireId('')).toThrow(/required/);
    expect(() => requireId(undefined as unknown as string)).toThrow(/required/);
  });

  it('guards the tenant-scoped repositories before any query is sent', async () => {
    const query = jest.fn();
    const dataSource = { query, manager: { query } } as unknown as DataSource;
    const invalidation = { publish: jest.fn() } as unknown as Invalidation;
    const devices = new DevicesRepository(dataSource, invalidation);
    const workspaces = new WorkspacesRepository(dataSource, invalidation);
    const invitations = new InvitationsRepository(dataSource);
    const attempts: Array<() => unknown> = [
      () => devices.list('', { mode: 'all' }, { after: null, limit: 10 }),
      () => devices.find('', 'x', { mode: 'all' }),
      () => workspaces.listRoles(''),
      () => workspaces.findMember('', 'user'),
      () => workspaces.listMembers('', null, 10),
      () => invitations.list('', null, 10),
    ];
    for (const attempt of attempts) {
      await expect(Promise.resolve().then(attempt)).rejects.toThrow(/required/);
    }
    expect(query).not.toHaveBeenCalled();
  });
});
