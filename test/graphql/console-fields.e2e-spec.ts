// The console's newer REST routes through GraphQL: sessions, an invitation's landing preview and its
// change, the token-policy preview, and an API user's grantable scopes. The same answers as REST, under
// the same rules, with the attacks of their REST tests.
import { bearer, createNamedToken, PASSWORD, registerUser, uniqueEmail, type RegisteredUser } from '../support/api';
import { newWorkspace, type WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';
import { codes, gql } from './gql';

describe('GraphQL: sessions, invitation previews and changes, policy previews', () => {
  let t: TestApp;
  let ws: WorkspaceFixture;
  let outsider: WorkspaceFixture;

  beforeAll(async () => {
    t = await startTestApp();
    ws = await newWorkspace(t);
    outsider = await newWorkspace(t);
  });
  afterAll(() => t.close());

  async function signIn(who: RegisteredUser): Promise<{ id: string; secret: string }> {
    const res = await t
      .http()
      .post('/v1/auth/login')
      .set('User-Agent', 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0')
      .send({ email: who.email, password: PASSWORD })
      .expect(200);
    return { id: res.body.token.id, secret: res.body.token.secret };
  }

  async function invite(body: { roleIds?: string[]; deviceAccess?: object } = {}) {
    const res = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/invitations`)
      .set(bearer(ws.owner.personalToken))
      .send({ email: uniqueEmail('invitee'), roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' }, ...body })
      .expect(201);
    return { id: res.body.invitation.id as string, secret: res.body.secret as string };
  }

  describe('sessions', () => {
    it('lists them as REST does, ends one, and ends every other but the current', async () => {
      const user = await registerUser(t);
      const laptop = await signIn(user);
      const phone = await signIn(user);
      const rest = await t.http().get('/v1/me/sessions').set(bearer(laptop.secret)).expect(200);
      const res = await gql(t, laptop.secret, '{ sessions { items { id current signIn device } nextCursor } }');
      expect(res.errors).toBeUndefined();
      const items = (res.data?.sessions as { items: Array<{ id: string; current: boolean; device: string }> }).items;
      expect(items.map((s) => s.id)).toEqual(rest.body.items.map((s: { id: string }) => s.id));
      expect(items.find((s) => s.id === laptop.id)).toMatchObject({ current: true, signIn: true, device: 'Firefox on Linux' });
      const ended = await gql(t, laptop.secret, 'mutation($id: ID!) { revokeSession(id: $id) { id } }', { id: phone.id });
      expect(ended.data).toEqual({ revokeSession: { id: phone.id } });
      expect((await t.http().get('/v1/me').set(bearer(phone.secret))).status).toBe(401);
      const third = await signIn(user);
      const others = await gql(t, laptop.secret, 'mutation { revokeOtherSessions { revoked } }');
      expect(others.data).toEqual({ revokeOtherSessions: { revoked: 1 } });
      expect((await t.http().get('/v1/me').set(bearer(third.secret))).status).toBe(401);
      await t.http().get('/v1/me').set(bearer(laptop.secret)).expect(200);
    });

    it("answers NOT_FOUND for another user's session, and REST's refusal to an API user or a restricted token", async () => {
      const victim = await registerUser(t);
      const session = await signIn(victim);
      const attacker = await registerUser(t);
      const res = await gql(t, attacker.personalToken, 'mutation($id: ID!) { revokeSession(id: $id) { id } }', { id: session.id });
      expect(codes(res)).toEqual(['NOT_FOUND']);
      await t.http().get('/v1/me').set(bearer(session.secret)).expect(200);
      const bot = await ws.apiUser({ roles: ['admin'] });
      const restricted = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'], workspaceIds: [ws.id] });
      for (const token of [bot.token, restricted.secret]) {
        // The code REST answers the same token (an API user: the account scopes it cannot hold).
        const rest = await t.http().get('/v1/me/sessions').set(bearer(token));
        expect(rest.status).toBe(403);
        for (const q of ['{ sessions { items { id } } }', 'mutation { revokeOtherSessions { revoked } }']) {
          expect({ q, codes: codes(await gql(t, token, q)) }).toEqual({ q, codes: [rest.body.code.toUpperCase()] });
        }
      }
      expect(codes(await gql(t, attacker.personalToken, 'mutation { revokeSession(id: "nope") { id } }'))).toEqual(['BAD_USER_INPUT']);
    });
  });

  describe('invitations', () => {
    it('previews an invitation without a token, as REST does, and one NOT_FOUND for every other secret', async () => {
      const device = await ws.device({ name: 'Thermostat' });
      const inv = await invite({ deviceAccess: { mode: 'selected', deviceIds: [device.id] } });
      const rest = await t.http().post('/v1/invitations/preview').send({ token: inv.secret }).expect(200);
      const q =
        'query($t: String!) { invitationPreview(input: { token: $t }) { workspace { name } invitedBy { type name } emailMasked roles { id name } deviceAccess { mode devices { id name } } } }';
      const res = await gql(t, null, q, { t: inv.secret });
      expect(res.errors).toBeUndefined();
      const { expiresAt: _expiresAt, workspace, ...sameAsRest } = rest.body;
      expect(res.data?.invitationPreview).toEqual({ ...sameAsRest, workspace: { name: workspace.name } });
      const bogus = await gql(t, null, q, { t: 'lki_thisIsNotAnInvitation' });
      const revoked = await invite();
      await t.http().delete(`/v1/workspaces/${ws.id}/invitations/${revoked.id}`).set(bearer(ws.owner.personalToken)).expect(204);
      const gone = await gql(t, null, q, { t: revoked.secret });
      expect(codes(bogus)).toEqual(['NOT_FOUND']);
      expect(codes(gone)).toEqual(['NOT_FOUND']);
      expect(gone.errors?.[0].message).toBe(bogus.errors?.[0].message);
      expect(codes(await gql(t, null, q, { t: 'x'.repeat(100_000) }))).toEqual(['BAD_USER_INPUT']);
    });

    it("changes a pending invitation for a members:manage holder; NOT_FOUND to outsiders, FORBIDDEN to viewers and past the caller's rights", async () => {
      const inv = await invite();
      const doc =
        'mutation($w: ID!, $id: ID!, $r: [ID!]) { updateInvitation(workspaceId: $w, id: $id, input: { roleIds: $r }) { id roleIds } }';
      const changed = await gql(t, ws.owner.personalToken, doc, { w: ws.id, id: inv.id, r: [ws.roles.member] });
      expect(changed.errors).toBeUndefined();
      expect(changed.data?.updateInvitation).toEqual({ id: inv.id, roleIds: [ws.roles.member] });
      // Another tenant: its own workspace id with the victim's invitation id, or the victim's workspace.
      expect(codes(await gql(t, outsider.owner.personalToken, doc, { w: ws.id, id: inv.id, r: [ws.roles.admin] }))).toEqual(['NOT_FOUND']);
      expect(codes(await gql(t, outsider.owner.personalToken, doc, { w: outsider.id, id: inv.id, r: [outsider.roles.admin] }))).toEqual([
        'NOT_FOUND',
      ]);
      const viewer = await ws.member('viewer');
      expect(codes(await gql(t, viewer.personalToken, doc, { w: ws.id, id: inv.id, r: [ws.roles.admin] }))).toEqual(['FORBIDDEN']);
      const admin = await ws.member('admin');
      expect(codes(await gql(t, admin.personalToken, doc, { w: ws.id, id: inv.id, r: [ws.roles.owner] }))).toEqual(['FORBIDDEN']);
      const after = await t.http().get(`/v1/workspaces/${ws.id}/invitations`).set(bearer(ws.owner.personalToken)).expect(200);
      const row = after.body.items.find((i: { id: string }) => i.id === inv.id);
      expect(row.roleIds).toEqual([ws.roles.member]);
    });
  });

  describe('token policy preview', () => {
    it('answers the owner what REST answers, saves nothing, and refuses an admin and an outsider', async () => {
      await ws.apiUser({ roles: ['viewer'] });
      const policy = { maxLifetimeDays: 30, allowPersonalTokens: false };
      const rest = await t
        .http()
        .post(`/v1/workspaces/${ws.id}/token-policy/preview`)
        .set(bearer(ws.owner.personalToken))
        .send(policy)
        .expect(200);
      const q =
        'query($w: ID!, $p: TokenPolicyInput!) { tokenPolicyPreview(workspaceId: $w, input: $p) { checked refused newlyRefused callerRefused truncated items { id policy { accepted reason } currentPolicy { accepted } } } }';
      const res = await gql(t, ws.owner.personalToken, q, { w: ws.id, p: policy });
      expect(res.errors).toBeUndefined();
      const preview = res.data?.tokenPolicyPreview as {
        checked: number;
        refused: number;
        callerRefused: boolean;
        items: Array<{ id: string }>;
      };
      expect(preview).toMatchObject({ checked: rest.body.checked, refused: rest.body.refused, callerRefused: rest.body.callerRefused });
      expect(preview.items.map((i) => i.id)).toEqual(rest.body.items.map((i: { id: string }) => i.id));
      expect(preview.refused).toBeGreaterThan(0);
      const saved = await t.http().get(`/v1/workspaces/${ws.id}/token-policy`).set(bearer(ws.owner.personalToken)).expect(200);
      expect(saved.body.allowPersonalTokens).toBe(true);
      const admin = await ws.member('admin');
      expect(codes(await gql(t, admin.personalToken, q, { w: ws.id, p: policy }))).toEqual(['FORBIDDEN']);
      expect(codes(await gql(t, outsider.owner.personalToken, q, { w: ws.id, p: policy }))).toEqual(['NOT_FOUND']);
      expect(codes(await gql(t, ws.owner.personalToken, q, { w: ws.id, p: { maxLifetimeDays: -1, allowPersonalTokens: true } }))).toEqual([
        'BAD_USER_INPUT',
      ]);
    });
  });

  it('filters the audit log as REST does: action prefix, actor, target, time range; junk filters are client errors', async () => {
    const device = await ws.device();
    const since = new Date(Date.now() - 60_000).toISOString();
    const query = `actionPrefix=device.&targetType=device&targetId=${device.id}&actorId=${ws.owner.id}&from=${since}`;
    const rest = await t.http().get(`/v1/workspaces/${ws.id}/audit-events?${query}`).set(bearer(ws.owner.personalToken)).expect(200);
    expect(rest.body.items.length).toBeGreaterThan(0);
    const q =
      'query($w: ID!, $p: String, $tt: String, $ti: ID, $a: ID, $f: String) { workspace(id: $w) { auditEvents(actionPrefix: $p, targetType: $tt, targetId: $ti, actorId: $a, from: $f) { items { id action } } } }';
    const v = { w: ws.id, p: 'device.', tt: 'device', ti: device.id, a: ws.owner.id, f: since };
    const res = await gql(t, ws.owner.personalToken, q, v);
    expect(res.errors).toBeUndefined();
    const items = (res.data?.workspace as { auditEvents: { items: Array<{ id: string; action: string }> } }).auditEvents.items;
    expect(items.map((e) => e.id)).toEqual(rest.body.items.map((e: { id: string }) => e.id));
    expect(items.every((e) => e.action.startsWith('device.'))).toBe(true);
    for (const junk of [{ p: "'; DROP TABLE audit_events; --" }, { f: 'yesterday' }, { tt: 'galaxy' }, { ti: 'nope' }]) {
      const bad = await gql(t, ws.owner.personalToken, q, { ...v, ...junk });
      expect({ junk, codes: codes(bad) }).toEqual({ junk, codes: ['BAD_USER_INPUT'] });
    }
  });

  it("answers an API user's grantable scopes and whether the caller may manage it, as REST does", async () => {
    const bot = await ws.apiUser({ roles: ['viewer'] });
    const q = 'query($w: ID!, $id: ID!) { workspace(id: $w) { apiUser(id: $id) { manageable grantablePermissions } } }';
    for (const who of [ws.owner.personalToken, (await ws.member('viewer')).personalToken]) {
      const rest = await t.http().get(`/v1/workspaces/${ws.id}/api-users/${bot.id}`).set(bearer(who));
      const res = await gql(t, who, q, { w: ws.id, id: bot.id });
      if (rest.status !== 200) {
        expect(codes(res)).toEqual([rest.body.code.toUpperCase()]);
        continue;
      }
      expect((res.data?.workspace as { apiUser: unknown }).apiUser).toEqual({
        manageable: rest.body.manageable,
        grantablePermissions: rest.body.grantablePermissions,
      });
    }
  });
});
