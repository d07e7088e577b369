// The usual start of a run: an owner with a workspace, and an API user who may check one device.
import { ApiClient } from './api-client';

export interface Owner {
  userId: string;
  email: string;
  password: string;
  /** The owner's default personal token (scope *). */
  token: string;
  workspaceId: string;
  /** Built-in role ids by name. */
  roles: Record<'owner' | 'admin' | 'member' | 'viewer', string>;
}

export interface ApiUser {
  id: string;
  token: string;
}

export const SEED_PASSWORD = 'reliability password 123';

export async function seedOwner(api: ApiClient, email = `owner-${Date.now()}@example.com`): Promise<Owner> {
  const registered = await api.expect<{ user: { id: string }; personalToken: { secret: string } }>(201, 'POST', '/v1/auth/register', {
    body: { email, password: SEED_PASSWORD, name: 'Reliability owner' },
  });
  const token = registered.personalToken.secret;
  const workspace = await api.expect<{ id: string }>(201, 'POST', '/v1/workspaces', { token, body: { name: 'Reliability' } });
  const roles = await api.expect<{ items: Array<{ id: string; name: string; builtIn: boolean }> }>(
    200,
    'GET',
    `/v1/workspaces/${workspace.id}/roles`,
    { token },
  );
  const byName = Object.fromEntries(roles.items.filter((r) => r.builtIn).map((r) => [r.name, r.id])) as Owner['roles'];
  return { userId: registered.user.id, email, password: SEED_PASSWORD, token, workspaceId: workspace.id, roles: byName };
}

/** A device, and an API user (viewer) whose device access is that device alone. */
export async function seedApiUser(api: ApiClient, owner: Owner, name = 'Reliability bot'): Promise<ApiUser & { deviceId: string }> {
  const device = await api.expect<{ id: string }>(201, 'POST', `/v1/workspaces/${owner.workspaceId}/devices`, {
    token: owner.token,
    body: { name: `${name} device`, serial: `BOT-${Date.now()}` },
  });
  const created = await api.expect<{ apiUser: { id: string }; token: { secret: string } }>(
    201,
    'POST',
    `/v1/workspaces/${owner.workspaceId}/api-users`,
    {
      token: owner.token,
      body: { name, roleIds: [owner.roles.viewer], deviceAccess: { mode: 'selected', deviceIds: [device.id] } },
    },
  );
  return { id: created.apiUser.id, token: created.token.secret, deviceId: device.id };
}
