// Tokens bound to devices and to networks (issue 18, parts 2 and 3), through HTTP.
import { bearer, createNamedToken, expectProblem, registerUser } from '../support/api';
import { newWorkspace, WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

const authorize = (t: TestApp, secret: string, workspaceId: string, permission: string, deviceId?: string) =>
  t
    .http()
    .get(`/v1/authorize?workspaceId=${workspaceId}&permission=${permission}${deviceId ? `&deviceId=${deviceId}` : ''}`)
    .set(bearer(secret));

describe('tokens bound to devices', () => {
  let t: TestApp;
  let ws: WorkspaceFixture;
  let other: WorkspaceFixture;
  let d1: string;
  let d2: string;
  let d3: string;
  let foreign: string;

  beforeAll(async () => {
    t = await startTestApp();
    ws = await newWorkspace(t);
    other = await newWorkspace(t);
    [d1, d2, d3] = [(await ws.device()).id, (await ws.device()).id, (await ws.device()).id];
    foreign = (await other.device()).id;
  }, 60_000);
  afterAll(() => t?.close());

  it('a named token bound to devices reaches only those: /v1/authorize, a device route, the list and the access view agree', async () => {
    const token = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'], deviceIds: [d1] } as never);
    expect(token.body.deviceIds).toEqual([d1]);
    await authorize(t, token.secret, ws.id, 'devices:read', d1).expect(204);
    expectProblem(await authorize(t, token.secret, ws.id, 'devices:read', d2), 403, 'forbidden');
    // Without a device, and devices:create, need every device: the bound token has not.
    expectProblem(await authorize(t, token.secret, ws.id, 'devices:read'), 403, 'forbidden');
    expectProblem(await authorize(t, token.secret, ws.id, 'devices:create'), 403, 'forbidden');
    // Permissions that need every device (webhooks) no longer take effect, on every transport.
    expectProblem(await authorize(t, token.secret, ws.id, 'webhooks:read'), 403, 'forbidden');
    expectProblem(await t.http().get(`/v1/workspaces/${ws.id}/webhooks`).set(bearer(token.secret)), 403, 'forbidden');
    // A route that is no device's still works.
    await authorize(t, token.secret, ws.id, 'members:read').expect(204);

    await t.http().get(`/v1/workspaces/${ws.id}/devices/${d1}`).set(bearer(token.secret)).expect(200);
    expectProblem(await t.http().get(`/v1/workspaces/${ws.id}/devices/${d2}`).set(bearer(token.secret)), 404, 'not_found');
    const list = await t.http().get(`/v1/workspaces/${ws.id}/devices`).set(bearer(token.secret)).expect(200);
    expect(list.body.items.map((d: { id: string }) => d.id)).toEqual([d1]);
    const workspace = await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(token.secret)).expect(200);
    expect(workspace.body.access.deviceAccess).toEqual({ mode: 'selected', deviceIds: [d1] });
    const whoami = await t.http().get('/v1/whoami').set(bearer(token.secret)).expect(200);
    expect(whoami.body.token.deviceIds).toEqual([d1]);
  });

  it('the intersection: a member limited to d1, d2 with a token bound to d2, d3 reaches d2 alone', async () => {
    const member = await ws.member('member', { devices: [d1, d2] });
    // d3 is outside the member's access: refused at creation, like an unknown id and another tenant's device.
    for (const deviceIds of [[d2, d3], [foreign], ['00000000-0000-4000-8000-000000000000']]) {
      const res = await t
        .http()
        .post('/v1/me/tokens')
        .set(bearer(member.personalToken))
        .send({ name: 'x', scopes: ['*'], deviceIds });
      const body = expectProblem(res, 400, 'validation_failed');
      expect(body.errors).toEqual([{ field: 'deviceIds', message: "names a device the token's owner cannot reach" }]);
    }
    const token = await createNamedToken(t, member.personalToken, { scopes: ['*'], deviceIds: [d2] } as never);
    await authorize(t, token.secret, ws.id, 'devices:read', d2).expect(204);
    expectProblem(await authorize(t, token.secret, ws.id, 'devices:read', d1), 403, 'forbidden');

    // The member loses d2: the token loses it at once (the cached check included).
    await t
      .http()
      .patch(`/v1/workspaces/${ws.id}/members/${member.id}`)
      .set(bearer(ws.owner.personalToken))
      .send({ deviceAccess: { mode: 'selected', deviceIds: [d1] } })
      .expect(200);
    expectProblem(await authorize(t, token.secret, ws.id, 'devices:read', d2), 403, 'forbidden');
    const access = await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(token.secret)).expect(200);
    expect(access.body.access.deviceAccess).toEqual({ mode: 'selected', deviceIds: [] });
  });

  it('a token bound to devices of one workspace has no device in another', async () => {
    // The other workspace's owner joins ws as an admin with every device.
    const both = await ws.member('admin', { user: other.owner });
    const token = await createNamedToken(t, both.personalToken, { scopes: ['*'], deviceIds: [foreign] } as never);
    await authorize(t, token.secret, other.id, 'devices:read', foreign).expect(204);
    expectProblem(await authorize(t, token.secret, ws.id, 'devices:read', d1), 403, 'forbidden');
    // The other workspace's device id asked about in ws: no.
    expectProblem(await authorize(t, token.secret, ws.id, 'devices:read', foreign), 403, 'forbidden');
  });

  it("a token restricted to one workspace cannot be bound to the user's device in another", async () => {
    const both = await registerUser(t);
    await ws.member('admin', { user: both });
    const theirs = await newWorkspace(t, both);
    const elsewhere = (await theirs.device({}, both.personalToken)).id;
    const res = await t
      .http()
      .post('/v1/me/tokens')
      .set(bearer(both.personalToken))
      .send({ name: 'x', scopes: ['*'], workspaceIds: [ws.id], deviceIds: [elsewhere] });
    expectProblem(res, 400, 'validation_failed');
    const token = await createNamedToken(t, both.personalToken, { scopes: ['*'], workspaceIds: [ws.id] });
    expectProblem(
      await t
        .http()
        .patch(`/v1/me/tokens/${token.id}`)
        .set(bearer(both.personalToken))
        .send({ deviceIds: [elsewhere] }),
      400,
      'validation_failed',
    );
    await t
      .http()
      .patch(`/v1/me/tokens/${token.id}`)
      .set(bearer(both.personalToken))
      .send({ deviceIds: [d1] })
      .expect(200);
  });

  it('a device-bound token makes only tokens bound within its own devices, and cannot unbind itself', async () => {
    const bound = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'], deviceIds: [d1, d2] } as never);
    // Left out, the binding is inherited.
    const child = await createNamedToken(t, bound.secret, { scopes: ['*'] });
    expect(child.body.deviceIds).toEqual([d1, d2]);
    const narrower = await createNamedToken(t, bound.secret, { scopes: ['*'], deviceIds: [d2] } as never);
    expect(narrower.body.deviceIds).toEqual([d2]);
    for (const deviceIds of [null, [d3]]) {
      const res = await t
        .http()
        .post('/v1/me/tokens')
        .set(bearer(bound.secret))
        .send({ name: 'x', scopes: ['*'], deviceIds });
      expectProblem(res, 403, 'forbidden');
    }
    expectProblem(await t.http().patch(`/v1/me/tokens/${bound.id}`).set(bearer(bound.secret)).send({ deviceIds: null }), 403, 'forbidden');
    // Narrowing itself is fine.
    const narrowed = await t
      .http()
      .patch(`/v1/me/tokens/${bound.id}`)
      .set(bearer(bound.secret))
      .send({ deviceIds: [d1] })
      .expect(200);
    expect(narrowed.body.deviceIds).toEqual([d1]);
    expectProblem(await authorize(t, bound.secret, ws.id, 'devices:read', d2), 403, 'forbidden');
  });

  it('PATCH binds and unbinds a token; the change reaches the cached check at once', async () => {
    const token = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'] });
    await authorize(t, token.secret, ws.id, 'devices:read', d2).expect(204);
    await t
      .http()
      .patch(`/v1/me/tokens/${token.id}`)
      .set(bearer(ws.owner.personalToken))
      .send({ deviceIds: [d1] })
      .expect(200);
    expectProblem(await authorize(t, token.secret, ws.id, 'devices:read', d2), 403, 'forbidden');
    await t.http().patch(`/v1/me/tokens/${token.id}`).set(bearer(ws.owner.personalToken)).send({ deviceIds: null }).expect(200);
    await authorize(t, token.secret, ws.id, 'devices:read', d2).expect(204);
  });

  it('a deleted bound device is gone from the cached check at once', async () => {
    const doomed = (await ws.device()).id;
    const token = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'], deviceIds: [doomed, d1] } as never);
    await authorize(t, token.secret, ws.id, 'devices:read', doomed).expect(204);
    await t.http().delete(`/v1/workspaces/${ws.id}/devices/${doomed}`).set(bearer(ws.owner.personalToken)).expect(204);
    expectProblem(await authorize(t, token.secret, ws.id, 'devices:read', doomed), 403, 'forbidden');
    const whoami = await t.http().get('/v1/whoami').set(bearer(token.secret)).expect(200);
    expect(whoami.body.token.deviceIds).toEqual([d1]);
  });

  it('an exchanged session is bound as its parent is', async () => {
    const token = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'], deviceIds: [d1] } as never);
    const session = (await t.http().post('/v1/auth/token').set(bearer(token.secret)).send({}).expect(200)).body.token.secret;
    expectProblem(await authorize(t, session, ws.id, 'devices:read', d2), 403, 'forbidden');
    await authorize(t, session, ws.id, 'devices:read', d1).expect(204);
  });

  it("an API user's token bound to some of its devices; not to a device outside the API user's access", async () => {
    const bot = await ws.apiUser({ roles: ['viewer'], devices: [d1, d2] });
    const make = (deviceIds: string[]) =>
      t
        .http()
        .post(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens`)
        .set(bearer(ws.owner.personalToken))
        .send({ name: 'bound', deviceIds });
    expectProblem(await make([d3]), 400, 'validation_failed');
    expectProblem(await make([foreign]), 400, 'validation_failed');
    const res = await make([d2]).expect(201);
    await authorize(t, res.body.secret, ws.id, 'devices:read', d2).expect(204);
    expectProblem(await authorize(t, res.body.secret, ws.id, 'devices:read', d1), 403, 'forbidden');
    const listed = await t.http().get(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens`).set(bearer(ws.owner.personalToken)).expect(200);
    expect(listed.body.items.find((i: { id: string }) => i.id === res.body.id).deviceIds).toEqual([d2]);
  });

  it("the workspace's token list shows only this workspace's bound devices of a member's token", async () => {
    const both = await registerUser(t);
    await ws.member('admin', { user: both });
    const theirs = await newWorkspace(t, both);
    const elsewhere = (await theirs.device({}, both.personalToken)).id;
    const token = await createNamedToken(t, both.personalToken, { scopes: ['*'], deviceIds: [d1, elsewhere] } as never);
    const list = await t.http().get(`/v1/workspaces/${ws.id}/tokens?limit=100`).set(bearer(ws.owner.personalToken)).expect(200);
    const row = list.body.items.find((i: { id: string }) => i.id === token.id);
    expect(row.deviceIds).toEqual([d1]);
  });

  it('refuses junk device lists', async () => {
    for (const deviceIds of [[], ['nope'], [d1, d1], 'x', Array.from({ length: 1001 }, () => d1)]) {
      const res = await t
        .http()
        .post('/v1/me/tokens')
        .set(bearer(ws.owner.personalToken))
        .send({ name: 'x', scopes: ['*'], deviceIds });
      expect(res.status).toBe(400);
    }
  });
});

