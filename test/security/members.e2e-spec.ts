// Audit findings (docs/security.md) M1, L1, L6, L8: nobody changes, removes or cuts off a principal holding
// more than they do; only owners act on owners, who always reach every device; a workspace-restricted
// token has no account-wide powers; a serial collision says nothing about devices out of reach.
import {
  bearer,
  builtInRoles,
  createNamedToken,
  createWorkspace,
  expectProblem,
  inviteAndAccept,
  RegisteredUser,
  registerUser,
} from '../support/api';
import { DataSource } from 'typeorm';
import { OwnersReachAllDevices1765000080000 } from '../../src/database/migrations/1765000080000-OwnersReachAllDevices';
import { fillPath, IdKind, routeTable } from '../support/route-table';
import { newWorkspace } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

describe('security: members, API users, restricted tokens (M1, L1, L6, L8)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  /** A workspace with an owner, an admin, two devices, and the built-in role ids. */
  async function setup() {
    const ws = await newWorkspace(t, undefined, 'Plant');
    const d1 = (await ws.device({ name: 'one', serial: 'S-one' })).id;
    const d2 = (await ws.device({ name: 'two', serial: 'S-two' })).id;
    const admin = await ws.member('admin');
    return { owner: ws.owner, admin, ws, roles: ws.roles, d1, d2 };
  }

  async function customRole(secret: string, wid: string, permissions: string[]): Promise<string> {
    const res = await t
      .http()
      .post(`/v1/workspaces/${wid}/roles`)
      .set(bearer(secret))
      .send({ name: `r-${Math.random().toString(36).slice(2, 8)}`, permissions })
      .expect(201);
    return res.body.id;
  }

  /** A user joined with one custom role of these permissions and this device access. */
  async function memberWith(ownerSecret: string, wid: string, permissions: string[], deviceAccess: object): Promise<RegisteredUser> {
    const user = await registerUser(t);
    await inviteAndAccept(t, ownerSecret, wid, user, [await customRole(ownerSecret, wid, permissions)], deviceAccess);
    return user;
  }

  const member = (secret: string, wid: string, userId: string) =>
    t.http().get(`/v1/workspaces/${wid}/members/${userId}`).set(bearer(secret));
  const patchMember = (secret: string, wid: string, userId: string, body: object) =>
    t.http().patch(`/v1/workspaces/${wid}/members/${userId}`).set(bearer(secret)).send(body);
  const VIEWER_PERMISSIONS = ['workspace:read', 'members:read', 'roles:read', 'devices:read', 'measurements:read'];

  describe('M1: acting on a principal needs every right it holds; only owners act on owners', () => {
    it('M1: a members:manage role with one device cannot demote, narrow or remove an admin, nor narrow the owner', async () => {
      const { owner, admin, ws, roles, d1 } = await setup();
      const manager = await memberWith(owner.personalToken, ws.id, [...VIEWER_PERMISSIONS, 'members:manage'], {
        mode: 'selected',
        deviceIds: [d1],
      });
      const m = manager.personalToken;
      expectProblem(await patchMember(m, ws.id, admin.id, { roleIds: [roles.viewer] }), 403, 'forbidden');
      expectProblem(await patchMember(m, ws.id, admin.id, { deviceAccess: { mode: 'selected', deviceIds: [d1] } }), 403, 'forbidden');
      expectProblem(await patchMember(m, ws.id, owner.id, { deviceAccess: { mode: 'selected', deviceIds: [d1] } }), 403, 'forbidden');
      expectProblem(await t.http().delete(`/v1/workspaces/${ws.id}/members/${admin.id}`).set(bearer(m)), 403, 'forbidden');
      // Nothing changed.
      const seen = (await member(owner.personalToken, ws.id, admin.id).expect(200)).body;
      expect(seen).toMatchObject({ deviceAccess: { mode: 'all' }, roles: [expect.objectContaining({ name: 'admin' })] });
      expect((await member(owner.personalToken, ws.id, owner.id).expect(200)).body.deviceAccess).toEqual({ mode: 'all' });
    });

    it('M1: the same manager cannot remove a member holding a permission it lacks, or reaching a device it cannot', async () => {
      const { owner, ws, roles, d1, d2 } = await setup();
      const manager = await memberWith(owner.personalToken, ws.id, [...VIEWER_PERMISSIONS, 'members:manage'], {
        mode: 'selected',
        deviceIds: [d1],
      });
      const writer = await registerUser(t);
      await inviteAndAccept(t, owner.personalToken, ws.id, writer, [roles.member], { mode: 'selected', deviceIds: [d1] });
      const wider = await registerUser(t);
      await inviteAndAccept(t, owner.personalToken, ws.id, wider, [roles.viewer], { mode: 'selected', deviceIds: [d1, d2] });
      const peer = await registerUser(t);
      await inviteAndAccept(t, owner.personalToken, ws.id, peer, [roles.viewer], { mode: 'selected', deviceIds: [d1] });
      const remove = (userId: string) => t.http().delete(`/v1/workspaces/${ws.id}/members/${userId}`).set(bearer(manager.personalToken));
      expect(expectProblem(await remove(writer.id), 403, 'forbidden').detail).toMatch(/devices:create/);
      expectProblem(await remove(wider.id), 403, 'forbidden');
      expectProblem(
        await patchMember(manager.personalToken, ws.id, wider.id, { deviceAccess: { mode: 'selected', deviceIds: [d1] } }),
        403,
        'forbidden',
      );
      // One who holds no more than the manager: changed and removed as before.
      await patchMember(manager.personalToken, ws.id, peer.id, { deviceAccess: { mode: 'selected', deviceIds: [] } }).expect(200);
      await remove(peer.id).expect(204);
    });

    it('M1: a token scoped below its roles acts only on principals within its scopes', async () => {
      const { owner, ws, roles } = await setup();
      const viewer = await registerUser(t);
      await inviteAndAccept(t, owner.personalToken, ws.id, viewer, [roles.viewer]);
      const scoped = await createNamedToken(t, owner.personalToken, { scopes: ['members:manage'], workspaceIds: [ws.id] });
      expectProblem(await t.http().delete(`/v1/workspaces/${ws.id}/members/${viewer.id}`).set(bearer(scoped.secret)), 403, 'forbidden');
      const wide = await createNamedToken(t, owner.personalToken, {
        scopes: ['members:manage', ...VIEWER_PERMISSIONS],
        workspaceIds: [ws.id],
      });
      await t.http().delete(`/v1/workspaces/${ws.id}/members/${viewer.id}`).set(bearer(wide.secret)).expect(204);
    });

    it("M1: a tokens:manage role cannot cut off an admin's or the owner's token; an admin cannot cut off the owner's", async () => {
      const { owner, admin, ws } = await setup();
      const cutter = await memberWith(owner.personalToken, ws.id, ['tokens:read', 'tokens:manage'], { mode: 'all' });
      const adminToken = await createNamedToken(t, admin.personalToken, { scopes: ['*'], workspaceIds: [ws.id] });
      const ownerToken = await createNamedToken(t, owner.personalToken, { scopes: ['*'], workspaceIds: [ws.id] });
      const cut = (secret: string, tokenId: string) => t.http().delete(`/v1/workspaces/${ws.id}/tokens/${tokenId}`).set(bearer(secret));
      expectProblem(await cut(cutter.personalToken, adminToken.id), 403, 'forbidden');
      expectProblem(await cut(cutter.personalToken, admin.personalTokenId), 403, 'forbidden');
      expectProblem(await cut(cutter.personalToken, ownerToken.id), 403, 'forbidden');
      expectProblem(await cut(admin.personalToken, ownerToken.id), 403, 'forbidden');
      await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(adminToken.secret)).expect(200);
      await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(admin.personalToken)).expect(200);
      // Within its rights it still works: an admin cuts off the tokens:manage member's token, the owner the admin's.
      await cut(admin.personalToken, cutter.personalTokenId).expect(204);
      await cut(owner.personalToken, adminToken.id).expect(204);
      expectProblem(await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(adminToken.secret)), 401, 'token_invalid');
    });

    it('M1: an admin cannot change the owner at all; the owner keeps device access all whatever is asked', async () => {
      const { owner, admin, ws, roles, d1 } = await setup();
      expectProblem(
        await patchMember(admin.personalToken, ws.id, owner.id, { deviceAccess: { mode: 'selected', deviceIds: [] } }),
        403,
        'forbidden',
      );
      expectProblem(await patchMember(admin.personalToken, ws.id, owner.id, { roleIds: [roles.owner, roles.admin] }), 403, 'forbidden');
      expectProblem(
        await t.http().delete(`/v1/workspaces/${ws.id}/members/${owner.id}`).set(bearer(admin.personalToken)),
        403,
        'forbidden',
      );
      // Not even the owner narrows an owner: an owner reaches every device, so the workspace never loses "all".
      expectProblem(
        await patchMember(owner.personalToken, ws.id, owner.id, { deviceAccess: { mode: 'selected', deviceIds: [d1] } }),
        409,
        'conflict',
      );
      expect((await member(owner.personalToken, ws.id, owner.id).expect(200)).body.deviceAccess).toEqual({ mode: 'all' });
      await t
        .http()
        .post(`/v1/workspaces/${ws.id}/devices`)
        .set(bearer(owner.personalToken))
        .send({ name: 'three', serial: 'S-three' })
        .expect(201);
    });

    it('M1: granting owner grants every device; owner with selected devices is refused', async () => {
      const { owner, ws, roles, d1 } = await setup();
      const narrow = await registerUser(t);
      await inviteAndAccept(t, owner.personalToken, ws.id, narrow, [roles.viewer], { mode: 'selected', deviceIds: [d1] });
      expectProblem(
        await patchMember(owner.personalToken, ws.id, narrow.id, {
          roleIds: [roles.owner],
          deviceAccess: { mode: 'selected', deviceIds: [d1] },
        }),
        409,
        'conflict',
      );
      const promoted = await patchMember(owner.personalToken, ws.id, narrow.id, { roleIds: [roles.owner] }).expect(200);
      expect(promoted.body.deviceAccess).toEqual({ mode: 'all' });
      // Demoted again, the device access can be narrowed in the same change.
      const demoted = await patchMember(owner.personalToken, ws.id, narrow.id, {
        roleIds: [roles.viewer],
        deviceAccess: { mode: 'selected', deviceIds: [d1] },
      }).expect(200);
      expect(demoted.body.deviceAccess).toEqual({ mode: 'selected', deviceIds: [d1] });
    });

    it('M1: an invitation to the owner role carries every device', async () => {
      const { owner, ws, roles, d1 } = await setup();
      const invitee = await registerUser(t);
      const body = { email: invitee.email, roleIds: [roles.owner], deviceAccess: { mode: 'selected', deviceIds: [d1] } };
      expectProblem(
        await t.http().post(`/v1/workspaces/${ws.id}/invitations`).set(bearer(owner.personalToken)).send(body),
        409,
        'conflict',
      );
      await inviteAndAccept(t, owner.personalToken, ws.id, invitee, [roles.owner], { mode: 'all' });
      expect((await member(owner.personalToken, ws.id, invitee.id).expect(200)).body.deviceAccess).toEqual({ mode: 'all' });
    });

    it('M1: the migration gives every device back to owners narrowed before the fix', async () => {
      const { owner, ws, d1 } = await setup();
      const dataSource = t.app.get(DataSource);
      // As an admin could leave it before the fix: the sole owner on one device, then none.
      await dataSource.query(`UPDATE memberships SET device_access = 'selected' WHERE workspace_id = $1 AND user_id = $2`, [
        ws.id,
        owner.id,
      ]);
      await dataSource.query(
        `INSERT INTO membership_devices (workspace_id, membership_id, device_id) SELECT workspace_id, id, $3 FROM memberships WHERE workspace_id = $1 AND user_id = $2`,
        [ws.id, owner.id, d1],
      );
      const runner = dataSource.createQueryRunner();
      try {
        await new OwnersReachAllDevices1765000080000().up(runner);
      } finally {
        await runner.release();
      }
      expect((await member(owner.personalToken, ws.id, owner.id).expect(200)).body.deviceAccess).toEqual({ mode: 'all' });
      const rows = await dataSource.query(
        `SELECT count(*)::int AS n FROM membership_devices md JOIN memberships m ON m.id = md.membership_id WHERE m.user_id = $1`,
        [owner.id],
      );
      expect(rows[0].n).toBe(0);
    });

    it('M1: a members:manage API user follows the same rule', async () => {
      const { owner, admin, ws, d1 } = await setup();
      const role = await customRole(owner.personalToken, ws.id, [...VIEWER_PERMISSIONS, 'members:manage']);
      const bot = (
        await t
          .http()
          .post(`/v1/workspaces/${ws.id}/api-users`)
          .set(bearer(owner.personalToken))
          .send({ name: 'hr-bot', roleIds: [role], deviceAccess: { mode: 'selected', deviceIds: [d1] } })
          .expect(201)
      ).body;
      expectProblem(
        await patchMember(bot.token.secret, ws.id, admin.id, { deviceAccess: { mode: 'selected', deviceIds: [] } }),
        403,
        'forbidden',
      );
      expectProblem(await t.http().delete(`/v1/workspaces/${ws.id}/members/${admin.id}`).set(bearer(bot.token.secret)), 403, 'forbidden');
    });

    it('M1: two owners narrowing each other at once leave both with every device', async () => {
      const { owner, ws, roles, d1 } = await setup();
      const second = await registerUser(t);
      await inviteAndAccept(t, owner.personalToken, ws.id, second, [roles.owner]);
      const results = await Promise.all([
        patchMember(owner.personalToken, ws.id, second.id, { deviceAccess: { mode: 'selected', deviceIds: [d1] } }),
        patchMember(second.personalToken, ws.id, owner.id, { deviceAccess: { mode: 'selected', deviceIds: [d1] } }),
      ]);
      expect(results.map((r) => r.status)).toEqual([409, 409]);
      for (const who of [owner, second])
        expect((await member(owner.personalToken, ws.id, who.id).expect(200)).body.deviceAccess).toEqual({ mode: 'all' });
    });
  });

  describe('M1: changing a role changes its holders', () => {
    it('M1: a roles:manage role cannot narrow a custom role held by someone stronger; renaming and the owner still can', async () => {
      const { owner, admin, ws, d1 } = await setup();
      const ops = await customRole(owner.personalToken, ws.id, ['devices:read', 'devices:update']);
      const roles = await builtInRoles(t, owner.personalToken, ws.id);
      await patchMember(owner.personalToken, ws.id, admin.id, { roleIds: [roles.admin, ops] }).expect(200);
      const editor = await memberWith(owner.personalToken, ws.id, ['roles:read', 'roles:manage', 'devices:read', 'devices:update'], {
        mode: 'selected',
        deviceIds: [d1],
      });
      const edit = (secret: string, body: object) => t.http().patch(`/v1/workspaces/${ws.id}/roles/${ops}`).set(bearer(secret)).send(body);
      expectProblem(await edit(editor.personalToken, { permissions: ['devices:read'] }), 403, 'forbidden');
      await edit(editor.personalToken, { name: 'operations', permissions: ['devices:update', 'devices:read'] }).expect(200);
      await edit(owner.personalToken, { permissions: ['devices:read'] }).expect(200);
    });
  });

  describe('M1 and L8: API users are changed, removed and cut off only by who holds their rights', () => {
    async function apiUserSetup() {
      const base = await setup();
      const { owner, ws, roles } = base;
      const create = (secret: string, body: object) => t.http().post(`/v1/workspaces/${ws.id}/api-users`).set(bearer(secret)).send(body);
      const strong = (
        await create(owner.personalToken, { name: 'admin-bot', roleIds: [roles.admin], deviceAccess: { mode: 'all' } }).expect(201)
      ).body;
      const managerRole = await customRole(owner.personalToken, ws.id, ['api_users:read', 'api_users:manage']);
      const manager = (
        await create(owner.personalToken, { name: 'bot-manager', roleIds: [managerRole], deviceAccess: { mode: 'all' } }).expect(201)
      ).body;
      return { ...base, strong, manager, managerRole };
    }
    const path = (wid: string, id: string, rest = '') => `/v1/workspaces/${wid}/api-users/${id}${rest}`;

    it('L8: an API user holding api_users:manage cannot rename, disable or delete an admin API user', async () => {
      const { owner, ws, strong, manager } = await apiUserSetup();
      const m = manager.token.secret;
      expectProblem(await t.http().patch(path(ws.id, strong.apiUser.id)).set(bearer(m)).send({ name: 'pwned' }), 403, 'forbidden');
      expectProblem(await t.http().patch(path(ws.id, strong.apiUser.id)).set(bearer(m)).send({ status: 'disabled' }), 403, 'forbidden');
      expectProblem(await t.http().delete(path(ws.id, strong.apiUser.id)).set(bearer(m)), 403, 'forbidden');
      const seen = (await t.http().get(path(ws.id, strong.apiUser.id)).set(bearer(owner.personalToken)).expect(200)).body;
      expect(seen).toMatchObject({ name: 'admin-bot', status: 'active' });
      // It still renames itself and its own kind.
      await t.http().patch(path(ws.id, manager.apiUser.id)).set(bearer(m)).send({ name: 'bot-manager-2' }).expect(200);
    });

    it("M1: a user with api_users:manage cannot revoke an admin API user's token, nor act on one with more devices", async () => {
      const { owner, ws, roles, d1, strong, managerRole } = await apiUserSetup();
      const narrow = await registerUser(t);
      await inviteAndAccept(t, owner.personalToken, ws.id, narrow, [managerRole, roles.viewer], { mode: 'selected', deviceIds: [d1] });
      const n = narrow.personalToken;
      expectProblem(
        await t
          .http()
          .delete(path(ws.id, strong.apiUser.id, `/tokens/${strong.token.id}`))
          .set(bearer(n)),
        403,
        'forbidden',
      );
      const viewerBot = (
        await t
          .http()
          .post(`/v1/workspaces/${ws.id}/api-users`)
          .set(bearer(owner.personalToken))
          .send({ name: 'viewer-bot', roleIds: [roles.viewer], deviceAccess: { mode: 'all' } })
          .expect(201)
      ).body;
      expectProblem(await t.http().patch(path(ws.id, viewerBot.apiUser.id)).set(bearer(n)).send({ status: 'disabled' }), 403, 'forbidden');
      expectProblem(
        await t
          .http()
          .delete(path(ws.id, viewerBot.apiUser.id, `/tokens/${viewerBot.token.id}`))
          .set(bearer(n)),
        403,
        'forbidden',
      );
      expectProblem(await t.http().delete(`/v1/workspaces/${ws.id}/tokens/${viewerBot.token.id}`).set(bearer(n)), 403, 'forbidden');
      await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(strong.token.secret)).expect(200);
      await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(viewerBot.token.secret)).expect(200);
      // Within its reach it still works.
      const small = (
        await t
          .http()
          .post(`/v1/workspaces/${ws.id}/api-users`)
          .set(bearer(owner.personalToken))
          .send({ name: 'small', roleIds: [roles.viewer], deviceAccess: { mode: 'selected', deviceIds: [d1] } })
          .expect(201)
      ).body;
      await t
        .http()
        .delete(path(ws.id, small.apiUser.id, `/tokens/${small.token.id}`))
        .set(bearer(n))
        .expect(204);
      await t.http().delete(path(ws.id, small.apiUser.id)).set(bearer(n)).expect(204);
    });
  });

  describe('L6: a serial collision says nothing of devices out of reach', () => {
    it('L6: changing a serial needs device access all; the answer is the same whether the serial is taken or not', async () => {
      const { owner, ws, roles, d1 } = await setup();
      const narrow = await registerUser(t);
      await inviteAndAccept(t, owner.personalToken, ws.id, narrow, [roles.member], { mode: 'selected', deviceIds: [d1] });
      const patch = (body: object) => t.http().patch(`/v1/workspaces/${ws.id}/devices/${d1}`).set(bearer(narrow.personalToken)).send(body);
      const taken = expectProblem(await patch({ serial: 'S-two' }), 403, 'forbidden');
      const free = expectProblem(await patch({ serial: 'S-free' }), 403, 'forbidden');
      expect({ ...taken, requestId: 0 }).toEqual({ ...free, requestId: 0 });
      expect(JSON.stringify(taken)).not.toContain('S-two');
      // Its own serial again, and everything else, it may still change.
      await patch({ serial: 'S-one', name: 'renamed' }).expect(200);
      // With every device in reach, the collision is a 409 as before.
      expectProblem(
        await t.http().patch(`/v1/workspaces/${ws.id}/devices/${d1}`).set(bearer(owner.personalToken)).send({ serial: 'S-two' }),
        409,
        'conflict',
      );
    });
  });

  describe('L1: a workspace-restricted token has no account-wide powers', () => {
    async function restrictedSetup() {
      const user = await registerUser(t);
      const ws = await createWorkspace(t, user.personalToken, 'Mine');
      const restricted = await createNamedToken(t, user.personalToken, { name: 'ci', scopes: ['*'], workspaceIds: [ws.id] });
      return { user, ws, restricted };
    }

    it("L1: cannot revoke the user's other tokens or session, nor accept or decline an invitation elsewhere", async () => {
      const { user, restricted } = await restrictedSetup();
      const session = (await t.http().post('/v1/auth/login').send({ email: user.email, password: user.password }).expect(200)).body.token;
      const other = await createNamedToken(t, user.personalToken, { name: 'other', scopes: ['*'] });
      for (const id of [other.id, user.personalTokenId, session.id]) {
        const res = await t.http().delete(`/v1/me/tokens/${id}`).set(bearer(restricted.secret));
        expect(expectProblem(res, 403, 'insufficient_scope').detail).toMatch(/restricted/i);
      }
      await t.http().get('/v1/me').set(bearer(session.secret)).expect(200);
      await t.http().get('/v1/me').set(bearer(other.secret)).expect(200);

      const stranger = await registerUser(t);
      const elsewhere = await createWorkspace(t, stranger.personalToken, 'Elsewhere');
      const roles = await builtInRoles(t, stranger.personalToken, elsewhere.id);
      const invitation = await t
        .http()
        .post(`/v1/workspaces/${elsewhere.id}/invitations`)
        .set(bearer(stranger.personalToken))
        .send({ email: user.email, roleIds: [roles.viewer], deviceAccess: { mode: 'all' } })
        .expect(201);
      expectProblem(
        await t.http().post('/v1/invitations/accept').set(bearer(restricted.secret)).send({ token: invitation.body.secret }),
        403,
        'insufficient_scope',
      );
      expectProblem(
        await t.http().post(`/v1/invitations/${invitation.body.invitation.id}/decline`).set(bearer(restricted.secret)),
        403,
        'insufficient_scope',
      );
      expectProblem(await t.http().get(`/v1/workspaces/${elsewhere.id}`).set(bearer(user.personalToken)), 404, 'not_found');
    });

    it('L1: every account:manage route and every account listing refuses it (found through the route table); GET /me answers', async () => {
      const { user, ws, restricted } = await restrictedSetup();
      const exchanged = (await t.http().post('/v1/auth/token').set(bearer(restricted.secret)).send({}).expect(200)).body.token
        .secret as string;
      const ids: Partial<Record<IdKind, string>> = {
        myToken: user.personalTokenId,
        mySession: crypto.randomUUID(),
        myInvitation: crypto.randomUUID(),
        workspace: ws.id,
      };
      // Account-wide routes: leaving a workspace also takes account:manage, but acts in its own :wid only,
      // which a token restricted to that workspace may (review-delegation.e2e-spec.ts).
      const accountRoutes = routeTable(t.app).filter(
        (r) =>
          r.rule?.kind === 'authenticated' &&
          (r.rule.scope === 'account:manage' || r.rule.scope === 'account:read') &&
          !r.rule.workspaceMember,
      );
      expect(accountRoutes.length).toBeGreaterThanOrEqual(14);
      const answered: string[] = [];
      for (const route of accountRoutes) {
        for (const secret of [restricted.secret, exchanged]) {
          const method = route.method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete';
          const res = await t
            .http()
            [method](fillPath(route.path, ids))
            .set(bearer(secret))
            .send(method === 'get' || method === 'delete' ? undefined : {});
          if (res.status === 200) answered.push(`${route.method} ${route.path}`);
          else expectProblem(res, 403, 'insufficient_scope');
        }
      }
      expect([...new Set(answered)]).toEqual(['GET /v1/me']);
      // The user's own tokens are all still alive; the unrestricted token does all of it.
      await t.http().get('/v1/me/tokens').set(bearer(user.personalToken)).expect(200);
      await t.http().post('/v1/workspaces').set(bearer(user.personalToken)).send({ name: 'Second' }).expect(201);
      // Inside its workspace the restricted token keeps every right.
      await t.http().post(`/v1/workspaces/${ws.id}/devices`).set(bearer(restricted.secret)).send({ name: 'd', serial: 'R-1' }).expect(201);
    });
  });
});
