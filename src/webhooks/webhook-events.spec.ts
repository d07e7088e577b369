import { isPermission, Permission } from '../authorization/permissions';
import { DomainError, ErrorCode } from '../common/errors';
import { assertReadsEvents, readableEvents, readPermissionOf, readPermissionsOf, TEST_EVENT, WEBHOOK_EVENT_TYPES } from './webhook-events';

const reader = (roles: Permission[], scopes: Permission[] = roles) => ({ rolePermissions: new Set(roles), permissions: new Set(scopes) });

function refusal(run: () => void): DomainError {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('the read permission of webhook events', () => {
  it('names a read permission of the catalog for every event an endpoint may subscribe to', () => {
    for (const type of WEBHOOK_EVENT_TYPES) {
      const permission = readPermissionOf(type);
      expect(permission !== null && isPermission(permission) && permission.endsWith(':read')).toBe(true);
    }
  });

  it('maps each family to the permission that shows the same data through the API', () => {
    expect(readPermissionOf('member.added')).toBe('members:read');
    expect(readPermissionOf('invitation.created')).toBe('members:read');
    expect(readPermissionOf('api_user.created')).toBe('api_users:read');
    expect(readPermissionOf('token.leaked')).toBe('tokens:read');
    expect(readPermissionOf('token_policy.changed')).toBe('workspace:read');
    expect(readPermissionOf('device.created')).toBe('devices:read');
    expect(readPermissionOf('team.member_added')).toBe('teams:read');
    expect(readPermissionOf(TEST_EVENT)).toBeNull();
    expect(() => readPermissionOf('widget.made')).toThrow(/no read permission/);
  });

  it('lists what a set of events needs, sorted, once each', () => {
    expect(readPermissionsOf(['invitation.created', 'member.added', 'api_user.created', TEST_EVENT])).toEqual([
      'api_users:read',
      'members:read',
    ]);
  });

  it('refuses a reader without the permission, naming the events and what they need', () => {
    const error = refusal(() =>
      assertReadsEvents(reader(['webhooks:manage', 'devices:read']), ['invitation.created', 'device.created', 'api_user.created'], 'do it'),
    );
    expect(error.code).toBe(ErrorCode.Forbidden);
    expect(error.message).toBe(
      'You cannot do it: api_user.created, invitation.created need api_users:read, members:read, which your roles in this workspace do not grant.',
    );
  });

  it('answers insufficient_scope when the roles grant it and the token does not carry it', () => {
    const error = refusal(() => assertReadsEvents(reader(['members:read'], []), ['member.added'], 'do it'));
    expect(error.code).toBe(ErrorCode.InsufficientScope);
    expect(error.message).toContain('member.added need members:read');
  });

  it('lets a reader holding them all through, and anyone send the test event', () => {
    expect(() => assertReadsEvents(reader(['members:read', 'api_users:read']), ['member.added', 'api_user.deleted'], 'x')).not.toThrow();
    expect(() => assertReadsEvents(reader([]), [TEST_EVENT], 'x')).not.toThrow();
  });

  it('knows which deliveries a reader may see: its families, and the test event', () => {
    expect(readableEvents(reader(['devices:read']))).toEqual(['device.changed', 'device.created', 'device.deleted', TEST_EVENT]);
    expect(readableEvents(reader([]))).toEqual([TEST_EVENT]);
  });
});
