// What a client that repeats a write (a retry after a timeout) gets the second time: the table of
// docs/api.md ("Repeating a write"), held to the server's answers.
import { randomBytes } from 'node:crypto';
import { bearer, createNamedToken, login, registerUser, uniqueEmail } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});

afterAll(async () => {
  await t?.close();
});

/** The statuses of the same request sent twice, one after the other. */
async function twice(method: 'post' | 'patch' | 'put' | 'delete', path: string, secret: string, body?: object): Promise<[number, number]> {
  const send = () => {
    const request = t.http()[method](path).set(bearer(secret));
    return body === undefined ? request : request.send(body);
  };
  const first = await send();
  const second = await send();
  return [first.status, second.status];
}

describe('repeating a write', () => {
  it('answers as docs/api.md says, route by route', async () => {
    const ws = await newWorkspace(t);
    const owner = ws.owner.personalToken;
    const wid = ws.id;
    const named = await createNamedToken(t, owner, { name: 'ci', scopes: ['account:read'] });
    const rotated = await createNamedToken(t, owner, { name: 'rot', scopes: ['account:read'] });
    const device = await ws.device();
    const member = await ws.member('viewer');
    const leaver = await ws.member('viewer');
    const bot = await ws.apiUser({ roles: ['viewer'] });
    const invite = await t
      .http()
      .post(`/v1/workspaces/${wid}/invitations`)
      .set(bearer(owner))
      .send({ email: uniqueEmail('idem'), roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } })
      .expect(201);
    const role = await t
      .http()
      .post(`/v1/workspaces/${wid}/roles`)
      .set(bearer(owner))
      .send({ name: `r-${randomBytes(3).toString('hex')}`, permissions: ['devices:read'] })
      .expect(201);
    const other = await registerUser(t);
    const session = await login(t, other.email);

    const observed: Record<string, [number, number]> = {
      'PATCH /me': await twice('patch', '/v1/me', owner, { name: 'Same Name' }),
      'DELETE /me/tokens/:tokenId': await twice('delete', `/v1/me/tokens/${named.id}`, owner),
      'POST /me/tokens/:tokenId/rotate': await twice('post', `/v1/me/tokens/${rotated.id}/rotate`, owner, {}),
      'PATCH /workspaces/:wid': await twice('patch', `/v1/workspaces/${wid}`, owner, { name: 'Same Workspace' }),
      'PUT /workspaces/:wid/token-policy': await twice('put', `/v1/workspaces/${wid}/token-policy`, owner, {
        maxLifetimeDays: null,
        allowPersonalTokens: true,
      }),
      'PATCH /workspaces/:wid/roles/:roleId': await twice('patch', `/v1/workspaces/${wid}/roles/${role.body.id}`, owner, {
        permissions: ['devices:read'],
      }),
      'DELETE /workspaces/:wid/roles/:roleId': await twice('delete', `/v1/workspaces/${wid}/roles/${role.body.id}`, owner),
      'PATCH /workspaces/:wid/members/:userId': await twice('patch', `/v1/workspaces/${wid}/members/${member.id}`, owner, {
        roleIds: [ws.roles.viewer],
      }),
      'DELETE /workspaces/:wid/members/:userId': await twice('delete', `/v1/workspaces/${wid}/members/${member.id}`, owner),
      'DELETE /workspaces/:wid/invitations/:id': await twice(
        'delete',
        `/v1/workspaces/${wid}/invitations/${invite.body.invitation.id}`,
        owner,
      ),
      'PATCH /workspaces/:wid/devices/:deviceId': await twice('patch', `/v1/workspaces/${wid}/devices/${device.id}`, owner, {
        name: 'Same Device',
      }),
      'DELETE /workspaces/:wid/devices/:deviceId': await twice('delete', `/v1/workspaces/${wid}/devices/${device.id}`, owner),
      'DELETE /workspaces/:wid/api-users/:id/tokens/:tokenId': await twice(
        'delete',
        `/v1/workspaces/${wid}/api-users/${bot.id}/tokens/${bot.tokenId}`,
        owner,
      ),
      'PATCH /workspaces/:wid/api-users/:id': await twice('patch', `/v1/workspaces/${wid}/api-users/${bot.id}`, owner, {
        name: 'same-bot',
      }),
      'DELETE /workspaces/:wid/api-users/:id': await twice('delete', `/v1/workspaces/${wid}/api-users/${bot.id}`, owner),
      'POST /workspaces/:wid/leave': await twice('post', `/v1/workspaces/${wid}/leave`, leaver.personalToken, {}),
      'POST /auth/logout': await twice('post', '/v1/auth/logout', session, {}),
      'DELETE /workspaces/:wid': await twice('delete', `/v1/workspaces/${wid}`, owner),
    };

    expect(observed).toEqual({
      'PATCH /me': [200, 200],
      'DELETE /me/tokens/:tokenId': [204, 204],
      'POST /me/tokens/:tokenId/rotate': [200, 409],
      'PATCH /workspaces/:wid': [200, 200],
      'PUT /workspaces/:wid/token-policy': [200, 200],
      'PATCH /workspaces/:wid/roles/:roleId': [200, 200],
      'DELETE /workspaces/:wid/roles/:roleId': [204, 404],
      'PATCH /workspaces/:wid/members/:userId': [200, 200],
      'DELETE /workspaces/:wid/members/:userId': [204, 404],
      'DELETE /workspaces/:wid/invitations/:id': [204, 204],
      'PATCH /workspaces/:wid/devices/:deviceId': [200, 200],
      'DELETE /workspaces/:wid/devices/:deviceId': [204, 404],
      'DELETE /workspaces/:wid/api-users/:id/tokens/:tokenId': [204, 204],
      'PATCH /workspaces/:wid/api-users/:id': [200, 200],
      'DELETE /workspaces/:wid/api-users/:id': [204, 404],
      'POST /workspaces/:wid/leave': [204, 404],
      'POST /auth/logout': [204, 401],
      'DELETE /workspaces/:wid': [204, 404],
    });
  });
});
