// A caller limited to some devices is told nothing of the others: a device out of its reach answers
// 404, so no view of another principal's grant names it either (seventh review, D1). Every view that
// shows a grant or a token binding is read by an admin limited to one device, through REST, GraphQL
// and introspection; the owner (every device) sees the same rows whole.
import { randomUUID } from 'node:crypto';
import { gql } from '../graphql/gql';
import { bearer, uniqueEmail } from '../support/api';
import { newWorkspace, type WorkspaceFixture } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

describe('device ids out of a caller’s reach are named in no view', () => {
  let t: TestApp;
  let ws: WorkspaceFixture;
  let mine: string;
  let hidden: string;
  let admin: string;
  let botId: string;
  let botToken: string;

  beforeAll(async () => {
    t = await startTestApp({ LATCHKEY_PLATFORM_KEYS: '' });
    ws = await newWorkspace(t);
    mine = (await ws.device({ name: 'mine' })).id;
    hidden = (await ws.device({ name: 'hidden' })).id;
    const both = { mode: 'selected', deviceIds: [mine, hidden] };
    admin = (await ws.member('admin', { devices: [mine] })).personalToken;
    const owner = bearer(ws.owner.personalToken);
    // Every kind of grant and binding, each naming both devices.
    await ws.member('member', { devices: [mine, hidden] });
    const bot = await ws.apiUser({ roles: ['viewer'], devices: [mine, hidden] });
    botId = bot.id;
    botToken = (
      await t
        .http()
        .post(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens`)
        .set(owner)
        .send({ name: 'bound', deviceIds: [mine, hidden] })
        .expect(201)
    ).body.secret;
    await t
      .http()
      .post(`/v1/workspaces/${ws.id}/invitations`)
      .set(owner)
      .send({ email: uniqueEmail(), roleIds: [ws.roleId('viewer')], deviceAccess: both })
      .expect(201);
    await t
      .http()
      .post(`/v1/workspaces/${ws.id}/teams`)
      .set(owner)
      .send({ name: `Team ${randomUUID().slice(0, 8)}`, roleIds: [], deviceAccess: both })
      .expect(201);
  });
  afterAll(async () => {
    await t?.close();
  });

  const views: Record<string, () => string> = {
    members: () => `/v1/workspaces/${ws.id}/members?limit=200`,
    invitations: () => `/v1/workspaces/${ws.id}/invitations?limit=200`,
    'API users': () => `/v1/workspaces/${ws.id}/api-users?limit=200`,
    'an API user': () => `/v1/workspaces/${ws.id}/api-users/${botId}`,
    "an API user's tokens": () => `/v1/workspaces/${ws.id}/api-users/${botId}/tokens?limit=200`,
    teams: () => `/v1/workspaces/${ws.id}/teams?limit=200`,
    "the workspace's tokens": () => `/v1/workspaces/${ws.id}/tokens?limit=200`,
  };

  it.each(Object.keys(views))('%s: names the devices in the reader’s reach only', async (view) => {
    const path = views[view]();
    const limited = JSON.stringify((await t.http().get(path).set(bearer(admin)).expect(200)).body);
    const whole = JSON.stringify((await t.http().get(path).set(bearer(ws.owner.personalToken)).expect(200)).body);
    // The owner's view proves the row names both; the limited admin's names its own device alone.
    expect(whole).toContain(hidden);
    expect(whole).toContain(mine);
    expect(limited).toContain(mine);
    expect(limited).not.toContain(hidden);
  });

  it('introspection of a token by a reader limited to some devices names only those', async () => {
    const limited = await t.http().post('/v1/introspect').set(bearer(admin)).send({ token: botToken }).expect(200);
    const whole = await t.http().post('/v1/introspect').set(bearer(ws.owner.personalToken)).send({ token: botToken }).expect(200);
    expect(limited.body.active).toBe(true);
    expect(JSON.stringify(whole.body)).toContain(hidden);
    expect(JSON.stringify(limited.body)).toContain(mine);
    expect(JSON.stringify(limited.body)).not.toContain(hidden);
  });

  it('GraphQL shows the same views the same way', async () => {
    const query = `query ($id: ID!) { workspace(id: $id) {
      members(limit: 200) { items { deviceAccess { mode deviceIds } } }
      apiUsers(limit: 200) { items { deviceAccess { mode deviceIds } tokens { items { deviceIds } } } }
      invitations(limit: 200) { items { deviceAccess { mode deviceIds } } }
    } }`;
    const limited = await gql(t, admin, query, { id: ws.id });
    const whole = await gql(t, ws.owner.personalToken, query, { id: ws.id });
    expect(limited.errors).toBeUndefined();
    expect(JSON.stringify(whole.data)).toContain(hidden);
    expect(JSON.stringify(limited.data)).toContain(mine);
    expect(JSON.stringify(limited.data)).not.toContain(hidden);
  });
});