describe('tokens bound to networks', () => {
  let t: TestApp;
  let ws: WorkspaceFixture;

  beforeAll(async () => {
    // No proxy trusted: the peer's address counts, whatever X-Forwarded-For says.
    t = await startTestApp();
    ws = await newWorkspace(t);
  }, 60_000);
  afterAll(() => t?.close());

  const make = async (allowedCidrs: string[] | null) =>
    (
      await t
        .http()
        .post('/v1/me/tokens')
        .set(bearer(ws.owner.personalToken))
        .send({ name: 'net', scopes: ['*'], allowedCidrs })
        .expect(201)
    ).body;

  it('a token allowed from 127.0.0.0/8 works from the test client; one allowed elsewhere is refused with 403 network_not_allowed', async () => {
    const inside = await make(['127.0.0.0/8']);
    await t.http().get('/v1/whoami').set(bearer(inside.secret)).expect(200);
    const outside = await make(['203.0.113.0/24', '2001:db8::/32']);
    const res = await t.http().get('/v1/whoami').set(bearer(outside.secret));
    const body = expectProblem(res, 403, 'network_not_allowed');
    // The allow-list is never echoed.
    expect(JSON.stringify(body)).not.toContain('203.0.113');
    // Again, from the cache: the same.
    expectProblem(await t.http().get('/v1/whoami').set(bearer(outside.secret)), 403, 'network_not_allowed');
    expectProblem(await authorize(t, outside.secret, ws.id, 'workspace:read'), 403, 'network_not_allowed');
    const gql = await t.http().post('/graphql').set(bearer(outside.secret)).send({ query: '{ me { __typename } }' });
    expect(gql.status).toBe(403);
    expect(JSON.stringify(gql.body)).toContain('network_not_allowed');
  });

  it('X-Forwarded-For from a peer that is not a trusted proxy is ignored', async () => {
    const token = await make(['203.0.113.0/24']);
    expectProblem(
      await t.http().get('/v1/whoami').set('X-Forwarded-For', '203.0.113.7').set(bearer(token.secret)),
      403,
      'network_not_allowed',
    );
  });

  it('an IPv4-mapped IPv6 range and a single address are stored as the IPv4 range; ranges are normalised and deduplicated', async () => {
    const token = await make(['::ffff:127.0.0.1/104', '127.0.0.1', '10.1.2.3/8', '2001:DB8::1/32', '10.0.0.0/8']);
    expect(token.allowedCidrs).toEqual(['127.0.0.0/8', '127.0.0.1/32', '10.0.0.0/8', '2001:db8::/32']);
    await t.http().get('/v1/whoami').set(bearer(token.secret)).expect(200);
  });

  it('refuses junk and huge lists with 400, never echoing them', async () => {
    const cases: unknown[] = [
      ['not-an-ip'],
      ['10.0.0.0/33'],
      ['::/129'],
      [42],
      [],
      'x',
      ['1'.repeat(100)],
      Array.from({ length: 101 }, (_, i) => `10.0.${i}.0/24`),
    ];
    for (const allowedCidrs of cases) {
      const res = await t
        .http()
        .post('/v1/me/tokens')
        .set(bearer(ws.owner.personalToken))
        .send({ name: 'x', scopes: ['*'], allowedCidrs });
      expectProblem(res, 400, 'validation_failed');
      expect(JSON.stringify(res.body)).not.toContain('not-an-ip');
    }
    // 100 ranges: the cap, accepted.
    await make(Array.from({ length: 100 }, (_, i) => `10.0.${i}.0/24`));
  });

  it('0.0.0.0/0 is accepted (every IPv4 client) and works', async () => {
    const token = await make(['0.0.0.0/0']);
    await t.http().get('/v1/whoami').set(bearer(token.secret)).expect(200);
  });

  it("an API user's list and its token's list both apply", async () => {
    const bot = await ws.apiUser({ roles: ['viewer'] });
    await t.http().get('/v1/whoami').set(bearer(bot.token)).expect(200);
    const patch = (allowedCidrs: string[] | null) =>
      t.http().patch(`/v1/workspaces/${ws.id}/api-users/${bot.id}`).set(bearer(ws.owner.personalToken)).send({ allowedCidrs }).expect(200);
    const changed = await patch(['203.0.113.0/24']);
    expect(changed.body.allowedCidrs).toEqual(['203.0.113.0/24']);
    expectProblem(await t.http().get('/v1/whoami').set(bearer(bot.token)), 403, 'network_not_allowed');
    await patch(['127.0.0.0/8']);
    await t.http().get('/v1/whoami').set(bearer(bot.token)).expect(200);
    // Its token's own list outside: refused although the API user's list lets it in.
    const own = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens`)
      .set(bearer(ws.owner.personalToken))
      .send({ allowedCidrs: ['2001:db8::/32'] })
      .expect(201);
    expectProblem(await t.http().get('/v1/whoami').set(bearer(own.body.secret)), 403, 'network_not_allowed');
    await patch(null);
  });

  it('a network-bound token makes only tokens within its networks, and cannot widen itself', async () => {
    const bound = await make(['127.0.0.0/8']);
    const child = (
      await t
        .http()
        .post('/v1/me/tokens')
        .set(bearer(bound.secret))
        .send({ name: 'c', scopes: ['*'] })
        .expect(201)
    ).body;
    expect(child.allowedCidrs).toEqual(['127.0.0.0/8']);
    await t
      .http()
      .post('/v1/me/tokens')
      .set(bearer(bound.secret))
      .send({ name: 'c', scopes: ['*'], allowedCidrs: ['127.0.0.1/32'] })
      .expect(201);
    for (const allowedCidrs of [null, ['10.0.0.0/8'], ['0.0.0.0/0']]) {
      expectProblem(
        await t
          .http()
          .post('/v1/me/tokens')
          .set(bearer(bound.secret))
          .send({ name: 'c', scopes: ['*'], allowedCidrs }),
        403,
        'forbidden',
      );
    }
    expectProblem(
      await t.http().patch(`/v1/me/tokens/${bound.id}`).set(bearer(bound.secret)).send({ allowedCidrs: null }),
      403,
      'forbidden',
    );
  });

  it('introspection shows the list and does not judge the address', async () => {
    const outside = await make(['203.0.113.0/24']);
    const res = await t.http().post('/v1/introspect').set(bearer(ws.owner.personalToken)).send({ token: outside.secret }).expect(200);
    expect(res.body).toMatchObject({ active: true, allowed_cidrs: ['203.0.113.0/24'] });
  });
});

describe('tokens bound to networks behind a trusted proxy', () => {
  let t: TestApp;
  let ws: WorkspaceFixture;

  beforeAll(async () => {
    // The test client is the one proxy in front: the client address is the last X-Forwarded-For entry.
    t = await startTestApp({ LATCHKEY_TRUST_PROXY: '1' });
    ws = await newWorkspace(t);
  }, 60_000);
  afterAll(() => t?.close());

  it('the forwarded client address is judged: inside, outside, IPv6, IPv4-mapped', async () => {
    const token = (
      await t
        .http()
        .post('/v1/me/tokens')
        .set(bearer(ws.owner.personalToken))
        .send({ name: 'net', scopes: ['*'], allowedCidrs: ['198.51.100.0/24', '2001:db8:1::/48'] })
        .expect(201)
    ).body.secret;
    const from = (ip: string) => t.http().get('/v1/whoami').set('X-Forwarded-For', ip).set(bearer(token));
    await from('198.51.100.20').expect(200);
    await from('::ffff:198.51.100.21').expect(200);
    await from('2001:db8:1:ff::1').expect(200);
    expectProblem(await from('198.51.101.1'), 403, 'network_not_allowed');
    expectProblem(await from('2001:db8:2::1'), 403, 'network_not_allowed');
    // Only the entry the trusted proxy added counts: a client's own forged entry before it does not.
    expectProblem(await from('198.51.100.20, 192.0.2.1'), 403, 'network_not_allowed');
    // /v1/authorize, as a forward-auth proxy asks it, judges the forwarded client too.
    await t
      .http()
      .get(`/v1/authorize?workspaceId=${ws.id}&permission=workspace:read`)
      .set('X-Forwarded-For', '198.51.100.9')
      .set(bearer(token))
      .expect(204);
    expectProblem(
      await t
        .http()
        .get(`/v1/authorize?workspaceId=${ws.id}&permission=workspace:read`)
        .set('X-Forwarded-For', '192.0.2.9')
        .set(bearer(token)),
      403,
      'network_not_allowed',
    );
  });
});
