// Teams: roles and device access shared by the members and API users in them. A principal's rights
// are the union of its own grants and its teams'; managing a team needs the rights it hands out; every
// change reaches the next check at once, cached or not.
import { randomUUID } from 'node:crypto';
import { bearer, createNamedToken, expectProblem, registerUser } from '../support/api';
import { newWorkspace, WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

let t: TestApp;

const teams = (wid: string, rest = '') => `/v1/workspaces/${wid}/teams${rest}`;

async function createTeam(ws: WorkspaceFixture, body: Record<string, unknown>, by = ws.owner.personalToken) {
  const res = await t
    .http()
    .post(teams(ws.id))
    .set(bearer(by))
    .send({ name: `Team ${randomUUID().slice(0, 8)}`, roleIds: [], deviceAccess: { mode: 'all' }, ...body });
  expect(res.status).toBe(201);
  return res.body as { id: string; name: string; members: unknown[]; apiUsers: unknown[] };
}

const putMember = (ws: WorkspaceFixture, teamId: string, userId: string, by = ws.owner.personalToken) =>
  t
    .http()
    .put(teams(ws.id, `/${teamId}/members/${userId}`))
    .set(bearer(by));
const deleteMember = (ws: WorkspaceFixture, teamId: string, userId: string, by = ws.owner.personalToken) =>
  t
    .http()
    .delete(teams(ws.id, `/${teamId}/members/${userId}`))
    .set(bearer(by));
const putApiUser = (ws: WorkspaceFixture, teamId: string, apiUserId: string, by = ws.owner.personalToken) =>
  t
    .http()
    .put(teams(ws.id, `/${teamId}/api-users/${apiUserId}`))
    .set(bearer(by));

function authorize(secret: string, workspaceId: string, permission: string, deviceId?: string) {
  return t
    .http()
    .get('/v1/authorize')
    .query({ workspaceId, permission, ...(deviceId ? { deviceId } : {}) })
    .set(bearer(secret));
}

async function auditActions(ws: WorkspaceFixture, action: string) {
  const res = await t.http().get(`/v1/workspaces/${ws.id}/audit-events`).query({ action }).set(bearer(ws.owner.personalToken)).expect(200);
  return res.body.items as Array<{ action: string; target: { type: string; id: string }; details: Record<string, unknown> }>;
}

describe('teams', () => {
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  describe('CRUD', () => {
    it('creates, reads, lists, changes and deletes a team, each audited', async () => {
      const ws = await newWorkspace(t);
      const d1 = (await ws.device()).id;
      const owner = bearer(ws.owner.personalToken);
      const created = await t
        .http()
        .post(teams(ws.id))
        .set(owner)
        .send({
          name: ' Field techs ',
          description: 'On site',
          roleIds: [ws.roles.viewer],
          deviceAccess: { mode: 'selected', deviceIds: [d1] },
        })
        .expect(201);
      expect(created.body).toMatchObject({
        workspaceId: ws.id,
        name: 'Field techs',
        description: 'On site',
        roles: [{ id: ws.roles.viewer, name: 'viewer' }],
        deviceAccess: { mode: 'selected', deviceIds: [d1] },
        members: [],
        apiUsers: [],
        manageable: true,
      });
      const id = created.body.id;
      expect(
        (
          await t
            .http()
            .get(teams(ws.id, `/${id}`))
            .set(owner)
            .expect(200)
        ).body,
      ).toEqual(created.body);
      const listed = await t.http().get(teams(ws.id)).set(owner).expect(200);
      expect(listed.body).toEqual({ items: [created.body], nextCursor: null });

      const patched = await t
        .http()
        .patch(teams(ws.id, `/${id}`))
        .set(owner)
        .send({ name: 'Techs', description: null, roleIds: [ws.roles.member], deviceAccess: { mode: 'all' } })
        .expect(200);
      expect(patched.body).toMatchObject({
        name: 'Techs',
        description: null,
        roles: [{ id: ws.roles.member }],
        deviceAccess: { mode: 'all' },
      });
      await t
        .http()
        .delete(teams(ws.id, `/${id}`))
        .set(owner)
        .expect(204);
      expectProblem(
        await t
          .http()
          .get(teams(ws.id, `/${id}`))
          .set(owner),
        404,
        'not_found',
      );

      expect((await auditActions(ws, 'team.created'))[0]).toMatchObject({ target: { type: 'team', id }, details: { name: 'Field techs' } });
      expect((await auditActions(ws, 'team.updated'))[0]).toMatchObject({ target: { type: 'team', id }, details: { name: 'Techs' } });
      expect((await auditActions(ws, 'team.deleted'))[0]).toMatchObject({ target: { type: 'team', id } });
    });

    it('pages the list newest first', async () => {
      const ws = await newWorkspace(t);
      const made = [];
      for (let i = 0; i < 3; i++) {
        made.push((await createTeam(ws, {})).id);
        t.clock.advance(1000);
      }
      const first = await t.http().get(teams(ws.id)).query({ limit: 2 }).set(bearer(ws.owner.personalToken)).expect(200);
      expect(first.body.items.map((x: { id: string }) => x.id)).toEqual([made[2], made[1]]);
      const second = await t
        .http()
        .get(teams(ws.id))
        .query({ limit: 2, cursor: first.body.nextCursor })
        .set(bearer(ws.owner.personalToken))
        .expect(200);
      expect(second.body).toMatchObject({ items: [{ id: made[0] }], nextCursor: null });
    });

    it('refuses a second team of the same name (any case) with 409', async () => {
      const ws = await newWorkspace(t);
      await createTeam(ws, { name: 'Ops' });
      const res = await t
        .http()
        .post(teams(ws.id))
        .set(bearer(ws.owner.personalToken))
        .send({ name: 'OPS', roleIds: [], deviceAccess: { mode: 'all' } });
      expectProblem(res, 409, 'conflict');
    });

    it('keeps ownership personal: a team cannot hold the owner role (400)', async () => {
      const ws = await newWorkspace(t);
      const res = await t
        .http()
        .post(teams(ws.id))
        .set(bearer(ws.owner.personalToken))
        .send({ name: 'Owners', roleIds: [ws.roles.owner], deviceAccess: { mode: 'all' } });
      expect(expectProblem(res, 400, 'validation_failed').errors).toEqual([
        { field: 'roleIds', message: expect.stringContaining('owner') },
      ]);
      const team = await createTeam(ws, {});
      const patched = await t
        .http()
        .patch(teams(ws.id, `/${team.id}`))
        .set(bearer(ws.owner.personalToken))
        .send({ roleIds: [ws.roles.owner] });
      expectProblem(patched, 400, 'validation_failed');
    });

    it.each([
      ['no name', { roleIds: [], deviceAccess: { mode: 'all' } }],
      ['a blank name', { name: '   ', roleIds: [], deviceAccess: { mode: 'all' } }],
      ['a huge name', { name: 'x'.repeat(101), roleIds: [], deviceAccess: { mode: 'all' } }],
      ['no device access', { name: 'a', roleIds: [] }],
      ['a bad device mode', { name: 'a', roleIds: [], deviceAccess: { mode: 'some' } }],
      ['roleIds not uuids', { name: 'a', roleIds: ['nope'], deviceAccess: { mode: 'all' } }],
      ['repeated roleIds', { name: 'a', roleIds: [randomUUID(), 'x'], deviceAccess: { mode: 'all' } }],
      ['an unknown field', { name: 'a', roleIds: [], deviceAccess: { mode: 'all' }, ownerId: randomUUID() }],
      ['a null description', { name: 'a', description: null, roleIds: [], deviceAccess: { mode: 'all' } }],
      ['21 roles', { name: 'a', roleIds: Array.from({ length: 21 }, () => randomUUID()), deviceAccess: { mode: 'all' } }],
      [
        '1001 devices',
        { name: 'a', roleIds: [], deviceAccess: { mode: 'selected', deviceIds: Array.from({ length: 1001 }, () => randomUUID()) } },
      ],
      ['a huge description', { name: 'a', description: 'd'.repeat(501), roleIds: [], deviceAccess: { mode: 'all' } }],
      ['roleIds as a string', { name: 'a', roleIds: 'viewer', deviceAccess: { mode: 'all' } }],
    ])('refuses a team with %s (400)', async (_label, body) => {
      const ws = await newWorkspace(t);
      expectProblem(await t.http().post(teams(ws.id)).set(bearer(ws.owner.personalToken)).send(body), 400, 'validation_failed');
    });

    it('keeps a unicode name as sent', async () => {
      const ws = await newWorkspace(t);
      const team = await createTeam(ws, { name: 'Équipe 北京 🚜' });
      expect(team.name).toBe('Équipe 北京 🚜');
    });

    it('refuses roles and devices of another workspace with 400, as if they did not exist', async () => {
      const ws = await newWorkspace(t);
      const other = await newWorkspace(t);
      const theirDevice = (await other.device()).id;
      const byRole = await t
        .http()
        .post(teams(ws.id))
        .set(bearer(ws.owner.personalToken))
        .send({ name: 'a', roleIds: [other.roles.viewer], deviceAccess: { mode: 'all' } });
      expectProblem(byRole, 400, 'validation_failed');
      const byDevice = await t
        .http()
        .post(teams(ws.id))
        .set(bearer(ws.owner.personalToken))
        .send({ name: 'b', roleIds: [], deviceAccess: { mode: 'selected', deviceIds: [theirDevice] } });
      expectProblem(byDevice, 400, 'validation_failed');
    });

    it('puts members and API users in a team and takes them out, idempotently, each audited once', async () => {
      const ws = await newWorkspace(t);
      const member = await ws.member('viewer');
      const bot = await ws.apiUser({ roles: ['viewer'] });
      const team = await createTeam(ws, { roleIds: [ws.roles.viewer] });
      await putMember(ws, team.id, member.id).expect(200);
      const again = await putMember(ws, team.id, member.id).expect(200);
      expect(again.body.members).toEqual([{ userId: member.id, email: member.email, name: expect.any(String) }]);
      const withBot = await putApiUser(ws, team.id, bot.id).expect(200);
      expect(withBot.body.apiUsers).toEqual([{ id: bot.id, name: expect.any(String) }]);
      expect(await auditActions(ws, 'team.member_added')).toHaveLength(2);

      await deleteMember(ws, team.id, member.id).expect(204);
      expectProblem(await deleteMember(ws, team.id, member.id), 404, 'not_found');
      await t
        .http()
        .delete(teams(ws.id, `/${team.id}/api-users/${bot.id}`))
        .set(bearer(ws.owner.personalToken))
        .expect(204);
      const after = await t
        .http()
        .get(teams(ws.id, `/${team.id}`))
        .set(bearer(ws.owner.personalToken))
        .expect(200);
      expect({ members: after.body.members, apiUsers: after.body.apiUsers }).toEqual({ members: [], apiUsers: [] });
      expect(await auditActions(ws, 'team.member_removed')).toHaveLength(2);
    });

    it('answers 404 for a member id that is an API user, and an API user id that is a member', async () => {
      const ws = await newWorkspace(t);
      const member = await ws.member('viewer');
      const bot = await ws.apiUser({ roles: ['viewer'] });
      const team = await createTeam(ws, {});
      expectProblem(await putMember(ws, team.id, bot.id), 404, 'not_found');
      expectProblem(await putApiUser(ws, team.id, member.id), 404, 'not_found');
    });

    it('refuses to delete a role a team holds (409), and a deleted device leaves the team', async () => {
      const ws = await newWorkspace(t);
      const role = await ws.role(['workspace:read', 'audit:read']);
      const device = (await ws.device()).id;
      const team = await createTeam(ws, { roleIds: [role], deviceAccess: { mode: 'selected', deviceIds: [device] } });
      expectProblem(await t.http().delete(`/v1/workspaces/${ws.id}/roles/${role}`).set(bearer(ws.owner.personalToken)), 409, 'conflict');
      await t.http().delete(`/v1/workspaces/${ws.id}/devices/${device}`).set(bearer(ws.owner.personalToken)).expect(204);
      const after = await t
        .http()
        .get(teams(ws.id, `/${team.id}`))
        .set(bearer(ws.owner.personalToken))
        .expect(200);
      expect(after.body.deviceAccess).toEqual({ mode: 'selected', deviceIds: [] });
    });

    it('takes a member who leaves the workspace out of its teams, and deletes teams with the workspace', async () => {
      const ws = await newWorkspace(t);
      const member = await ws.member('viewer');
      const team = await createTeam(ws, { roleIds: [ws.roles.viewer] });
      await putMember(ws, team.id, member.id).expect(200);
      await t.http().post(`/v1/workspaces/${ws.id}/leave`).set(bearer(member.personalToken)).expect(204);
      const after = await t
        .http()
        .get(teams(ws.id, `/${team.id}`))
        .set(bearer(ws.owner.personalToken))
        .expect(200);
      expect(after.body.members).toEqual([]);
      await t.http().delete(`/v1/workspaces/${ws.id}`).set(bearer(ws.owner.personalToken)).expect(204);
      expect(await t.dataSource.query('SELECT count(*)::int AS n FROM teams WHERE workspace_id = $1', [ws.id])).toEqual([{ n: 0 }]);
      expect(await t.dataSource.query('SELECT count(*)::int AS n FROM team_roles WHERE workspace_id = $1', [ws.id])).toEqual([{ n: 0 }]);
    });
  });

  describe('rights are the union of own grants and teams', () => {
    it('adds a team role to /v1/authorize and a protected route at once, and takes it away at once (cached, no query)', async () => {
      const ws = await newWorkspace(t);
      const member = await ws.member('viewer');
      const auditor = await ws.role(['workspace:read', 'audit:read']);
      const team = await createTeam(ws, { roleIds: [auditor] });
      // The check is cached before the change.
      expectProblem(await authorize(member.personalToken, ws.id, 'audit:read'), 403, 'forbidden');
      expectProblem(await t.http().get(`/v1/workspaces/${ws.id}/audit-events`).set(bearer(member.personalToken)), 403, 'forbidden');

      await putMember(ws, team.id, member.id).expect(200);
      await authorize(member.personalToken, ws.id, 'audit:read').expect(204);
      await t.http().get(`/v1/workspaces/${ws.id}/audit-events`).set(bearer(member.personalToken)).expect(200);
      // Its own roles stay its own; the team shows on the access.
      const seen = await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(member.personalToken)).expect(200);
      expect(seen.body.access.permissions).toEqual(expect.arrayContaining(['audit:read', 'members:read']));
      const shown = await t.http().get(`/v1/workspaces/${ws.id}/members/${member.id}`).set(bearer(ws.owner.personalToken)).expect(200);
      expect(shown.body.roles.map((r: { id: string }) => r.id)).toEqual([ws.roles.viewer]);

      // Cached: a second check costs no statement.
      await authorize(member.personalToken, ws.id, 'audit:read').expect(204);
      const before = t.queries.total;
      await authorize(member.personalToken, ws.id, 'audit:read').expect(204);
      expect(t.queries.total - before).toBe(0);

      await deleteMember(ws, team.id, member.id).expect(204);
      expectProblem(await authorize(member.personalToken, ws.id, 'audit:read'), 403, 'forbidden');
      await authorize(member.personalToken, ws.id, 'members:read').expect(204);
    });

    it('takes the rights away from everyone in the team when its roles change or it is deleted', async () => {
      const ws = await newWorkspace(t);
      const a = await ws.member('viewer');
      const bot = await ws.apiUser({ roles: ['viewer'] });
      const auditor = await ws.role(['workspace:read', 'audit:read']);
      const team = await createTeam(ws, { roleIds: [auditor] });
      await putMember(ws, team.id, a.id).expect(200);
      await putApiUser(ws, team.id, bot.id).expect(200);
      await authorize(a.personalToken, ws.id, 'audit:read').expect(204);
      await authorize(bot.token, ws.id, 'audit:read').expect(204);

      await t
        .http()
        .patch(teams(ws.id, `/${team.id}`))
        .set(bearer(ws.owner.personalToken))
        .send({ roleIds: [] })
        .expect(200);
      expectProblem(await authorize(a.personalToken, ws.id, 'audit:read'), 403, 'forbidden');
      expectProblem(await authorize(bot.token, ws.id, 'audit:read'), 403, 'forbidden');

      await t
        .http()
        .patch(teams(ws.id, `/${team.id}`))
        .set(bearer(ws.owner.personalToken))
        .send({ roleIds: [auditor] })
        .expect(200);
      await authorize(bot.token, ws.id, 'audit:read').expect(204);
      await t
        .http()
        .delete(teams(ws.id, `/${team.id}`))
        .set(bearer(ws.owner.personalToken))
        .expect(204);
      expectProblem(await authorize(bot.token, ws.id, 'audit:read'), 403, 'forbidden');
    });

    it("follows a team role's own change: narrowing the role narrows everyone in the team", async () => {
      const ws = await newWorkspace(t);
      const a = await ws.member('viewer');
      const role = await ws.role(['workspace:read', 'audit:read']);
      const team = await createTeam(ws, { roleIds: [role] });
      await putMember(ws, team.id, a.id).expect(200);
      await authorize(a.personalToken, ws.id, 'audit:read').expect(204);
      await t
        .http()
        .patch(`/v1/workspaces/${ws.id}/roles/${role}`)
        .set(bearer(ws.owner.personalToken))
        .send({ permissions: ['workspace:read'] })
        .expect(200);
      expectProblem(await authorize(a.personalToken, ws.id, 'audit:read'), 403, 'forbidden');
    });

    it('reaches devices through a team: selected ones join, and mode all covers a device created later', async () => {
      const ws = await newWorkspace(t);
      const [d1, d2, d3] = [(await ws.device()).id, (await ws.device()).id, (await ws.device()).id];
      const member = await ws.member('viewer', { devices: [d1] });
      const selected = await createTeam(ws, { deviceAccess: { mode: 'selected', deviceIds: [d2] } });
      await putMember(ws, selected.id, member.id).expect(200);
      await authorize(member.personalToken, ws.id, 'devices:read', d1).expect(204);
      await authorize(member.personalToken, ws.id, 'devices:read', d2).expect(204);
      expectProblem(await authorize(member.personalToken, ws.id, 'devices:read', d3), 403, 'forbidden');
      const seen = await t.http().get(`/v1/workspaces/${ws.id}/devices`).set(bearer(member.personalToken)).expect(200);
      expect(seen.body.items.map((d: { id: string }) => d.id).sort()).toEqual([d1, d2].sort());

      const everything = await createTeam(ws, { deviceAccess: { mode: 'all' } });
      await putMember(ws, everything.id, member.id).expect(200);
      await authorize(member.personalToken, ws.id, 'devices:read', d3).expect(204);
      const later = (await ws.device()).id;
      await authorize(member.personalToken, ws.id, 'devices:read', later).expect(204);
      await t.http().get(`/v1/workspaces/${ws.id}/devices/${later}`).set(bearer(member.personalToken)).expect(200);

      await deleteMember(ws, everything.id, member.id).expect(204);
      expectProblem(await authorize(member.personalToken, ws.id, 'devices:read', later), 403, 'forbidden');
      await authorize(member.personalToken, ws.id, 'devices:read', d2).expect(204);
    });

    it("narrows a token's team rights to its scopes", async () => {
      const ws = await newWorkspace(t);
      const member = await ws.member('viewer');
      const auditor = await ws.role(['workspace:read', 'audit:read']);
      const team = await createTeam(ws, { roleIds: [auditor] });
      await putMember(ws, team.id, member.id).expect(200);
      const scoped = await createNamedToken(t, member.personalToken, { scopes: ['workspace:read'] });
      await authorize(scoped.secret, ws.id, 'workspace:read').expect(204);
      expectProblem(await authorize(scoped.secret, ws.id, 'audit:read'), 403, 'insufficient_scope');
    });
  });

  describe('no escalation through teams', () => {
    it('refuses an admin putting itself into a team holding a permission it lacks', async () => {
      const ws = await newWorkspace(t);
      const admin = await ws.member('admin');
      const deleter = await ws.role(['workspace:delete']);
      const team = await createTeam(ws, { roleIds: [deleter] });
      expectProblem(await putMember(ws, team.id, admin.id, admin.personalToken), 403, 'forbidden');
      expectProblem(await authorize(admin.personalToken, ws.id, 'workspace:delete'), 403, 'forbidden');
      // Nor make such a team, change one to hand it out, or delete one that does.
      const made = await t
        .http()
        .post(teams(ws.id))
        .set(bearer(admin.personalToken))
        .send({ name: 'mine', roleIds: [deleter], deviceAccess: { mode: 'all' } });
      expectProblem(made, 403, 'forbidden');
      const mine = await createTeam(ws, {}, admin.personalToken);
      expectProblem(
        await t
          .http()
          .patch(teams(ws.id, `/${mine.id}`))
          .set(bearer(admin.personalToken))
          .send({ roleIds: [deleter] }),
        403,
        'forbidden',
      );
      expectProblem(
        await t
          .http()
          .delete(teams(ws.id, `/${team.id}`))
          .set(bearer(admin.personalToken)),
        403,
        'forbidden',
      );
      expect(
        (
          await t
            .http()
            .get(teams(ws.id, `/${team.id}`))
            .set(bearer(admin.personalToken))
            .expect(200)
        ).body.manageable,
      ).toBe(false);
    });

    it('refuses a member with teams:manage handing out a role or devices it does not hold', async () => {
      const ws = await newWorkspace(t);
      const [d1, d2] = [(await ws.device()).id, (await ws.device()).id];
      const manager = await ws.member({ id: await ws.role(['workspace:read', 'teams:read', 'teams:manage']) }, { devices: [d1] });
      const other = await ws.member({ id: await ws.role(['workspace:read']) }, { devices: [d1] });
      const create = (body: object) =>
        t
          .http()
          .post(teams(ws.id))
          .set(bearer(manager.personalToken))
          .send({ name: randomUUID(), ...body });
      expectProblem(await create({ roleIds: [ws.roles.viewer], deviceAccess: { mode: 'selected', deviceIds: [d1] } }), 403, 'forbidden');
      expectProblem(await create({ roleIds: [], deviceAccess: { mode: 'all' } }), 403, 'forbidden');
      expectProblem(await create({ roleIds: [], deviceAccess: { mode: 'selected', deviceIds: [d2] } }), 403, 'forbidden');
      const own = await create({ roleIds: [], deviceAccess: { mode: 'selected', deviceIds: [d1] } });
      expect(own.status).toBe(201);
      // An owner-made team handing out more: the manager can neither add the other member, nor itself.
      const strong = await createTeam(ws, { roleIds: [ws.roles.member] });
      expectProblem(await putMember(ws, strong.id, other.id, manager.personalToken), 403, 'forbidden');
      expectProblem(await putMember(ws, strong.id, manager.id, manager.personalToken), 403, 'forbidden');
      // It puts a weaker member into its own team, but not a stronger one, nor takes one out (it acts on that principal).
      await putMember(ws, own.body.id, other.id, manager.personalToken).expect(200);
      const viewer = await ws.member('viewer', { devices: [d1] });
      expectProblem(await putMember(ws, own.body.id, viewer.id, manager.personalToken), 403, 'forbidden');
      await putMember(ws, own.body.id, ws.owner.id).expect(200);
      expectProblem(await deleteMember(ws, own.body.id, ws.owner.id, manager.personalToken), 403, 'forbidden');
    });

    it('counts what a principal holds through its teams when another acts on it (members, roles held through a team)', async () => {
      const ws = await newWorkspace(t);
      const manager = await ws.member({
        id: await ws.role(['workspace:read', 'members:read', 'members:manage', 'roles:read', 'roles:manage', 'devices:read']),
      });
      const weak = await ws.role(['workspace:read']);
      const target = await ws.member({ id: weak });
      const reader = await ws.role(['devices:read']);
      const readers = await createTeam(ws, { roleIds: [reader] });
      const auditors = await createTeam(ws, { roleIds: [await ws.role(['audit:read'])] });
      await putMember(ws, readers.id, target.id).expect(200);
      // Before the target holds audit:read through a team, the manager may change it and the role it holds through a team.
      await t
        .http()
        .patch(`/v1/workspaces/${ws.id}/members/${target.id}`)
        .set(bearer(manager.personalToken))
        .send({ roleIds: [weak] })
        .expect(200);
      await putMember(ws, auditors.id, target.id).expect(200);
      expectProblem(
        await t
          .http()
          .patch(`/v1/workspaces/${ws.id}/members/${target.id}`)
          .set(bearer(manager.personalToken))
          .send({ roleIds: [weak] }),
        403,
        'forbidden',
      );
      expectProblem(
        await t.http().delete(`/v1/workspaces/${ws.id}/members/${target.id}`).set(bearer(manager.personalToken)),
        403,
        'forbidden',
      );
      // Narrowing a role the target holds only through a team acts on the target too.
      const narrowed = await t
        .http()
        .patch(`/v1/workspaces/${ws.id}/roles/${reader}`)
        .set(bearer(manager.personalToken))
        .send({ permissions: [] });
      expect(expectProblem(narrowed, 403, 'forbidden').detail).toMatch(/audit:read/);
      await authorize(target.personalToken, ws.id, 'devices:read').expect(204);
    });

    it('holds an API user token with restricted scopes to what its token carries', async () => {
      const ws = await newWorkspace(t);
      const bot = await ws.apiUser({ roles: ['admin'] });
      const scoped = await t
        .http()
        .post(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens`)
        .set(bearer(ws.owner.personalToken))
        .send({ scopes: ['teams:read', 'teams:manage'] })
        .expect(201);
      const secret = scoped.body.secret;
      const viewerTeam = await t
        .http()
        .post(teams(ws.id))
        .set(bearer(secret))
        .send({ name: 'v', roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } });
      expectProblem(viewerTeam, 403, 'forbidden');
      const team = await createTeam(ws, { roleIds: [ws.roles.viewer] });
      expectProblem(await putApiUser(ws, team.id, bot.id, secret), 403, 'forbidden');
      // Without teams:manage in its scopes, nothing at all.
      const readOnly = await t
        .http()
        .post(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens`)
        .set(bearer(ws.owner.personalToken))
        .send({ scopes: ['teams:read'] })
        .expect(201);
      expectProblem(await putApiUser(ws, team.id, bot.id, readOnly.body.secret), 403, 'insufficient_scope');
      await t.http().get(teams(ws.id)).set(bearer(readOnly.body.secret)).expect(200);
    });

    it('lets a teams:read role read teams but not change them, and a viewer not even read them', async () => {
      const ws = await newWorkspace(t);
      const viewer = await ws.member('viewer');
      const reader = await ws.member({ id: await ws.role(['workspace:read', 'teams:read']) });
      const team = await createTeam(ws, {});
      expectProblem(
        await t
          .http()
          .get(teams(ws.id, `/${team.id}`))
          .set(bearer(viewer.personalToken)),
        403,
        'forbidden',
      );
      await t
        .http()
        .get(teams(ws.id, `/${team.id}`))
        .set(bearer(reader.personalToken))
        .expect(200);
      expectProblem(await putMember(ws, team.id, reader.id, reader.personalToken), 403, 'forbidden');
      expectProblem(
        await t
          .http()
          .delete(teams(ws.id, `/${team.id}`))
          .set(bearer(reader.personalToken)),
        403,
        'forbidden',
      );
    });
  });

  describe('tenant isolation', () => {
    it("answers 404 for another workspace's team, member and API user ids on every team route", async () => {
      const ws = await newWorkspace(t);
      const other = await newWorkspace(t);
      const theirTeam = await createTeam(other, {});
      const theirMember = await other.member('viewer');
      const theirBot = await other.apiUser({ roles: ['viewer'] });
      const ourTeam = await createTeam(ws, {});
      const owner = bearer(ws.owner.personalToken);
      const answers = [
        await t
          .http()
          .get(teams(ws.id, `/${theirTeam.id}`))
          .set(owner),
        await t
          .http()
          .patch(teams(ws.id, `/${theirTeam.id}`))
          .set(owner)
          .send({ name: 'x' }),
        await t
          .http()
          .delete(teams(ws.id, `/${theirTeam.id}`))
          .set(owner),
        await putMember(ws, theirTeam.id, ws.owner.id),
        await putMember(ws, ourTeam.id, theirMember.id),
        await deleteMember(ws, ourTeam.id, theirMember.id),
        await putApiUser(ws, ourTeam.id, theirBot.id),
        await t
          .http()
          .delete(teams(ws.id, `/${ourTeam.id}/api-users/${theirBot.id}`))
          .set(owner),
        await putMember(ws, randomUUID(), ws.owner.id),
      ];
      for (const answer of answers) expectProblem(answer, 404, 'not_found');
      // Their team is untouched.
      const theirs = await t
        .http()
        .get(teams(other.id, `/${theirTeam.id}`))
        .set(bearer(other.owner.personalToken))
        .expect(200);
      expect(theirs.body.members).toEqual([]);
    });

    it('answers 404 to an outsider on every team route, whatever the ids', async () => {
      const ws = await newWorkspace(t);
      const outsider = await registerUser(t);
      const team = await createTeam(ws, {});
      const as = bearer(outsider.personalToken);
      const answers = [
        await t.http().get(teams(ws.id)).set(as),
        await t
          .http()
          .post(teams(ws.id))
          .set(as)
          .send({ name: 'x', roleIds: [], deviceAccess: { mode: 'all' } }),
        await t
          .http()
          .get(teams(ws.id, `/${team.id}`))
          .set(as),
        await t
          .http()
          .put(teams(ws.id, `/${team.id}/members/${outsider.id}`))
          .set(as),
      ];
      for (const answer of answers) expectProblem(answer, 404, 'not_found');
    });
  });

  it('makes one team of many same-named creates sent at once; the others 409', async () => {
    const ws = await newWorkspace(t);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        t
          .http()
          .post(teams(ws.id))
          .set(bearer(ws.owner.personalToken))
          .send({ name: i % 2 ? 'Same' : 'SAME', roleIds: [], deviceAccess: { mode: 'all' } }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    for (const r of results.filter((x) => x.status === 409)) expectProblem(r, 409, 'conflict');
    expect(await t.dataSource.query('SELECT count(*)::int AS n FROM teams WHERE workspace_id = $1', [ws.id])).toEqual([{ n: 1 }]);
  });

  it('answers concurrent puts of one member with one membership row and one event', async () => {
    const ws = await newWorkspace(t);
    const member = await ws.member('viewer');
    const team = await createTeam(ws, { roleIds: [ws.roles.viewer] });
    const results = await Promise.all(Array.from({ length: 8 }, () => putMember(ws, team.id, member.id)));
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(await t.dataSource.query('SELECT count(*)::int AS n FROM team_members WHERE team_id = $1', [team.id])).toEqual([{ n: 1 }]);
    expect(await auditActions(ws, 'team.member_added')).toHaveLength(1);
  });
});
