// Review 15b: membership and API-user lifecycles against the hot-path checks (/v1/authorize,
// /v1/introspect), whose answers are cached in-process and invalidated by LISTEN/NOTIFY. Every change
// is made after the check was warmed (three 204s), through REST and through GraphQL, and the check is
// asked again at once. Both databases; the two-instance part on a PostgreSQL server only.
// Tests marked "(held)" passed on the code reviewed and guard against regressions; R15B-1 (a removed
// member's workspace-restricted tokens come back with a new invitation) and R15B-2 (a deactivated
// account counts as the other owner) fail on it, on both databases.
import { randomBytes } from 'node:crypto';
import {
  bearer,
  createNamedToken,
  inviteAndAccept,
  login,
  markEmailVerified,
  PASSWORD,
  registerUser,
  RegisteredUser,
  uniqueEmail,
} from '../support/api';
import { newWorkspace, WorkspaceFixture } from '../support/fixtures';
import { ADMIN_EMAIL, startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, serverUrl, TestDatabase } from '../support/test-database';
import { gql } from '../graphql/gql';

let t: TestApp;

async function waitListening(app: TestApp): Promise<void> {
  // On a PostgreSQL server the channel starts 'lost' (caches bypassed) until LISTEN hears the pool:
  // only once it listens do the caches hold anything, and the tests below test them.
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const state = ((await app.http().get('/health/ready')).body as { invalidation?: string }).invalidation;
    if (state === 'listening' || state === 'local') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the invalidation channel never listened');
}

beforeAll(async () => {
  // A long TTL: only an invalidation (or no cache at all) can explain a change being seen.
  t = await startTestApp({ LATCHKEY_CACHE_TTL_SECONDS: '300' });
  await waitListening(t);
}, 60_000);

afterAll(async () => {
  await t?.close();
});

type Q = { workspaceId: string; permission: string; deviceId?: string };

async function authorize(app: TestApp, secret: string, q: Q): Promise<number> {
  const params = new URLSearchParams({
    workspaceId: q.workspaceId,
    permission: q.permission,
    ...(q.deviceId ? { deviceId: q.deviceId } : {}),
  });
  return (await app.http().get(`/v1/authorize?${params.toString()}`).set(bearer(secret))).status;
}

/** Asks three times, each must be 204: the caches now hold the credential, the access row, the device. */
async function warm(app: TestApp, secret: string, q: Q): Promise<void> {
  for (let i = 0; i < 3; i++) expect(await authorize(app, secret, q)).toBe(204);
}

async function introspect(app: TestApp, caller: string, secret: string): Promise<Record<string, unknown>> {
  return (await app.http().post('/v1/introspect').set(bearer(caller)).send({ token: secret }).expect(200)).body;
}

async function gqlOk(secret: string, query: string, variables: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await gql(t, secret, query, variables);
  if (res.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(res.errors)}`);
  return res.data as Record<string, unknown>;
}

async function platformAdmin(app: TestApp): Promise<string> {
  let admin: RegisteredUser;
  const existing = await app.dataSource.query(`SELECT id FROM users WHERE email = $1`, [ADMIN_EMAIL]);
  if (existing.length === 0) {
    admin = await registerUser(app, ADMIN_EMAIL);
    await markEmailVerified(app, admin.id);
  }
  return login(app, ADMIN_EMAIL);
}

type Via = 'rest' | 'graphql';
const VIAS: Via[] = ['rest', 'graphql'];

// ---------------------------------------------------------------------------------------------
describe('review 15b: a member’s changes reach /v1/authorize at once', () => {
  for (const via of VIAS) {
    it(`(held) removing a member (${via}): personal, named and restricted tokens refused at once; introspection shows no workspace`, async () => {
      const ws = await newWorkspace(t);
      const m = await ws.member('member');
      const named = await createNamedToken(t, m.personalToken, { scopes: ['*'], workspaceIds: [ws.id] });
      const q = { workspaceId: ws.id, permission: 'devices:read' };
      await warm(t, m.personalToken, q);
      await warm(t, named.secret, q);
      if (via === 'rest') await t.http().delete(`/v1/workspaces/${ws.id}/members/${m.id}`).set(bearer(ws.owner.personalToken)).expect(204);
      else
        await gqlOk(ws.owner.personalToken, `mutation($w: ID!, $u: ID!) { removeMember(workspaceId: $w, userId: $u) { id } }`, {
          w: ws.id,
          u: m.id,
        });
      expect(await authorize(t, m.personalToken, q)).toBe(403);
      // Restricted to this workspace alone, it ended with the membership (revoked: 401).
      expect(await authorize(t, named.secret, q)).toBe(401);
      const seen = await introspect(t, ws.owner.personalToken, named.secret);
      expect(seen.active).toBe(false);
    });

    it(`(held) a member demoted from admin to viewer (${via}) loses devices:delete at once`, async () => {
      const ws = await newWorkspace(t);
      const m = await ws.member('admin');
      const q = { workspaceId: ws.id, permission: 'devices:delete' };
      await warm(t, m.personalToken, q);
      if (via === 'rest')
        await t
          .http()
          .patch(`/v1/workspaces/${ws.id}/members/${m.id}`)
          .set(bearer(ws.owner.personalToken))
          .send({ roleIds: [ws.roles.viewer] })
          .expect(200);
      else
        await gqlOk(
          ws.owner.personalToken,
          `mutation($w: ID!, $u: ID!, $i: UpdateMemberInput!) { updateMember(workspaceId: $w, userId: $u, input: $i) { userId } }`,
          { w: ws.id, u: m.id, i: { roleIds: [ws.roles.viewer] } },
        );
      expect(await authorize(t, m.personalToken, q)).toBe(403);
      expect(await authorize(t, m.personalToken, { workspaceId: ws.id, permission: 'devices:read' })).toBe(204);
    });

    it(`(held) a member's device access narrowed (${via}): "all" to one device, then that grant removed`, async () => {
      const ws = await newWorkspace(t);
      const d1 = (await ws.device()).id;
      const d2 = (await ws.device()).id;
      const m = await ws.member('member');
      const q2 = { workspaceId: ws.id, permission: 'measurements:read', deviceId: d2 };
      const q1 = { workspaceId: ws.id, permission: 'measurements:read', deviceId: d1 };
      await warm(t, m.personalToken, q2);
      await warm(t, m.personalToken, q1);
      const narrow = async (deviceAccess: unknown) => {
        if (via === 'rest')
          await t
            .http()
            .patch(`/v1/workspaces/${ws.id}/members/${m.id}`)
            .set(bearer(ws.owner.personalToken))
            .send({ deviceAccess })
            .expect(200);
        else
          await gqlOk(
            ws.owner.personalToken,
            `mutation($w: ID!, $u: ID!, $i: UpdateMemberInput!) { updateMember(workspaceId: $w, userId: $u, input: $i) { userId } }`,
            { w: ws.id, u: m.id, i: { deviceAccess } },
          );
      };
      await narrow({ mode: 'selected', deviceIds: [d1] });
      expect(await authorize(t, m.personalToken, q2)).toBe(403);
      await warm(t, m.personalToken, q1);
      await narrow({ mode: 'selected', deviceIds: [] });
      expect(await authorize(t, m.personalToken, q1)).toBe(403);
    });

    it(`(held) a device deleted (${via}) is refused at once to a member with every device and to one it was selected for`, async () => {
      const ws = await newWorkspace(t);
      const d = (await ws.device()).id;
      const all = await ws.member('member');
      const sel = await ws.member('member', { devices: [d] });
      const q = { workspaceId: ws.id, permission: 'measurements:read', deviceId: d };
      await warm(t, all.personalToken, q);
      await warm(t, sel.personalToken, q);
      if (via === 'rest') await t.http().delete(`/v1/workspaces/${ws.id}/devices/${d}`).set(bearer(ws.owner.personalToken)).expect(204);
      else
        await gqlOk(ws.owner.personalToken, `mutation($w: ID!, $d: ID!) { deleteDevice(workspaceId: $w, id: $d) { id } }`, { w: ws.id, d });
      expect(await authorize(t, all.personalToken, q)).not.toBe(204);
      expect(await authorize(t, sel.personalToken, q)).not.toBe(204);
    });
  }
});

