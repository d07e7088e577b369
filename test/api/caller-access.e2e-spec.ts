// What the server tells a caller it may do, so that clients need not work it out: `access` on
// GET /v1/workspaces/:wid (only the caller's own rights) and the token policy's verdict on each row
// of GET /v1/workspaces/:wid/tokens, through HTTP.
import {
  bearer,
  builtInRoles,
  createNamedToken,
  createWorkspace,
  expectProblem,
  inviteAndAccept,
  login,
  registerUser,
} from '../support/api';
import { startTestApp, TestApp } from '../support/test-app';

interface CallerAccess {
  isOwner: boolean;
  roleIds: string[];
  permissions: string[];
  deviceAccess: { mode: 'all' } | { mode: 'selected'; deviceIds: string[] };
}

describe('what the caller may do', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  async function accessOf(secret: string, wid: string): Promise<CallerAccess> {
    const res = await t.http().get(`/v1/workspaces/${wid}`).set(bearer(secret)).expect(200);
    return res.body.access;
  }

  async function rolePermissions(secret: string, wid: string, roleId: string): Promise<string[]> {
    const res = await t.http().get(`/v1/workspaces/${wid}/roles/${roleId}`).set(bearer(secret)).expect(200);
    return [...res.body.permissions].sort();
  }

  async function addDevice(secret: string, wid: string, serial: string): Promise<string> {
    return (await t.http().post(`/v1/workspaces/${wid}/devices`).set(bearer(secret)).send({ name: serial, serial }).expect(201)).body.id;
  }

  async function setup() {
    const owner = await registerUser(t);
    const ws = await createWorkspace(t, owner.personalToken);
    const roles = await builtInRoles(t, owner.personalToken, ws.id);
    const d1 = await addDevice(owner.personalToken, ws.id, 'D1');
    const d2 = await addDevice(owner.personalToken, ws.id, 'D2');
    return { owner, ws, roles, d1, d2 };
  }

  describe('access on GET /v1/workspaces/:wid', () => {
    it('tells an owner it is owner, with every permission of the catalog, sorted, and every device', async () => {
      const { owner, ws, roles } = await setup();
      const catalog = (await t.http().get('/v1/permissions').expect(200)).body.permissions.map((p: { name: string }) => p.name);
      const access = await accessOf(owner.personalToken, ws.id);
      expect(access).toEqual({ isOwner: true, roleIds: [roles.owner], permissions: [...catalog].sort(), deviceAccess: { mode: 'all' } });
    });

    it("tells a viewer its role's permissions and nothing about the other members", async () => {
      const { owner, ws, roles } = await setup();
      const viewer = await registerUser(t);
      await inviteAndAccept(t, owner.personalToken, ws.id, viewer, [roles.viewer]);
      const res = await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(viewer.personalToken)).expect(200);
      expect(res.body.access).toEqual({
        isOwner: false,
        roleIds: [roles.viewer],
        permissions: await rolePermissions(owner.personalToken, ws.id, roles.viewer),
        deviceAccess: { mode: 'all' },
      });
      expect(res.body.access.permissions).not.toContain('members:manage');
      expect(res.body.roles).toEqual([{ id: roles.viewer, name: 'viewer' }]);
      expect(JSON.stringify(res.body)).not.toContain(owner.id);
      expect(JSON.stringify(res.body)).not.toContain(roles.owner);
    });

    it('shows a member limited to some devices those devices only', async () => {
      const { owner, ws, roles, d1, d2 } = await setup();
      const member = await registerUser(t);
      await inviteAndAccept(t, owner.personalToken, ws.id, member, [roles.member], { mode: 'selected', deviceIds: [d1] });
      const res = await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(member.personalToken)).expect(200);
      expect(res.body.access).toEqual({
        isOwner: false,
        roleIds: [roles.member],
        permissions: await rolePermissions(owner.personalToken, ws.id, roles.member),
        deviceAccess: { mode: 'selected', deviceIds: [d1] },
      });
      expect(JSON.stringify(res.body)).not.toContain(d2);
    });

    it('tells an API user its own roles, permissions and devices', async () => {
      const { owner, ws, roles, d2 } = await setup();
      const created = await t
        .http()
        .post(`/v1/workspaces/${ws.id}/api-users`)
        .set(bearer(owner.personalToken))
        .send({ name: 'Ingest', roleIds: [roles.viewer], deviceAccess: { mode: 'selected', deviceIds: [d2] } })
        .expect(201);
      expect(await accessOf(created.body.token.secret, ws.id)).toEqual({
        isOwner: false,
        roleIds: [roles.viewer],
        permissions: await rolePermissions(owner.personalToken, ws.id, roles.viewer),
        deviceAccess: { mode: 'selected', deviceIds: [d2] },
      });
    });

    it("gives a token narrower than its holder's roles the token's rights only", async () => {
      const { owner, ws, roles } = await setup();
      const narrow = await createNamedToken(t, owner.personalToken, {
        scopes: ['workspace:read', 'devices:read', 'account:read'],
        workspaceIds: [ws.id],
        expiresInDays: 7,
      });
      const access = await accessOf(narrow.secret, ws.id);
      // account:read is an account scope, not a workspace permission: it grants nothing here.
      expect(access).toEqual({
        isOwner: true,
        roleIds: [roles.owner],
        permissions: ['devices:read', 'workspace:read'],
        deviceAccess: { mode: 'all' },
      });
      // Being owner is not enough for an owner-only action the token's scopes do not carry.
      expectProblem(await t.http().delete(`/v1/workspaces/${ws.id}`).set(bearer(narrow.secret)), 403, 'insufficient_scope');
    });

    it("answers another tenant's workspace with the same 404 as before, and no access", async () => {
      const { ws } = await setup();
      const stranger = await registerUser(t);
      await createWorkspace(t, stranger.personalToken, 'their own');
      const res = await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(stranger.personalToken));
      expectProblem(res, 404, 'not_found');
      expect(res.body).not.toHaveProperty('access');
    });

    it('keeps PATCH /v1/workspaces/:wid as it was: access is for GET', async () => {
      const { owner, ws } = await setup();
      const res = await t.http().patch(`/v1/workspaces/${ws.id}`).set(bearer(owner.personalToken)).send({ name: 'Renamed' }).expect(200);
      expect(res.body).not.toHaveProperty('access');
    });
  });

  describe("the token policy's verdict on GET /v1/workspaces/:wid/tokens", () => {
    async function exchange(secret: string): Promise<string> {
      return (await t.http().post('/v1/auth/token').set(bearer(secret)).send({}).expect(200)).body.token.id;
    }

    async function governed(secret: string, wid: string): Promise<Map<string, { accepted: boolean; reason?: string }>> {
      const res = await t.http().get(`/v1/workspaces/${wid}/tokens`).set(bearer(secret)).expect(200);
      return new Map(res.body.items.map((row: { id: string; policy: { accepted: boolean; reason?: string } }) => [row.id, row.policy]));
    }

    it('accepts every token under no policy', async () => {
      const { owner, ws } = await setup();
      const verdicts = await governed(owner.personalToken, ws.id);
      expect(verdicts.get(owner.personalTokenId)).toEqual({ accepted: true });
      expect([...verdicts.values()].every((v) => v.accepted)).toBe(true);
    });

    it('says which tokens the policy refuses, with the detail their holders get, judging a session by its root', async () => {
      const { owner, ws, roles } = await setup();
      const forever = await t
        .http()
        .post(`/v1/workspaces/${ws.id}/api-users`)
        .set(bearer(owner.personalToken))
        .send({ name: 'Forever', roleIds: [roles.viewer], deviceAccess: { mode: 'all' } })
        .expect(201);
      const apiUserId = forever.body.apiUser.id;
      const weekly = (
        await t
          .http()
          .post(`/v1/workspaces/${ws.id}/api-users/${apiUserId}/tokens`)
          .set(bearer(owner.personalToken))
          .send({ name: 'weekly', expiresInDays: 7 })
          .expect(201)
      ).body;
      const named = await createNamedToken(t, owner.personalToken, { scopes: ['*'], expiresInDays: 7 });
      const fromPersonal = await exchange(owner.personalToken);
      const session = await login(t, owner.email);
      await t
        .http()
        .put(`/v1/workspaces/${ws.id}/token-policy`)
        .set(bearer(owner.personalToken))
        .send({ maxLifetimeDays: 30, allowPersonalTokens: false })
        .expect(200);

      const verdicts = await governed(session, ws.id);
      const personal = await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(owner.personalToken));
      const refusedPersonal = expectProblem(personal, 403, 'token_policy').detail;
      const lifetime = expectProblem(
        await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(forever.body.token.secret)),
        403,
        'token_policy',
      ).detail;

      expect(verdicts.get(owner.personalTokenId)).toEqual({ accepted: false, reason: refusedPersonal });
      expect(verdicts.get(named.id)).toEqual({ accepted: false, reason: refusedPersonal });
      expect(verdicts.get(fromPersonal)).toEqual({ accepted: false, reason: refusedPersonal });
      expect(verdicts.get(forever.body.token.id)).toEqual({ accepted: false, reason: lifetime });
      expect(verdicts.get(weekly.id)).toEqual({ accepted: true });
      await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(weekly.secret)).expect(200);
    });
  });
});
