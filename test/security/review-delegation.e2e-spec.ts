// Security review of delegation (2026-12-07): what a token hands on when it makes, rotates or uses
// something, each hole found by a reviewer and shown closed through HTTP (docs/security.md, "Delegation review").
import { acceptAsVerified, bearer, createNamedToken, expectProblem, registerUser, uniqueEmail } from '../support/api';
import { newWorkspace, WorkspaceFixture, type Member } from '../support/fixtures';
import { fromAddress } from '../support/from-address';
import { startTestApp, TestApp } from '../support/test-app';

describe('security review: delegation', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  }, 60_000);
  afterAll(() => t.close());

  const authorize = (secret: string, workspaceId: string) =>
    t.http().get(`/v1/authorize?workspaceId=${workspaceId}&permission=devices:read`).set(bearer(secret));

  describe('a token cut off from a workspace', () => {
    let ws: WorkspaceFixture;
    let member: Member;
    let own: string;
    let leaked: { id: string; secret: string };

    beforeAll(async () => {
      ws = await newWorkspace(t);
      member = await ws.member('member');
      own = (await t.http().post('/v1/workspaces').set(bearer(member.personalToken)).send({ name: 'Own' }).expect(201)).body.id;
      leaked = await createNamedToken(t, member.personalToken, { scopes: ['*'] });
      expect((await authorize(leaked.secret, ws.id)).status).toBe(204);
      await t.http().delete(`/v1/workspaces/${ws.id}/tokens/${leaked.id}`).set(bearer(ws.owner.personalToken)).expect(204);
      expect((await authorize(leaked.secret, ws.id)).status).toBe(401);
    });

    it('makes tokens that stay cut off from it (and still reach the workspaces it reaches)', async () => {
      const made = await createNamedToken(t, leaked.secret, { name: 'escape', scopes: ['*'] });
      expect((await authorize(made.secret, ws.id)).status).toBe(401);
      expect((await t.http().get(`/v1/workspaces/${ws.id}/members`).set(bearer(made.secret))).status).toBe(401);
      expect((await authorize(made.secret, own)).status).toBe(204);
      // And a token made by that one inherits the cut-off in turn.
      const grandchild = await createNamedToken(t, made.secret, { name: 'escape-2', scopes: ['*'] });
      expect((await authorize(grandchild.secret, ws.id)).status).toBe(401);
    });

    it('cannot make a token restricted to it (403), by REST or GraphQL', async () => {
      const rest = await t
        .http()
        .post('/v1/me/tokens')
        .set(bearer(leaked.secret))
        .send({ name: 'escape', scopes: ['*'], workspaceIds: [ws.id] });
      expectProblem(rest, 403, 'forbidden');
      const gql = await t
        .http()
        .post('/graphql')
        .set(bearer(leaked.secret))
        .send({
          query: 'mutation($input: CreateNamedTokenInput!) { createToken(input: $input) { secret } }',
          variables: { input: { name: 'escape', scopes: ['*'], workspaceIds: [ws.id] } },
        });
      expect(gql.body.data?.createToken ?? null).toBeNull();
      expect(gql.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });

    it('no longer lists it among its workspaces (REST and GraphQL); the member’s other tokens still do', async () => {
      const listed = await t.http().get('/v1/workspaces').set(bearer(leaked.secret)).expect(200);
      expect(listed.body.items.map((w: { id: string }) => w.id)).toEqual([own]);
      const gql = await t.http().post('/graphql').set(bearer(leaked.secret)).send({ query: '{ workspaces { items { id } } }' }).expect(200);
      expect(gql.body.data.workspaces.items.map((w: { id: string }) => w.id)).toEqual([own]);
      const personal = await t.http().get('/v1/workspaces').set(bearer(member.personalToken)).expect(200);
      expect(personal.body.items.map((w: { id: string }) => w.id).sort()).toEqual([own, ws.id].sort());
    });

    it("cannot rotate or enable another of the user's tokens that reaches it (the new secret would); its own rotation stays cut off", async () => {
      const other = await createNamedToken(t, member.personalToken, { name: 'other', scopes: ['*'] });
      expectProblem(await t.http().post(`/v1/me/tokens/${other.id}/rotate`).set(bearer(leaked.secret)).send({}), 403, 'forbidden');
      const restricted = await createNamedToken(t, member.personalToken, { name: 'only-there', scopes: ['*'], workspaceIds: [ws.id] });
      expectProblem(await t.http().post(`/v1/me/tokens/${restricted.id}/rotate`).set(bearer(leaked.secret)).send({}), 403, 'forbidden');
      await t.http().patch(`/v1/me/tokens/${other.id}`).set(bearer(member.personalToken)).send({ enabled: false }).expect(200);
      expectProblem(await t.http().patch(`/v1/me/tokens/${other.id}`).set(bearer(leaked.secret)).send({ enabled: true }), 403, 'forbidden');
      // The other token is untouched: still disabled, its secret unchanged.
      expect((await authorize(other.secret, own)).status).toBe(401);
      await t.http().patch(`/v1/me/tokens/${other.id}`).set(bearer(member.personalToken)).send({ enabled: true }).expect(200);
      expect((await authorize(other.secret, ws.id)).status).toBe(204);
      // Rotating itself is allowed: the new secret keeps the cut-off.
      const self = await createNamedToken(t, leaked.secret, { name: 'self', scopes: ['*'] });
      const rotated = await t.http().post(`/v1/me/tokens/${self.id}/rotate`).set(bearer(leaked.secret)).send({}).expect(200);
      expect((await authorize(rotated.body.secret, ws.id)).status).toBe(401);
      expect((await authorize(rotated.body.secret, own)).status).toBe(204);
    });

    it('does not hold back the member: their personal token still makes a token that reaches it', async () => {
      const fresh = await createNamedToken(t, member.personalToken, { scopes: ['*'], workspaceIds: [ws.id] });
      expect((await authorize(fresh.secret, ws.id)).status).toBe(204);
    });
  });

  describe('regenerating the personal token from a cut-off token', () => {
    it('is refused (the new personal token would reach the workspace); a fresh login session may', async () => {
      const ws = await newWorkspace(t);
      const member = await ws.member('member');
      const login = async () =>
        (await t.http().post('/v1/auth/login').send({ email: member.email, password: member.password }).expect(200)).body.token;
      const session = await login();
      const named = await createNamedToken(t, member.personalToken, { scopes: ['*'] });
      for (const token of [session, named]) {
        await t.http().delete(`/v1/workspaces/${ws.id}/tokens/${token.id}`).set(bearer(ws.owner.personalToken)).expect(204);
      }
      // A cut-off login session (its own proof of the password), and a cut-off token with the password.
      expectProblem(await t.http().post('/v1/me/personal-token/regenerate').set(bearer(session.secret)).send({}), 403, 'forbidden');
      const withPassword = await t
        .http()
        .post('/v1/me/personal-token/regenerate')
        .set(bearer(named.secret))
        .send({ currentPassword: member.password });
      expectProblem(withPassword, 403, 'forbidden');
      // Nothing was replaced: the personal token still works there.
      expect((await authorize(member.personalToken, ws.id)).status).toBe(204);
      const fresh = await login();
      const regenerated = await t.http().post('/v1/me/personal-token/regenerate').set(bearer(fresh.secret)).send({}).expect(200);
      expect((await authorize(regenerated.body.secret, ws.id)).status).toBe(204);
    });
  });

  describe('leaving a workspace', () => {
    it('takes account:manage: a token scoped to measurements:read is refused and the membership stays', async () => {
      const ws = await newWorkspace(t);
      const member = await ws.member('member');
      const narrow = await createNamedToken(t, member.personalToken, { scopes: ['measurements:read'], workspaceIds: [ws.id] });
      expectProblem(await t.http().post(`/v1/workspaces/${ws.id}/leave`).set(bearer(narrow.secret)), 403, 'insufficient_scope');
      const gql = await t
        .http()
        .post('/graphql')
        .set(bearer(narrow.secret))
        .send({ query: `mutation { leaveWorkspace(id: "${ws.id}") { id } }` });
      expect(gql.body.errors?.[0]?.extensions?.code).toBe('INSUFFICIENT_SCOPE');
      await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(member.personalToken)).expect(200);
    });

    it('a token with account:manage restricted to the workspace may leave it', async () => {
      const ws = await newWorkspace(t);
      const member = await ws.member('member');
      const manage = await createNamedToken(t, member.personalToken, { scopes: ['account:manage'], workspaceIds: [ws.id] });
      await t.http().post(`/v1/workspaces/${ws.id}/leave`).set(bearer(manage.secret)).expect(204);
      await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(member.personalToken)).expect(404);
    });
  });

  describe("rotating an API user's token", () => {
    it('hands out only what the caller could make: a scoped, network-bound token is refused (no "*", no escape from its network)', async () => {
      const ws = await newWorkspace(t);
      const bot = await ws.apiUser({ roles: ['viewer'] }); // its first token: "*", any network
      const admin = await ws.member('admin');
      // Every right the viewer bot holds (so acting on it is allowed), but not "*".
      const scopes = [
        'workspace:read',
        'members:read',
        'roles:read',
        'devices:read',
        'measurements:read',
        'api_users:read',
        'api_users:manage',
      ];
      const caller = (
        await t
          .http()
          .post('/v1/me/tokens')
          .set(bearer(admin.personalToken))
          .send({ name: 'ci', scopes, workspaceIds: [ws.id], allowedCidrs: ['127.0.0.1/32'] })
          .expect(201)
      ).body.secret;
      const url = `/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens/${bot.tokenId}/rotate`;
      expectProblem(await t.http().post(url).set(bearer(caller)).send({}), 403, 'forbidden');
      // The old secret is untouched, and the owner (who holds "*" from anywhere) may rotate it.
      await t.http().get(`/v1/workspaces/${ws.id}/devices`).set(bearer(bot.token)).expect(200);
      const rotated = await t.http().post(url).set(bearer(ws.owner.personalToken)).send({}).expect(200);
      expect(rotated.body.scopes).toEqual(['*']);
      const fromElsewhere = await fromAddress(
        t,
        '127.0.0.2',
        'GET',
        `/v1/workspaces/${ws.id}/devices`,
        undefined,
        bearer(rotated.body.secret),
      );
      expect(fromElsewhere.status).toBe(200);
    });

    it('a caller holding "*" but bound to a network cannot rotate an unbound token (it would escape the binding)', async () => {
      const ws = await newWorkspace(t);
      const bot = await ws.apiUser({ roles: ['viewer'] });
      const bound = await t
        .http()
        .post('/v1/me/tokens')
        .set(bearer(ws.owner.personalToken))
        .send({ name: 'bound', scopes: ['*'], allowedCidrs: ['127.0.0.1/32'] })
        .expect(201);
      const rotate = await t
        .http()
        .post(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens/${bot.tokenId}/rotate`)
        .set(bearer(bound.body.secret))
        .send({});
      expectProblem(rotate, 403, 'forbidden');
    });
  });

  describe('an invitation', () => {
    it('made by a short-lived session expires with it, and cannot be accepted after it', async () => {
      const ws = await newWorkspace(t);
      const session = (await t.http().post('/v1/auth/token').set(bearer(ws.owner.personalToken)).send({ expiresInSeconds: 60 }).expect(200))
        .body.token;
      const invitee = await registerUser(t, uniqueEmail('invitee'));
      const made = await t
        .http()
        .post(`/v1/workspaces/${ws.id}/invitations`)
        .set(bearer(session.secret))
        .send({ email: invitee.email, roleIds: [ws.roles.owner], deviceAccess: { mode: 'all' }, expiresInDays: 30 })
        .expect(201);
      expect(Date.parse(made.body.invitation.expiresAt)).toBeLessThanOrEqual(Date.parse(session.expiresAt));
      // Resent by the same session: capped again.
      const resent = await t
        .http()
        .post(`/v1/workspaces/${ws.id}/invitations/${made.body.invitation.id}/resend`)
        .set(bearer(session.secret))
        .send({ expiresInDays: 30 })
        .expect(200);
      expect(Date.parse(resent.body.invitation.expiresAt)).toBeLessThanOrEqual(Date.parse(session.expiresAt));
      t.clock.advanceSeconds(61);
      expectProblem(await acceptAsVerified(t, invitee.personalToken, { token: resent.body.secret }), 409, 'conflict');
      await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(invitee.personalToken)).expect(404);
    });

    it('changed by a short-lived session (its grant made owner) ends with that session', async () => {
      const ws = await newWorkspace(t);
      const invitee = await registerUser(t, uniqueEmail('invitee'));
      const made = await t
        .http()
        .post(`/v1/workspaces/${ws.id}/invitations`)
        .set(bearer(ws.owner.personalToken))
        .send({ email: invitee.email, roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' }, expiresInDays: 30 })
        .expect(201);
      const session = (await t.http().post('/v1/auth/token').set(bearer(ws.owner.personalToken)).send({ expiresInSeconds: 60 }).expect(200))
        .body.token;
      const changed = await t
        .http()
        .patch(`/v1/workspaces/${ws.id}/invitations/${made.body.invitation.id}`)
        .set(bearer(session.secret))
        .send({ roleIds: [ws.roles.owner] })
        .expect(200);
      expect(Date.parse(changed.body.expiresAt)).toBeLessThanOrEqual(Date.parse(session.expiresAt));
      t.clock.advanceSeconds(61);
      expectProblem(await acceptAsVerified(t, invitee.personalToken, { token: made.body.secret }), 409, 'conflict');
    });

    it('made by a login session or a token without expiry keeps the days asked for', async () => {
      const ws = await newWorkspace(t);
      const login = (await t.http().post('/v1/auth/login').send({ email: ws.owner.email, password: ws.owner.password }).expect(200)).body
        .token;
      const made = await t
        .http()
        .post(`/v1/workspaces/${ws.id}/invitations`)
        .set(bearer(login.secret))
        .send({ email: uniqueEmail('later'), roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' }, expiresInDays: 30 })
        .expect(201);
      const days = (Date.parse(made.body.invitation.expiresAt) - t.clock.now().getTime()) / 86_400_000;
      expect(days).toBeCloseTo(30, 3);
    });
  });

  describe('the audit log', () => {
    it('needs access to every device: a member limited to some devices cannot read it (it names every device)', async () => {
      const ws = await newWorkspace(t);
      const mine = await ws.device({ name: 'visible', serial: 'VIS-1' });
      await ws.device({ name: 'secret-boiler-room', serial: `HIDDEN-${Date.now()}` });
      const role = await ws.role(['workspace:read', 'devices:read', 'audit:read']);
      const limited = await ws.member({ id: role }, { devices: [mine.id] });
      const everything = await ws.member({ id: role });
      for (const path of ['audit-events?action=device.created', 'audit-events/export?format=csv']) {
        const refused = await t.http().get(`/v1/workspaces/${ws.id}/${path}`).set(bearer(limited.personalToken));
        expect(refused.status).toBe(403);
        expect(refused.text).not.toContain('secret-boiler-room');
      }
      const access = (await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(limited.personalToken)).expect(200)).body.access;
      expect(access.permissions).not.toContain('audit:read');
      const read = await t
        .http()
        .get(`/v1/workspaces/${ws.id}/audit-events?action=device.created`)
        .set(bearer(everything.personalToken))
        .expect(200);
      expect(JSON.stringify(read.body)).toContain('secret-boiler-room');
    });

    it('a token bound to devices no longer reads it either', async () => {
      const ws = await newWorkspace(t);
      const d1 = await ws.device();
      const bound = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'] });
      await t
        .http()
        .patch(`/v1/me/tokens/${bound.id}`)
        .set(bearer(ws.owner.personalToken))
        .send({ deviceIds: [d1.id] })
        .expect(200);
      expect((await t.http().get(`/v1/workspaces/${ws.id}/audit-events`).set(bearer(bound.secret))).status).toBe(403);
      await t.http().get(`/v1/workspaces/${ws.id}/audit-events`).set(bearer(ws.owner.personalToken)).expect(200);
    });
  });
});