// ---------------------------------------------------------------------------------------------
describe('review 15b: teams', () => {
  async function teamSetup() {
    const ws = await newWorkspace(t);
    const d1 = (await ws.device()).id;
    const d2 = (await ws.device()).id;
    // Own grant: viewer on d1 only. The team adds member rights and d2.
    const m = await ws.member('viewer', { devices: [d1] });
    const team = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/teams`)
      .set(bearer(ws.owner.personalToken))
      .send({
        name: `team-${randomBytes(3).toString('hex')}`,
        roleIds: [ws.roles.member],
        deviceAccess: { mode: 'selected', deviceIds: [d2] },
      })
      .expect(201);
    await t
      .http()
      .put(`/v1/workspaces/${ws.id}/teams/${team.body.id}/members/${m.id}`)
      .set(bearer(ws.owner.personalToken))
      .expect((r) => {
        if (r.status >= 300) throw new Error(`add to team: ${r.status} ${JSON.stringify(r.body)}`);
      });
    const teamId = team.body.id as string;
    const writeD2 = { workspaceId: ws.id, permission: 'measurements:write', deviceId: d2 };
    await warm(t, m.personalToken, writeD2);
    return { ws, m, teamId, d1, d2, writeD2 };
  }

  for (const via of VIAS) {
    it(`(held) a team losing its role (${via}) takes measurements:write at once`, async () => {
      const { ws, m, teamId, d2, writeD2 } = await teamSetup();
      if (via === 'rest')
        await t
          .http()
          .patch(`/v1/workspaces/${ws.id}/teams/${teamId}`)
          .set(bearer(ws.owner.personalToken))
          .send({ roleIds: [] })
          .expect(200);
      else
        await gqlOk(
          ws.owner.personalToken,
          `mutation($w: ID!, $id: ID!, $i: UpdateTeamInput!) { updateTeam(workspaceId: $w, id: $id, input: $i) { id } }`,
          {
            w: ws.id,
            id: teamId,
            i: { roleIds: [] },
          },
        );
      expect(await authorize(t, m.personalToken, writeD2)).toBe(403);
      expect(await authorize(t, m.personalToken, { workspaceId: ws.id, permission: 'measurements:read', deviceId: d2 })).toBe(204);
    });

    it(`(held) a team losing its device (${via}) takes the device at once`, async () => {
      const { ws, m, teamId, writeD2 } = await teamSetup();
      const deviceAccess = { mode: 'selected', deviceIds: [] };
      if (via === 'rest')
        await t
          .http()
          .patch(`/v1/workspaces/${ws.id}/teams/${teamId}`)
          .set(bearer(ws.owner.personalToken))
          .send({ deviceAccess })
          .expect(200);
      else
        await gqlOk(
          ws.owner.personalToken,
          `mutation($w: ID!, $id: ID!, $i: UpdateTeamInput!) { updateTeam(workspaceId: $w, id: $id, input: $i) { id } }`,
          {
            w: ws.id,
            id: teamId,
            i: { deviceAccess },
          },
        );
      expect(await authorize(t, m.personalToken, writeD2)).toBe(403);
    });

    it(`(held) a member taken out of the team (${via}) loses what it gave at once`, async () => {
      const { ws, m, teamId, writeD2 } = await teamSetup();
      if (via === 'rest')
        await t.http().delete(`/v1/workspaces/${ws.id}/teams/${teamId}/members/${m.id}`).set(bearer(ws.owner.personalToken)).expect(204);
      else
        await gqlOk(
          ws.owner.personalToken,
          `mutation($w: ID!, $id: ID!, $u: ID!) { removeTeamMember(workspaceId: $w, teamId: $id, userId: $u) { id } }`,
          {
            w: ws.id,
            id: teamId,
            u: m.id,
          },
        );
      expect(await authorize(t, m.personalToken, writeD2)).toBe(403);
    });

    it(`(held) the team deleted (${via}): what it gave goes at once`, async () => {
      const { ws, m, teamId, writeD2 } = await teamSetup();
      if (via === 'rest') await t.http().delete(`/v1/workspaces/${ws.id}/teams/${teamId}`).set(bearer(ws.owner.personalToken)).expect(204);
      else
        await gqlOk(ws.owner.personalToken, `mutation($w: ID!, $id: ID!) { deleteTeam(workspaceId: $w, id: $id) { id } }`, {
          w: ws.id,
          id: teamId,
        });
      expect(await authorize(t, m.personalToken, writeD2)).toBe(403);
    });
  }
});

// ---------------------------------------------------------------------------------------------
describe('review 15b: API users and their tokens', () => {
  const UPDATE_API_USER = `mutation($w: ID!, $id: ID!, $i: UpdateApiUserInput!) { updateApiUser(workspaceId: $w, id: $id, input: $i) { id } }`;

  async function patchApiUser(via: Via, ws: WorkspaceFixture, id: string, body: Record<string, unknown>) {
    if (via === 'rest')
      await t.http().patch(`/v1/workspaces/${ws.id}/api-users/${id}`).set(bearer(ws.owner.personalToken)).send(body).expect(200);
    else await gqlOk(ws.owner.personalToken, UPDATE_API_USER, { w: ws.id, id, i: body });
  }

  for (const via of VIAS) {
    it(`(held) disabled (${via}): its tokens and the sessions exchanged from them answer 401 at once, introspection inactive`, async () => {
      const ws = await newWorkspace(t);
      const bot = await ws.apiUser({ roles: ['member'] });
      const session = (await t.http().post('/v1/auth/token').set(bearer(bot.token)).send({}).expect(200)).body.token.secret as string;
      const q = { workspaceId: ws.id, permission: 'devices:read' };
      await warm(t, bot.token, q);
      await warm(t, session, q);
      await patchApiUser(via, ws, bot.id, { status: 'disabled' });
      expect(await authorize(t, bot.token, q)).toBe(401);
      expect(await authorize(t, session, q)).toBe(401);
      expect((await introspect(t, ws.owner.personalToken, bot.token)).active).toBe(false);
    });

    it(`(held) deleted (${via}): its token answers 401 at once`, async () => {
      const ws = await newWorkspace(t);
      const bot = await ws.apiUser({ roles: ['member'] });
      const q = { workspaceId: ws.id, permission: 'devices:read' };
      await warm(t, bot.token, q);
      if (via === 'rest')
        await t.http().delete(`/v1/workspaces/${ws.id}/api-users/${bot.id}`).set(bearer(ws.owner.personalToken)).expect(204);
      else
        await gqlOk(ws.owner.personalToken, `mutation($w: ID!, $id: ID!) { deleteApiUser(workspaceId: $w, id: $id) { id } }`, {
          w: ws.id,
          id: bot.id,
        });
      expect(await authorize(t, bot.token, q)).toBe(401);
    });

    it(`(held) roles, devices and networks narrowed (${via}) apply at once`, async () => {
      const ws = await newWorkspace(t);
      const d1 = (await ws.device()).id;
      const d2 = (await ws.device()).id;
      const bot = await ws.apiUser({ roles: ['admin'] });
      const del = { workspaceId: ws.id, permission: 'devices:delete', deviceId: d2 };
      await warm(t, bot.token, del);
      await patchApiUser(via, ws, bot.id, { roleIds: [ws.roles.member] });
      expect(await authorize(t, bot.token, del)).toBe(403);
      const read2 = { workspaceId: ws.id, permission: 'measurements:read', deviceId: d2 };
      await warm(t, bot.token, read2);
      await patchApiUser(via, ws, bot.id, { deviceAccess: { mode: 'selected', deviceIds: [d1] } });
      expect(await authorize(t, bot.token, read2)).toBe(403);
      const read1 = { workspaceId: ws.id, permission: 'measurements:read', deviceId: d1 };
      await warm(t, bot.token, read1);
      await patchApiUser(via, ws, bot.id, { allowedCidrs: ['10.0.0.0/8'] });
      expect(await authorize(t, bot.token, read1)).toBe(403);
    });

    it(`(held) its token disabled, deleted, rotated (${via}): refused at once; the old secret lives exactly its grace`, async () => {
      const ws = await newWorkspace(t);
      const bot = await ws.apiUser({ roles: ['member'] });
      const q = { workspaceId: ws.id, permission: 'devices:read' };
      const issue = async () =>
        (await t.http().post(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens`).set(bearer(ws.owner.personalToken)).send({}).expect(201))
          .body as {
          id: string;
          secret: string;
        };
      // disable
      const a = await issue();
      await warm(t, a.secret, q);
      if (via === 'rest')
        await t
          .http()
          .patch(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens/${a.id}`)
          .set(bearer(ws.owner.personalToken))
          .send({ enabled: false })
          .expect(200);
      else
        await gqlOk(
          ws.owner.personalToken,
          `mutation($w: ID!, $a: ID!, $id: ID!) { updateApiUserToken(workspaceId: $w, apiUserId: $a, tokenId: $id, input: { enabled: false }) { id } }`,
          { w: ws.id, a: bot.id, id: a.id },
        );
      expect(await authorize(t, a.secret, q)).toBe(401);
      // delete
      const b = await issue();
      await warm(t, b.secret, q);
      if (via === 'rest')
        await t.http().delete(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens/${b.id}`).set(bearer(ws.owner.personalToken)).expect(204);
      else
        await gqlOk(
          ws.owner.personalToken,
          `mutation($w: ID!, $a: ID!, $id: ID!) { revokeApiUserToken(workspaceId: $w, apiUserId: $a, tokenId: $id) { id } }`,
          {
            w: ws.id,
            a: bot.id,
            id: b.id,
          },
        );
      expect(await authorize(t, b.secret, q)).toBe(401);
      // rotate with 60 s of grace
      const c = await issue();
      await warm(t, c.secret, q);
      let fresh: string;
      if (via === 'rest')
        fresh = (
          await t
            .http()
            .post(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens/${c.id}/rotate`)
            .set(bearer(ws.owner.personalToken))
            .send({ graceSeconds: 60 })
            .expect(200)
        ).body.secret;
      else
        fresh = (
          (await gqlOk(
            ws.owner.personalToken,
            `mutation($w: ID!, $a: ID!, $id: ID!) { rotateApiUserToken(workspaceId: $w, apiUserId: $a, tokenId: $id, input: { graceSeconds: 60 }) { secret } }`,
            { w: ws.id, a: bot.id, id: c.id },
          )) as { rotateApiUserToken: { secret: string } }
        ).rotateApiUserToken.secret;
      await warm(t, c.secret, q);
      await warm(t, fresh, q);
      t.clock.advance(60_000);
      expect(await authorize(t, c.secret, q)).toBe(401);
      expect(await authorize(t, fresh, q)).toBe(204);
    });
  }
});

// ---------------------------------------------------------------------------------------------
describe('review 15b: the user and the workspace', () => {
  for (const via of VIAS) {
    it(`(held) a user deactivated by a platform admin (${via}): every token 401 at once`, async () => {
      const admin = await platformAdmin(t);
      const ws = await newWorkspace(t);
      const m = await ws.member('member');
      const named = await createNamedToken(t, m.personalToken, { scopes: ['*'] });
      const q = { workspaceId: ws.id, permission: 'devices:read' };
      await warm(t, m.personalToken, q);
      await warm(t, named.secret, q);
      if (via === 'rest') await t.http().post(`/v1/admin/users/${m.id}/deactivate`).set(bearer(admin)).expect(200);
      else await gqlOk(admin, `mutation($id: ID!) { deactivateUser(id: $id) { id } }`, { id: m.id });
      expect(await authorize(t, m.personalToken, q)).toBe(401);
      expect(await authorize(t, named.secret, q)).toBe(401);
    });

    it(`(held) the workspace deleted (${via}): members' and API users' checks refused at once`, async () => {
      const ws = await newWorkspace(t);
      const m = await ws.member('member');
      const bot = await ws.apiUser({ roles: ['member'] });
      const restricted = await createNamedToken(t, m.personalToken, { scopes: ['*'], workspaceIds: [ws.id] });
      const q = { workspaceId: ws.id, permission: 'devices:read' };
      await warm(t, m.personalToken, q);
      await warm(t, bot.token, q);
      await warm(t, restricted.secret, q);
      if (via === 'rest') await t.http().delete(`/v1/workspaces/${ws.id}`).set(bearer(ws.owner.personalToken)).expect(204);
      else await gqlOk(ws.owner.personalToken, `mutation($id: ID!) { deleteWorkspace(id: $id) { id } }`, { id: ws.id });
      expect(await authorize(t, m.personalToken, q)).toBe(403);
      expect(await authorize(t, bot.token, q)).toBe(401);
      expect(await authorize(t, restricted.secret, q)).not.toBe(204);
    });
  }

  it('(held) a password change ends login sessions and the sessions exchanged from them at once; the personal token lives (SPEC §4)', async () => {
    const ws = await newWorkspace(t);
    const session = await login(t, ws.owner.email);
    const exchanged = (await t.http().post('/v1/auth/token').set(bearer(ws.owner.personalToken)).send({}).expect(200)).body.token
      .secret as string;
    const q = { workspaceId: ws.id, permission: 'devices:read' };
    await warm(t, session, q);
    await warm(t, exchanged, q);
    await t
      .http()
      .patch('/v1/me')
      .set(bearer(ws.owner.personalToken))
      .send({ password: 'another correct horse battery', currentPassword: PASSWORD })
      .expect(200);
    expect(await authorize(t, session, q)).toBe(401);
    expect(await authorize(t, exchanged, q)).toBe(401);
    expect(await authorize(t, ws.owner.personalToken, q)).toBe(204);
  });
});

// ---------------------------------------------------------------------------------------------
describe('review 15b: owners', () => {
  it('(held) the last owner can be neither demoted nor removed, nor leave; an admin neither demotes an owner nor promotes itself', async () => {
    const ws = await newWorkspace(t);
    const admin = await ws.member('admin');
    const o = ws.owner;
    const patch = (by: string, userId: string, body: object) =>
      t.http().patch(`/v1/workspaces/${ws.id}/members/${userId}`).set(bearer(by)).send(body);
    expect((await patch(o.personalToken, o.id, { roleIds: [ws.roles.admin] })).status).toBe(409);
    expect((await t.http().delete(`/v1/workspaces/${ws.id}/members/${o.id}`).set(bearer(o.personalToken))).status).toBe(409);
    expect((await t.http().post(`/v1/workspaces/${ws.id}/leave`).set(bearer(o.personalToken))).status).toBe(409);
    expect((await patch(admin.personalToken, o.id, { roleIds: [ws.roles.viewer] })).status).toBe(403);
    expect((await t.http().delete(`/v1/workspaces/${ws.id}/members/${o.id}`).set(bearer(admin.personalToken))).status).toBe(403);
    expect((await patch(admin.personalToken, admin.id, { roleIds: [ws.roles.owner] })).status).toBe(403);
    expect((await patch(admin.personalToken, admin.id, { roleIds: [ws.roles.admin, ws.roles.owner] })).status).toBe(403);
    // GraphQL the same
    const g = await gql(
      t,
      admin.personalToken,
      `mutation($w: ID!, $u: ID!, $i: UpdateMemberInput!) { updateMember(workspaceId: $w, userId: $u, input: $i) { userId } }`,
      {
        w: ws.id,
        u: admin.id,
        i: { roleIds: [ws.roles.owner] },
      },
    );
    expect(g.errors?.length).toBeGreaterThan(0);
    const roles = (await t.http().get(`/v1/workspaces/${ws.id}/members/${admin.id}`).set(bearer(o.personalToken)).expect(200)).body.roles;
    expect(roles.map((r: { name: string }) => r.name)).toEqual(['admin']);
  });

  it('R15B-2: the last active owner cannot leave or step down while the only other owner is a deactivated account', async () => {
    const admin = await platformAdmin(t);
    async function setup() {
      const ws = await newWorkspace(t);
      const o2 = await ws.member('owner');
      const keeper = await ws.member('admin');
      await t.http().post(`/v1/admin/users/${o2.id}/deactivate`).set(bearer(admin)).expect(200);
      // o2 can do nothing now (every token 401): the only owner who can act is ws.owner.
      expect(await authorize(t, o2.personalToken, { workspaceId: ws.id, permission: 'workspace:delete' })).toBe(401);
      return { ws, keeper };
    }
    const first = await setup();
    const demote = await t
      .http()
      .patch(`/v1/workspaces/${first.ws.id}/members/${first.ws.owner.id}`)
      .set(bearer(first.ws.owner.personalToken))
      .send({ roleIds: [first.ws.roles.admin] });
    const second = await setup();
    const leave = await t.http().post(`/v1/workspaces/${second.ws.id}/leave`).set(bearer(second.ws.owner.personalToken));
    // Either leaves a workspace nobody can delete, hand ownership on, or set a token policy for: the
    // remaining admin may not promote itself (only owners grant owner).
    const promote = await t
      .http()
      .patch(`/v1/workspaces/${first.ws.id}/members/${first.keeper.id}`)
      .set(bearer(first.keeper.personalToken))
      .send({ roleIds: [first.ws.roles.owner] });
    expect(promote.status).toBe(403);
    expect({ demote: demote.status, leave: leave.status }).toEqual({ demote: 409, leave: 409 });
  });

  it('(held) two owners demoting each other at once leave one owner', async () => {
    const ws = await newWorkspace(t);
    const o2 = await ws.member('owner');
    const o1 = ws.owner;
    const [a, b] = await Promise.all([
      t
        .http()
        .patch(`/v1/workspaces/${ws.id}/members/${o2.id}`)
        .set(bearer(o1.personalToken))
        .send({ roleIds: [ws.roles.admin] }),
      t
        .http()
        .patch(`/v1/workspaces/${ws.id}/members/${o1.id}`)
        .set(bearer(o2.personalToken))
        .send({ roleIds: [ws.roles.admin] }),
    ]);
    const owners = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM membership_roles mr JOIN roles r ON r.id = mr.role_id WHERE mr.workspace_id = $1 AND r.built_in = 'owner'`,
      [ws.id],
    );
    expect(owners[0].n).toBe(1);
    expect([a.status, b.status].sort()).toEqual([200, 403].sort());
  });

  it('(held) an owner leaving while the other owner is demoted by it: one owner stays', async () => {
    const ws = await newWorkspace(t);
    const o2 = await ws.member('owner');
    const o1 = ws.owner;
    await Promise.all([
      t.http().post(`/v1/workspaces/${ws.id}/leave`).set(bearer(o1.personalToken)),
      t
        .http()
        .patch(`/v1/workspaces/${ws.id}/members/${o2.id}`)
        .set(bearer(o1.personalToken))
        .send({ roleIds: [ws.roles.admin] }),
      t.http().post(`/v1/workspaces/${ws.id}/leave`).set(bearer(o2.personalToken)),
    ]);
    const owners = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM membership_roles mr JOIN roles r ON r.id = mr.role_id WHERE mr.workspace_id = $1 AND r.built_in = 'owner'`,
      [ws.id],
    );
    expect(owners[0].n).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
describe('review 15b: a removed member invited back', () => {
  it('R15B-1: a token restricted to the workspace, dead once its holder was removed, does not come back with a new invitation', async () => {
    const ws = await newWorkspace(t);
    const d = (await ws.device()).id;
    const m = await ws.member('member');
    // A CI token for this workspace alone, bound to one device, and a session exchanged from it.
    const ci = await createNamedToken(t, m.personalToken, { name: 'ci', scopes: ['measurements:write'], workspaceIds: [ws.id] });
    const q = { workspaceId: ws.id, permission: 'measurements:write', deviceId: d };
    await warm(t, ci.secret, q);
    await t.http().delete(`/v1/workspaces/${ws.id}/members/${m.id}`).set(bearer(ws.owner.personalToken)).expect(204);
    expect(await authorize(t, ci.secret, q)).toBe(401);
    // While removed, the workspace's admins can neither see nor revoke it (it reaches nothing here).
    const listed = (await t.http().get(`/v1/workspaces/${ws.id}/tokens`).set(bearer(ws.owner.personalToken)).expect(200)).body
      .items as Array<{
      id: string;
    }>;
    expect(listed.map((x) => x.id)).not.toContain(ci.id);
    // Invited back, months later, for a different job: the fresh grant is the membership, not the old secret.
    await inviteAndAccept(t, ws.owner.personalToken, ws.id, m, [ws.roles.member]);
    expect(await authorize(t, m.personalToken, q)).toBe(204);
    expect(await authorize(t, ci.secret, q)).not.toBe(204);
  });

  it('(held) a token an admin cut off before removing its holder stays cut off after the holder is invited back', async () => {
    const ws = await newWorkspace(t);
    const m = await ws.member('member');
    const named = await createNamedToken(t, m.personalToken, { scopes: ['*'] });
    const q = { workspaceId: ws.id, permission: 'devices:read' };
    await warm(t, named.secret, q);
    await t.http().delete(`/v1/workspaces/${ws.id}/tokens/${named.id}`).set(bearer(ws.owner.personalToken)).expect(204);
    expect(await authorize(t, named.secret, q)).toBe(401);
    await t.http().delete(`/v1/workspaces/${ws.id}/members/${m.id}`).set(bearer(ws.owner.personalToken)).expect(204);
    await inviteAndAccept(t, ws.owner.personalToken, ws.id, m, [ws.roles.member]);
    expect(await authorize(t, named.secret, q)).toBe(401);
  });
});

// ---------------------------------------------------------------------------------------------
describe('review 15b: concurrent changes', () => {
  it('(held) ten role changes of one member at once: no 5xx, and the member ends with one of the sets asked', async () => {
    const ws = await newWorkspace(t);
    const m = await ws.member('viewer');
    const sets = [
      [ws.roles.viewer],
      [ws.roles.member],
      [ws.roles.admin],
      [ws.roles.member, ws.roles.viewer],
      [ws.roles.admin, ws.roles.viewer],
    ];
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        t
          .http()
          .patch(`/v1/workspaces/${ws.id}/members/${m.id}`)
          .set(bearer(ws.owner.personalToken))
          .send({ roleIds: sets[i % sets.length] }),
      ),
    );
    expect(answers.map((a) => a.status).filter((s) => s !== 200)).toEqual([]);
    const got = (
      (await t.http().get(`/v1/workspaces/${ws.id}/members/${m.id}`).set(bearer(ws.owner.personalToken)).expect(200)).body.roles as Array<{
        id: string;
      }>
    )
      .map((r) => r.id)
      .sort();
    expect(sets.map((s) => [...s].sort().join())).toContain(got.join());
    // The check agrees with the stored roles.
    const admin = got.includes(ws.roles.admin);
    expect(await authorize(t, m.personalToken, { workspaceId: ws.id, permission: 'devices:delete' })).toBe(admin ? 204 : 403);
  });

  it('(held) a member removed while being changed and put in a team: no 5xx, and no access afterwards', async () => {
    const ws = await newWorkspace(t);
    const m = await ws.member('viewer');
    const team = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/teams`)
      .set(bearer(ws.owner.personalToken))
      .send({ name: `team-${randomBytes(3).toString('hex')}`, roleIds: [ws.roles.admin], deviceAccess: { mode: 'all' } })
      .expect(201);
    await warm(t, m.personalToken, { workspaceId: ws.id, permission: 'devices:read' });
    const answers = await Promise.all([
      t
        .http()
        .patch(`/v1/workspaces/${ws.id}/members/${m.id}`)
        .set(bearer(ws.owner.personalToken))
        .send({ roleIds: [ws.roles.admin] }),
      t.http().put(`/v1/workspaces/${ws.id}/teams/${team.body.id}/members/${m.id}`).set(bearer(ws.owner.personalToken)),
      t.http().delete(`/v1/workspaces/${ws.id}/members/${m.id}`).set(bearer(ws.owner.personalToken)),
    ]);
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    expect(answers[2].status).toBe(204);
    expect(await authorize(t, m.personalToken, { workspaceId: ws.id, permission: 'devices:read' })).toBe(403);
  });

  it('(held) an API user disabled while a token is issued to it: the token, issued or not, does not work', async () => {
    const ws = await newWorkspace(t);
    const bot = await ws.apiUser({ roles: ['member'] });
    const [issued, disabled] = await Promise.all([
      t.http().post(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens`).set(bearer(ws.owner.personalToken)).send({}),
      t.http().patch(`/v1/workspaces/${ws.id}/api-users/${bot.id}`).set(bearer(ws.owner.personalToken)).send({ status: 'disabled' }),
    ]);
    expect(disabled.status).toBe(200);
    expect(issued.status).toBeLessThan(500);
    if (issued.status === 201) expect(await authorize(t, issued.body.secret, { workspaceId: ws.id, permission: 'devices:read' })).toBe(401);
  });

  it('(held) an API user deleted while a token is issued to it and its token rotated: no 5xx, nothing lives', async () => {
    const ws = await newWorkspace(t);
    const bot = await ws.apiUser({ roles: ['member'] });
    const answers = await Promise.all([
      t.http().post(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens`).set(bearer(ws.owner.personalToken)).send({}),
      t
        .http()
        .post(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens/${bot.tokenId}/rotate`)
        .set(bearer(ws.owner.personalToken))
        .send({ graceSeconds: 600 }),
      t.http().delete(`/v1/workspaces/${ws.id}/api-users/${bot.id}`).set(bearer(ws.owner.personalToken)),
    ]);
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    for (const a of answers.slice(0, 2))
      if (a.body?.secret) expect(await authorize(t, a.body.secret, { workspaceId: ws.id, permission: 'devices:read' })).toBe(401);
    expect(await authorize(t, bot.token, { workspaceId: ws.id, permission: 'devices:read' })).toBe(401);
  });

  it('(held) one invitation accepted twice at once (two tokens of the invitee): one membership, one 200', async () => {
    const ws = await newWorkspace(t);
    const u = await registerUser(t, uniqueEmail('twice'));
    await markEmailVerified(t, u.id);
    const other = await login(t, u.email);
    const inv = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/invitations`)
      .set(bearer(ws.owner.personalToken))
      .send({ email: u.email, roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } })
      .expect(201);
    const answers = await Promise.all(
      [u.personalToken, other].map((s) => t.http().post('/v1/invitations/accept').set(bearer(s)).send({ token: inv.body.secret })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
  });

  it('(held) an invitation revoked while it is accepted: either it was accepted first (a member) or refused', async () => {
    const ws = await newWorkspace(t);
    const u = await registerUser(t, uniqueEmail('race'));
    await markEmailVerified(t, u.id);
    const inv = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/invitations`)
      .set(bearer(ws.owner.personalToken))
      .send({ email: u.email, roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } })
      .expect(201);
    const [accepted, revoked] = await Promise.all([
      t.http().post('/v1/invitations/accept').set(bearer(u.personalToken)).send({ token: inv.body.secret }),
      t.http().delete(`/v1/workspaces/${ws.id}/invitations/${inv.body.invitation.id}`).set(bearer(ws.owner.personalToken)),
    ]);
    const member = await t.http().get(`/v1/workspaces/${ws.id}/members/${u.id}`).set(bearer(ws.owner.personalToken));
    if (accepted.status === 200) expect({ revoked: revoked.status, member: member.status }).toEqual({ revoked: 409, member: 200 });
    else expect({ revoked: revoked.status, member: member.status }).toEqual({ revoked: 204, member: 404 });
  });
});

describe('review 15b: who may hold the owner role', () => {
  it('(held) an API user is never made owner (create, change), and a team never holds owner', async () => {
    const ws = await newWorkspace(t);
    const made = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users`)
      .set(bearer(ws.owner.personalToken))
      .send({ name: 'would-be-owner', roleIds: [ws.roles.owner], deviceAccess: { mode: 'all' } });
    expect(made.status).toBeGreaterThanOrEqual(400);
    const bot = await ws.apiUser({ roles: ['admin'] });
    const changed = await t
      .http()
      .patch(`/v1/workspaces/${ws.id}/api-users/${bot.id}`)
      .set(bearer(ws.owner.personalToken))
      .send({ roleIds: [ws.roles.owner] });
    expect(changed.status).toBeGreaterThanOrEqual(400);
    const team = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/teams`)
      .set(bearer(ws.owner.personalToken))
      .send({ name: 'owners', roleIds: [ws.roles.owner], deviceAccess: { mode: 'all' } });
    expect(team.status).toBeGreaterThanOrEqual(400);
    expect(await authorize(t, bot.token, { workspaceId: ws.id, permission: 'workspace:delete' })).toBe(403);
  });
});

// ---------------------------------------------------------------------------------------------
(serverUrl() ? describe : describe.skip)('review 15b: a second instance on the same PostgreSQL sees every change within a second', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    a = await startTestApp({ LATCHKEY_CACHE_TTL_SECONDS: '300' }, db);
    b = await startTestApp({ LATCHKEY_CACHE_TTL_SECONDS: '300' }, db);
    await waitListening(a);
    await waitListening(b);
  }, 120_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  /** Whether `b` answers `status` within a second. */
  async function bAnswersWithin(secret: string, q: Q, status: number): Promise<boolean> {
    const started = Date.now();
    while (Date.now() - started <= 1000) {
      if ((await authorize(b, secret, q)) === status) return true;
      await new Promise((r) => setTimeout(r, 25));
    }
    return false;
  }

  it('(held) member removal, demotion, device narrowing, device deletion, team changes and role edits made on one instance', async () => {
    const ws = await newWorkspace(a);
    const d1 = (await ws.device()).id;
    const d2 = (await ws.device()).id;
    const role = await ws.role(['workspace:read', 'devices:read', 'measurements:read', 'measurements:write']);
    const m1 = await ws.member('admin');
    const m2 = await ws.member('member');
    const m3 = await ws.member({ id: role });
    const m4 = await ws.member('viewer', { devices: [d1] });
    const team = await a
      .http()
      .post(`/v1/workspaces/${ws.id}/teams`)
      .set(bearer(ws.owner.personalToken))
      .send({ name: 'field', roleIds: [ws.roles.member], deviceAccess: { mode: 'selected', deviceIds: [d2] } })
      .expect(201);
    await a.http().put(`/v1/workspaces/${ws.id}/teams/${team.body.id}/members/${m4.id}`).set(bearer(ws.owner.personalToken)).expect(200);
    const cases: Array<{ who: string; q: Q; change: () => Promise<unknown>; then: number }> = [
      {
        who: m1.personalToken,
        q: { workspaceId: ws.id, permission: 'devices:delete' },
        change: () =>
          a
            .http()
            .patch(`/v1/workspaces/${ws.id}/members/${m1.id}`)
            .set(bearer(ws.owner.personalToken))
            .send({ roleIds: [ws.roles.viewer] })
            .expect(200),
        then: 403,
      },
      {
        who: m2.personalToken,
        q: { workspaceId: ws.id, permission: 'measurements:read', deviceId: d2 },
        change: () =>
          a
            .http()
            .patch(`/v1/workspaces/${ws.id}/members/${m2.id}`)
            .set(bearer(ws.owner.personalToken))
            .send({ deviceAccess: { mode: 'selected', deviceIds: [d1] } })
            .expect(200),
        then: 403,
      },
      {
        who: m3.personalToken,
        q: { workspaceId: ws.id, permission: 'measurements:write', deviceId: d1 },
        change: () =>
          a
            .http()
            .patch(`/v1/workspaces/${ws.id}/roles/${role}`)
            .set(bearer(ws.owner.personalToken))
            .send({ permissions: ['workspace:read', 'devices:read'] })
            .expect(200),
        then: 403,
      },
      {
        who: m4.personalToken,
        q: { workspaceId: ws.id, permission: 'measurements:write', deviceId: d2 },
        change: () =>
          a.http().delete(`/v1/workspaces/${ws.id}/teams/${team.body.id}/members/${m4.id}`).set(bearer(ws.owner.personalToken)).expect(204),
        then: 403,
      },
      {
        who: m2.personalToken,
        q: { workspaceId: ws.id, permission: 'measurements:read', deviceId: d1 },
        change: () => a.http().delete(`/v1/workspaces/${ws.id}/devices/${d1}`).set(bearer(ws.owner.personalToken)).expect(204),
        then: 403,
      },
      {
        who: m2.personalToken,
        q: { workspaceId: ws.id, permission: 'workspace:read' },
        change: () => a.http().delete(`/v1/workspaces/${ws.id}/members/${m2.id}`).set(bearer(ws.owner.personalToken)).expect(204),
        then: 403,
      },
    ];
    const late: string[] = [];
    for (const [i, c] of cases.entries()) {
      await warm(b, c.who, c.q);
      await c.change();
      if (!(await bAnswersWithin(c.who, c.q, c.then))) late.push(`case ${i}`);
    }
    expect(late).toEqual([]);
  }, 60_000);

  it('(held) API user disable and narrowing, token rotation past grace and revocation, user deactivation, workspace deletion made on one instance', async () => {
    const ws = await newWorkspace(a);
    const bot = await ws.apiUser({ roles: ['admin'] });
    const bot2 = await ws.apiUser({ roles: ['member'] });
    const bot3 = await ws.apiUser({ roles: ['member'] });
    const m = await ws.member('member');
    const named = await createNamedToken(a, m.personalToken, { scopes: ['*'], workspaceIds: [ws.id] });
    const admin = await platformAdmin(a);
    const q = { workspaceId: ws.id, permission: 'devices:read' };
    const cases: Array<{ who: string; q: Q; change: () => Promise<unknown>; then: number }> = [
      {
        who: bot.token,
        q: { workspaceId: ws.id, permission: 'devices:delete' },
        change: () =>
          a
            .http()
            .patch(`/v1/workspaces/${ws.id}/api-users/${bot.id}`)
            .set(bearer(ws.owner.personalToken))
            .send({ roleIds: [ws.roles.viewer] })
            .expect(200),
        then: 403,
      },
      {
        who: bot.token,
        q,
        change: () =>
          a
            .http()
            .patch(`/v1/workspaces/${ws.id}/api-users/${bot.id}`)
            .set(bearer(ws.owner.personalToken))
            .send({ allowedCidrs: ['10.0.0.0/8'] })
            .expect(200),
        then: 403,
      },
      {
        who: bot2.token,
        q,
        change: () =>
          a
            .http()
            .patch(`/v1/workspaces/${ws.id}/api-users/${bot2.id}`)
            .set(bearer(ws.owner.personalToken))
            .send({ status: 'disabled' })
            .expect(200),
        then: 401,
      },
      {
        who: bot3.token,
        q,
        change: async () => {
          await a
            .http()
            .post(`/v1/workspaces/${ws.id}/api-users/${bot3.id}/tokens/${bot3.tokenId}/rotate`)
            .set(bearer(ws.owner.personalToken))
            .send({ graceSeconds: 0 })
            .expect(200);
        },
        then: 401,
      },
      {
        who: m.personalToken,
        q,
        change: () => a.http().post(`/v1/admin/users/${m.id}/deactivate`).set(bearer(admin)).expect(200),
        then: 401,
      },
    ];
    const late: string[] = [];
    for (const [i, c] of cases.entries()) {
      await warm(b, c.who, c.q);
      await c.change();
      if (!(await bAnswersWithin(c.who, c.q, c.then))) late.push(`case ${i}`);
    }
    await a.http().post(`/v1/admin/users/${m.id}/reactivate`).set(bearer(admin)).expect(200);
    await warm(b, named.secret, q);
    await a.http().delete(`/v1/workspaces/${ws.id}`).set(bearer(ws.owner.personalToken)).expect(204);
    if (!(await bAnswersWithin(named.secret, q, 403))) late.push('workspace deletion');
    expect(late).toEqual([]);
  }, 60_000);
});
