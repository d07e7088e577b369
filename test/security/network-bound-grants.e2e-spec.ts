// A network-bound token grants only to principals held within its networks (assertCanGrantTo, review
// 15a): members and invitees work from any network, so it gives no member more roles or devices than they hold, widens
// no role, widens no team's grant and puts no one in a team that gives more than they hold; an API user
// only when the API user's list is within its own. Taking away is not a grant: it still removes, narrows
// and revokes (review 16a).
import { bearer, expectProblem, login, markEmailVerified, registerUser } from '../support/api';
import { INSIDE, INSIDE_LIST, limitedAdminBot } from '../support/network-limited';
import { ADMIN_EMAIL, startTestApp, TestApp } from '../support/test-app';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ LATCHKEY_TRUST_PROXY: '1' });
}, 60_000);

afterAll(async () => {
  await t?.close();
});

/** A request from inside the bot's networks with `secret`. */
function inside(method: 'patch' | 'put' | 'post' | 'delete', path: string, secret: string) {
  return t.http()[method](path).set('X-Forwarded-For', INSIDE).set(bearer(secret));
}

describe('a network-bound token grants nothing that works from any network', () => {
  it("refuses a member's devices (and roles: review-fifteenth-a N1), and still removes the member", async () => {
    const { ws, bot } = await limitedAdminBot(t);
    const member = await ws.member('viewer', { deviceAccess: { mode: 'selected', deviceIds: [] } });
    expectProblem(
      await inside('patch', `/v1/workspaces/${ws.id}/members/${member.id}`, bot.token).send({ deviceAccess: { mode: 'all' } }),
      403,
      'forbidden',
    );
    const seen = await t.http().get(`/v1/workspaces/${ws.id}/members/${member.id}`).set(bearer(ws.owner.personalToken)).expect(200);
    expect(seen.body.deviceAccess).toEqual({ mode: 'selected', deviceIds: [] });
    await inside('delete', `/v1/workspaces/${ws.id}/members/${member.id}`, bot.token).expect(204);
  });

  it('refuses widening a role members hold, and narrows it', async () => {
    const { ws, bot } = await limitedAdminBot(t);
    const role = await ws.role(['workspace:read']);
    await ws.member({ id: role });
    expectProblem(
      await inside('patch', `/v1/workspaces/${ws.id}/roles/${role}`, bot.token).send({ permissions: ['workspace:read', 'members:read'] }),
      403,
      'forbidden',
    );
    const roles = await t.http().get(`/v1/workspaces/${ws.id}/roles`).set(bearer(ws.owner.personalToken)).expect(200);
    expect(roles.body.items.find((r: { id: string }) => r.id === role).permissions).toEqual(['workspace:read']);
    await inside('patch', `/v1/workspaces/${ws.id}/roles/${role}`, bot.token).send({ permissions: [] }).expect(200);
  });

  it("refuses widening a team's grant and putting a member in a team that gives more, and narrows and takes out", async () => {
    const { ws, bot } = await limitedAdminBot(t);
    const member = await ws.member('viewer');
    const team = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/teams`)
      .set(bearer(ws.owner.personalToken))
      .send({ name: 'Ops', roleIds: [ws.roles.member], deviceAccess: { mode: 'all' } })
      .expect(201);
    const teamPath = `/v1/workspaces/${ws.id}/teams/${team.body.id}`;
    expectProblem(await inside('patch', teamPath, bot.token).send({ roleIds: [ws.roles.admin] }), 403, 'forbidden');
    // The team gives the member role's permissions, beyond what a viewer holds.
    expectProblem(await inside('put', `${teamPath}/members/${member.id}`, bot.token), 403, 'forbidden');
    const seen = await t.http().get(teamPath).set(bearer(ws.owner.personalToken)).expect(200);
    expect({ roles: seen.body.roles.map((r: { id: string }) => r.id), members: seen.body.members }).toEqual({
      roles: [ws.roles.member],
      members: [],
    });
    await t.http().put(`${teamPath}/members/${member.id}`).set(bearer(ws.owner.personalToken)).expect(200);
    await inside('delete', `${teamPath}/members/${member.id}`, bot.token).expect(204);
    await inside('patch', teamPath, bot.token)
      .send({ roleIds: [ws.roles.viewer] })
      .expect(200);
  });

  it('grants to an API user held within its networks, and not to one that works from anywhere', async () => {
    const { ws, bot } = await limitedAdminBot(t);
    const unbound = await ws.apiUser({ roles: ['viewer'] });
    expectProblem(
      await inside('patch', `/v1/workspaces/${ws.id}/api-users/${unbound.id}`, bot.token).send({ roleIds: [ws.roles.member] }),
      403,
      'forbidden',
    );
    // Bound within the caller's networks in the same request: granted.
    await inside('patch', `/v1/workspaces/${ws.id}/api-users/${unbound.id}`, bot.token)
      .send({ roleIds: [ws.roles.member], allowedCidrs: INSIDE_LIST })
      .expect(200);
    // Disabled, then enabled again by the bot: its tokens work from inside the bot's networks only.
    await t
      .http()
      .patch(`/v1/workspaces/${ws.id}/api-users/${unbound.id}`)
      .set(bearer(ws.owner.personalToken))
      .send({ status: 'disabled' });
    await inside('patch', `/v1/workspaces/${ws.id}/api-users/${unbound.id}`, bot.token).send({ status: 'active' }).expect(200);
  });
});

describe('a platform admin’s network-bound token reactivates nobody', () => {
  it('refuses reactivating a user (their tokens work from any network); a login session does it', async () => {
    const existing = await t.dataSource.query(`SELECT id FROM users WHERE email = $1`, [ADMIN_EMAIL]);
    if (existing.length === 0) await markEmailVerified(t, (await registerUser(t, ADMIN_EMAIL)).id);
    const session = await login(t, ADMIN_EMAIL);
    const bound = await t
      .http()
      .post('/v1/me/tokens')
      .set(bearer(session))
      .send({ name: 'bound admin', scopes: ['*'], allowedCidrs: INSIDE_LIST, expiresInDays: null })
      .expect(201);
    const user = await registerUser(t);
    await t.http().post(`/v1/admin/users/${user.id}/deactivate`).set(bearer(session)).expect(200);
    expectProblem(await inside('post', `/v1/admin/users/${user.id}/reactivate`, bound.body.secret), 403, 'forbidden');
    await t.http().get('/v1/me').set(bearer(user.personalToken)).expect(401);
    await t.http().post(`/v1/admin/users/${user.id}/reactivate`).set(bearer(session)).expect(200);
    await t.http().get('/v1/me').set(bearer(user.personalToken)).expect(200);
  });
});
