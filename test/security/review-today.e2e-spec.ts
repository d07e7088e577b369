// Review of 06bcb72 (device ids out of a caller's reach are named in no view): what still names them,
// and what the filtered views now break. Each test asserts the secure behaviour; they fail today.
import { randomUUID } from 'node:crypto';
import { gql } from '../graphql/gql';
import { bearer, uniqueEmail } from '../support/api';
import { newWorkspace, type WorkspaceFixture } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

describe('review today: device ids out of reach, after accessWithinReach', () => {
  let t: TestApp;
  let ws: WorkspaceFixture;
  let mine: string;
  let hidden: string;
  let admin: string;
  let owner: ReturnType<typeof bearer>;

  beforeAll(async () => {
    t = await startTestApp({ LATCHKEY_PLATFORM_KEYS: '' });
    ws = await newWorkspace(t);
    mine = (await ws.device({ name: 'mine' })).id;
    hidden = (await ws.device({ name: 'hidden' })).id;
    admin = (await ws.member('admin', { devices: [mine] })).personalToken;
    owner = bearer(ws.owner.personalToken);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('R1 (data loss): a limited admin who changes an invitation’s roles with the grant it is shown does not silently drop the devices it cannot see', async () => {
    const issued = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/invitations`)
      .set(owner)
      .send({ email: uniqueEmail(), roleIds: [ws.roleId('viewer')], deviceAccess: { mode: 'selected', deviceIds: [mine, hidden] } })
      .expect(201);
    const id = issued.body.invitation.id;
    // What the limited admin is shown (and what the web console's edit form starts from and sends back).
    const shown = (await t.http().get(`/v1/workspaces/${ws.id}/invitations?limit=200`).set(bearer(admin)).expect(200)).body.items.find(
      (i: { id: string }) => i.id === id,
    );
    expect(shown.deviceAccess).toEqual({ mode: 'selected', deviceIds: [mine] });
    // The console's form: new roles, the device access as shown (web/src/pages/workspace/InvitationsPage.tsx:222).
    const res = await t
      .http()
      .patch(`/v1/workspaces/${ws.id}/invitations/${id}`)
      .set(bearer(admin))
      .send({ roleIds: [ws.roleId('member')], deviceAccess: shown.deviceAccess });
    // Secure: refused (the invitation grants devices the changer cannot reach), or the hidden device kept.
    const whole = (await t.http().get(`/v1/workspaces/${ws.id}/invitations?limit=200`).set(owner).expect(200)).body.items.find(
      (i: { id: string }) => i.id === id,
    );
    expect({ status: res.status, deviceIds: whole.deviceAccess.deviceIds }).toEqual(
      res.status === 200 ? { status: 200, deviceIds: [mine, hidden] } : { status: 403, deviceIds: [mine, hidden] },
    );
  });

  it('R2: an API user’s token bound to one device is not told, by whoami (REST and GraphQL), of the other devices of the API user', async () => {
    const bot = await ws.apiUser({ roles: ['viewer'], devices: [mine, hidden] });
    const bound = (
      await t
        .http()
        .post(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens`)
        .set(owner)
        .send({ name: 'bound to mine', deviceIds: [mine] })
        .expect(201)
    ).body.secret;
    // Its reach is the one device: the other answers 404.
    await t.http().get(`/v1/workspaces/${ws.id}/devices/${hidden}`).set(bearer(bound)).expect(404);
    const rest = await t.http().get('/v1/whoami').set(bearer(bound)).expect(200);
    expect(JSON.stringify(rest.body)).toContain(mine);
    expect(JSON.stringify(rest.body)).not.toContain(hidden);
    const graph = await gql(t, bound, `{ me { ... on ApiUser { deviceAccess { mode deviceIds } } } }`);
    expect(graph.errors).toBeUndefined();
    expect(JSON.stringify(graph.data)).not.toContain(hidden);
  });

  it('R3: rotating an API user’s token answers its binding within the rotator’s reach, as listing it does', async () => {
    const bot = await ws.apiUser({ roles: ['viewer'], devices: [mine, hidden] });
    const token = (
      await t
        .http()
        .post(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens`)
        .set(owner)
        .send({ name: 'bound to both', deviceIds: [mine, hidden] })
        .expect(201)
    ).body;
    // The owner narrows the API user to one device: now the limited admin may act on it.
    await t
      .http()
      .patch(`/v1/workspaces/${ws.id}/api-users/${bot.id}`)
      .set(owner)
      .send({ deviceAccess: { mode: 'selected', deviceIds: [mine] } })
      .expect(200);
    const listed = await t.http().get(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens?limit=200`).set(bearer(admin)).expect(200);
    expect(JSON.stringify(listed.body)).not.toContain(hidden); // the view holds
    const rotated = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens/${token.id}/rotate`)
      .set(bearer(admin))
      .send({});
    expect(rotated.status).toBe(200);
    expect(JSON.stringify(rotated.body)).toContain(mine);
    expect(JSON.stringify(rotated.body)).not.toContain(hidden);
  });

  it('R4: a user’s token bound to one device is not told, by GET /v1/me/tokens, of devices its other tokens are bound to', async () => {
    const user = ws.owner.personalToken;
    const boundMine = (
      await t
        .http()
        .post('/v1/me/tokens')
        .set(bearer(user))
        .send({ name: 'on mine', scopes: ['*'], deviceIds: [mine] })
        .expect(201)
    ).body.secret;
    await t
      .http()
      .post('/v1/me/tokens')
      .set(bearer(user))
      .send({ name: 'on hidden', scopes: ['*'], deviceIds: [hidden] })
      .expect(201);
    await t.http().get(`/v1/workspaces/${ws.id}/devices/${hidden}`).set(bearer(boundMine)).expect(404);
    const res = await t.http().get('/v1/me/tokens?limit=200').set(bearer(boundMine));
    // Secure: refused (a device-bound token has no account-wide view), or no id out of its reach.
    if (res.status === 200) expect(JSON.stringify(res.body)).not.toContain(hidden);
    else expect(res.status).toBe(403);
  });

  it('R5: granting a device out of reach and granting one that does not exist read the same (no existence oracle for device ids)', async () => {
    const grant = (deviceId: string) =>
      t
        .http()
        .post(`/v1/workspaces/${ws.id}/invitations`)
        .set(bearer(admin))
        .send({ email: uniqueEmail(), roleIds: [ws.roleId('viewer')], deviceAccess: { mode: 'selected', deviceIds: [deviceId] } });
    const outOfReach = await grant(hidden);
    const unknown = await grant(randomUUID());
    expect(outOfReach.status).toBeGreaterThanOrEqual(400);
    expect({ status: outOfReach.status, code: outOfReach.body.code }).toEqual({ status: unknown.status, code: unknown.body.code });
    // Teams answer the same question the same way.
    const team = (deviceId: string) =>
      t
        .http()
        .post(`/v1/workspaces/${ws.id}/teams`)
        .set(bearer(admin))
        .send({ name: `T ${randomUUID().slice(0, 8)}`, roleIds: [], deviceAccess: { mode: 'selected', deviceIds: [deviceId] } });
    const teamOut = await team(hidden);
    const teamUnknown = await team(randomUUID());
    expect(teamOut.status).toBe(teamUnknown.status);
  });
});
