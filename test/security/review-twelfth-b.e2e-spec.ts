// Review 12b: the contract, route by route, for the rules that decide access. Each test asserts the
// behaviour SPEC.md and docs/security.md promise and fails on the code it was written against.
import { bearer, createNamedToken, expectProblem } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { INSIDE, INSIDE_LIST, limitedAdminBot, OUTSIDE } from '../support/network-limited';
import { startTestApp, TestApp } from '../support/test-app';

describe('review 12b: a network-limited API user hands out no network beyond its own list', () => {
  let t: TestApp;
  beforeAll(async () => {
    // The test client is the one proxy in front: the client address is the last X-Forwarded-For entry.
    t = await startTestApp({ LATCHKEY_TRUST_PROXY: '1' });
  }, 60_000);
  afterAll(() => t?.close());

  it('N1: the API user cannot lift its own network list (PATCH …/api-users/:self {allowedCidrs: null})', async () => {
    const { ws, bot, from } = await limitedAdminBot(t);
    const res = await t
      .http()
      .patch(`/v1/workspaces/${ws.id}/api-users/${bot.id}`)
      .set('X-Forwarded-For', INSIDE)
      .set(bearer(bot.token))
      .send({ allowedCidrs: null });
    expectProblem(res, 403, 'forbidden');
    // Its token still works only from its network.
    expectProblem(await from(OUTSIDE), 403, 'network_not_allowed');
    const shown = await t.http().get(`/v1/workspaces/${ws.id}/api-users/${bot.id}`).set(bearer(ws.owner.personalToken)).expect(200);
    expect(shown.body.allowedCidrs).toEqual(INSIDE_LIST);
  });

  it("N2: an API user it creates, and that one's token, work only from the maker's networks", async () => {
    const { ws, bot, from } = await limitedAdminBot(t);
    const made = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users`)
      .set('X-Forwarded-For', INSIDE)
      .set(bearer(bot.token))
      .send({ name: 'escape', roleIds: [ws.roles.admin], deviceAccess: { mode: 'all' } });
    // Refusing it (403) or binding it to the maker's networks both keep the rule; a token usable from anywhere does not.
    if (made.status === 201) {
      expectProblem(await from(OUTSIDE, made.body.token.secret), 403, 'network_not_allowed');
    } else {
      expectProblem(made, 403, 'forbidden');
    }
  });

  it("N3: a token it makes for another API user works only from the maker's networks", async () => {
    const { ws, bot, from } = await limitedAdminBot(t);
    const other = await ws.apiUser({ roles: ['viewer'] });
    const made = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users/${other.id}/tokens`)
      .set('X-Forwarded-For', INSIDE)
      .set(bearer(bot.token))
      .send({ name: 'escape' });
    if (made.status === 201) {
      expectProblem(await from(OUTSIDE, made.body.secret), 403, 'network_not_allowed');
    } else {
      expectProblem(made, 403, 'forbidden');
    }
  });

  it("N2 (fix): the API user it creates inherits the maker's networks, shown on it; an explicit wider list is refused", async () => {
    const { ws, bot } = await limitedAdminBot(t);
    const made = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users`)
      .set('X-Forwarded-For', INSIDE)
      .set(bearer(bot.token))
      .send({ name: 'inherits', roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } })
      .expect(201);
    expect(made.body.apiUser.allowedCidrs).toEqual(INSIDE_LIST);
    const wider = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users`)
      .set('X-Forwarded-For', INSIDE)
      .set(bearer(bot.token))
      .send({ name: 'wider', roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' }, allowedCidrs: ['203.0.0.0/16'] });
    expectProblem(wider, 403, 'forbidden');
    // Within its networks is fine.
    await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users`)
      .set('X-Forwarded-For', INSIDE)
      .set(bearer(bot.token))
      .send({ name: 'narrower', roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' }, allowedCidrs: ['203.0.113.0/28'] })
      .expect(201);
  });

  it("introspection shows an API user's token the networks it may be used from: its API user's list when it has none of its own", async () => {
    const { ws, bot } = await limitedAdminBot(t);
    const res = await t.http().post('/v1/introspect').set(bearer(ws.owner.personalToken)).send({ token: bot.token }).expect(200);
    expect(res.body).toMatchObject({ active: true, allowed_cidrs: INSIDE_LIST });
  });

  it("N4: it cannot lift another API user's network list either (it could not have set none itself)", async () => {
    const { ws, bot } = await limitedAdminBot(t);
    const other = await ws.apiUser({ roles: ['viewer'] });
    await t
      .http()
      .patch(`/v1/workspaces/${ws.id}/api-users/${other.id}`)
      .set(bearer(ws.owner.personalToken))
      .send({ allowedCidrs: INSIDE_LIST })
      .expect(200);
    const res = await t
      .http()
      .patch(`/v1/workspaces/${ws.id}/api-users/${other.id}`)
      .set('X-Forwarded-For', INSIDE)
      .set(bearer(bot.token))
      .send({ allowedCidrs: null });
    expectProblem(res, 403, 'forbidden');
  });
});

describe('review 12b: device-bound and short-lived tokens', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  }, 60_000);
  afterAll(() => t?.close());

  it("B1: an owner's token bound to one device cannot delete the workspace (and every device outside its binding)", async () => {
    const ws = await newWorkspace(t);
    const d1 = (await ws.device()).id;
    const d2 = (await ws.device()).id;
    const bound = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'], deviceIds: [d1] } as never);
    // d2 is out of its reach: it cannot even see it, let alone delete it.
    expectProblem(await t.http().delete(`/v1/workspaces/${ws.id}/devices/${d2}`).set(bearer(bound.secret)), 404, 'not_found');
    const res = await t.http().delete(`/v1/workspaces/${ws.id}`).set(bearer(bound.secret));
    expectProblem(res, 403, 'forbidden');
    await t.http().get(`/v1/workspaces/${ws.id}/devices/${d2}`).set(bearer(ws.owner.personalToken)).expect(200);
  });

  it('E1: a short-lived token cannot bring back a disabled token that outlives it (PATCH /v1/me/tokens/:id {enabled: true})', async () => {
    const ws = await newWorkspace(t);
    const forever = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'], expiresInDays: null });
    await t.http().patch(`/v1/me/tokens/${forever.id}`).set(bearer(ws.owner.personalToken)).send({ enabled: false }).expect(200);
    await t.http().get('/v1/whoami').set(bearer(forever.secret)).expect(401);
    // A one-minute session, exchanged from a one-day token: it could not make a token that outlives it.
    const day = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'], expiresInDays: 1 });
    const session = (await t.http().post('/v1/auth/token').set(bearer(day.secret)).send({ expiresInSeconds: 60 }).expect(200)).body.token
      .secret as string;
    const made = await t
      .http()
      .post('/v1/me/tokens')
      .set(bearer(session))
      .send({ name: 'x', scopes: ['*'], expiresInDays: null })
      .expect(201);
    expect(new Date(made.body.expiresAt).getTime()).toBeLessThanOrEqual(Date.now() + 61_000);
    // Nor bring one back that never expires.
    const res = await t.http().patch(`/v1/me/tokens/${forever.id}`).set(bearer(session)).send({ enabled: true });
    expectProblem(res, 403, 'forbidden');
    await t.http().get('/v1/whoami').set(bearer(forever.secret)).expect(401);
  });

  it('E1 (fix): a token that lives at least as long may enable it, and so may a login session', async () => {
    const ws = await newWorkspace(t);
    const week = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'], expiresInDays: 7 });
    const year = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'], expiresInDays: 365 });
    for (const target of [week, year]) {
      await t.http().patch(`/v1/me/tokens/${target.id}`).set(bearer(ws.owner.personalToken)).send({ enabled: false }).expect(200);
    }
    // The year token enables the week one; the week token cannot enable the year one.
    await t.http().patch(`/v1/me/tokens/${year.id}`).set(bearer(ws.owner.personalToken)).send({ enabled: true }).expect(200);
    await t.http().patch(`/v1/me/tokens/${week.id}`).set(bearer(year.secret)).send({ enabled: true }).expect(200);
    await t.http().patch(`/v1/me/tokens/${year.id}`).set(bearer(ws.owner.personalToken)).send({ enabled: false }).expect(200);
    expectProblem(await t.http().patch(`/v1/me/tokens/${year.id}`).set(bearer(week.secret)).send({ enabled: true }), 403, 'forbidden');
    const login = await t.http().post('/v1/auth/login').send({ email: ws.owner.email, password: ws.owner.password }).expect(200);
    await t.http().patch(`/v1/me/tokens/${year.id}`).set(bearer(login.body.token.secret)).send({ enabled: true }).expect(200);
    await t.http().get('/v1/whoami').set(bearer(year.secret)).expect(200);
  });

  it('E2: a short-lived token cannot enable a disabled API user (and bring back all its tokens); a token that does not expire can', async () => {
    const ws = await newWorkspace(t);
    const bot = await ws.apiUser({ roles: ['viewer'] });
    const path = `/v1/workspaces/${ws.id}/api-users/${bot.id}`;
    await t.http().patch(path).set(bearer(ws.owner.personalToken)).send({ status: 'disabled' }).expect(200);
    await t.http().get('/v1/whoami').set(bearer(bot.token)).expect(401);
    const day = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'], expiresInDays: 1 });
    expectProblem(await t.http().patch(path).set(bearer(day.secret)).send({ status: 'active' }), 403, 'forbidden');
    await t.http().get('/v1/whoami').set(bearer(bot.token)).expect(401);
    // Disabling needs no such life, and a token that does not expire enables it.
    await t.http().patch(path).set(bearer(ws.owner.personalToken)).send({ status: 'active' }).expect(200);
    await t.http().patch(path).set(bearer(day.secret)).send({ status: 'disabled' }).expect(200);
    await t.http().patch(path).set(bearer(ws.owner.personalToken)).send({ status: 'active' }).expect(200);
    await t.http().get('/v1/whoami').set(bearer(bot.token)).expect(200);
  });
});
