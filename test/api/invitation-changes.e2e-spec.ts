// An invitation's landing page (POST /v1/invitations/preview) and changing a pending invitation
// (PATCH /v1/workspaces/:wid/invitations/:id), with the attacks on both.
import { generateToken } from '../../src/auth/token-format';
import { bearer, createNamedToken, expectProblem, markEmailVerified, registerUser, uniqueEmail } from '../support/api';
import { newWorkspace, WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

const DAY = 86_400_000;
let t: TestApp;

async function invite(
  ws: WorkspaceFixture,
  body: { email?: string; roleIds?: string[]; deviceAccess?: object; expiresInDays?: number } = {},
  by = ws.owner.personalToken,
): Promise<{ id: string; secret: string; email: string }> {
  const email = body.email ?? uniqueEmail('invitee');
  const res = await t
    .http()
    .post(`/v1/workspaces/${ws.id}/invitations`)
    .set(bearer(by))
    .send({ email, roleIds: body.roleIds ?? [ws.roles.member], deviceAccess: body.deviceAccess ?? { mode: 'all' }, ...body });
  expect(res.status).toBe(201);
  return { id: res.body.invitation.id, secret: res.body.secret, email };
}

function preview(token: unknown) {
  return t.http().post('/v1/invitations/preview').send({ token });
}

function patch(ws: WorkspaceFixture, id: string, body: object, by = ws.owner.personalToken) {
  return t.http().patch(`/v1/workspaces/${ws.id}/invitations/${id}`).set(bearer(by)).send(body);
}

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('POST /v1/invitations/preview', () => {
  it('names the workspace, the inviter, the roles and the devices, and masks the address, without a token', async () => {
    const owner = await registerUser(t, uniqueEmail('owner'), 'Ada Owner');
    const ws = await newWorkspace(t, owner, 'Ünïcödé Labs');
    const thermo = await ws.device({ name: 'Thermostat' });
    const door = await ws.device({ name: 'Door sensor' });
    await ws.device({ name: 'Not granted' });
    const custom = await ws.role(['devices:read'], 'Readers');
    const inv = await invite(ws, {
      email: 'grace.hopper@example.com',
      roleIds: [ws.roles.viewer, custom],
      deviceAccess: { mode: 'selected', deviceIds: [thermo.id, door.id] },
    });
    const res = await preview(inv.secret).expect(200);
    expect(res.body).toEqual({
      workspace: { name: 'Ünïcödé Labs', slug: expect.any(String) },
      invitedBy: { type: 'user', name: 'Ada Owner' },
      emailMasked: 'g***@example.com',
      roles: [
        { id: custom, name: 'Readers' },
        { id: ws.roles.viewer, name: 'viewer' },
      ],
      deviceAccess: {
        mode: 'selected',
        devices: [
          { id: door.id, name: 'Door sensor' },
          { id: thermo.id, name: 'Thermostat' },
        ],
      },
      expiresAt: expect.any(String),
    });
    const text = JSON.stringify(res.body);
    expect(text).not.toContain('grace.hopper');
    expect(text).not.toContain(owner.email);
    expect(text).not.toContain(ws.id);
    expect(text).not.toContain(inv.secret);
    // A preview changes nothing: the invitee still accepts with the same secret.
    const invitee = await registerUser(t, 'grace.hopper@example.com');
    await markEmailVerified(t, invitee.id);
    await t.http().post('/v1/invitations/accept').set(bearer(invitee.personalToken)).send({ token: inv.secret }).expect(200);
  });

  it("names an API user that invited, and lists no devices for 'all'", async () => {
    const ws = await newWorkspace(t);
    const bot = await ws.apiUser({ roles: ['admin'], name: 'Onboarding bot' });
    const inv = await invite(ws, {}, bot.token);
    const res = await preview(inv.secret).expect(200);
    expect(res.body.invitedBy).toEqual({ type: 'api_user', name: 'Onboarding bot' });
    expect(res.body.deviceAccess).toEqual({ mode: 'all', devices: [] });
  });

  it('answers one 404 for an unknown, malformed, revoked, accepted, declined, expired or resent-away secret', async () => {
    const ws = await newWorkspace(t);
    const revoked = await invite(ws);
    await t.http().delete(`/v1/workspaces/${ws.id}/invitations/${revoked.id}`).set(bearer(ws.owner.personalToken)).expect(204);
    const invitee = await registerUser(t);
    const accepted = await invite(ws, { email: invitee.email });
    await markEmailVerified(t, invitee.id);
    await t.http().post('/v1/invitations/accept').set(bearer(invitee.personalToken)).send({ token: accepted.secret }).expect(200);
    const decliner = await registerUser(t);
    const declined = await invite(ws, { email: decliner.email });
    await t
      .http()
      .post(`/v1/invitations/${declined.id}/decline`)
      .set(bearer(decliner.personalToken))
      .send({ token: declined.secret })
      .expect(204);
    const resent = await invite(ws);
    await t.http().post(`/v1/workspaces/${ws.id}/invitations/${resent.id}/resend`).set(bearer(ws.owner.personalToken)).expect(200);
    const expiring = await invite(ws, { expiresInDays: 1 });

    const bodies = [];
    for (const token of [
      generateToken('lki_'),
      generateToken('lkp_'),
      'lki_short',
      'ü🚀',
      revoked.secret,
      accepted.secret,
      declined.secret,
      resent.secret,
    ]) {
      const res = await preview(token);
      expectProblem(res, 404, 'not_found');
      bodies.push({ ...res.body, requestId: undefined });
    }
    t.clock.advance(DAY + 1000);
    const expired = await preview(expiring.secret);
    expectProblem(expired, 404, 'not_found');
    bodies.push({ ...expired.body, requestId: undefined });
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
  });

  it('refuses junk bodies with 400, never 500', async () => {
    for (const body of [{}, { token: 42 }, { token: null }, { token: 'x'.repeat(5000) }, { token: 'lki_x', extra: 1 }]) {
      expectProblem(await t.http().post('/v1/invitations/preview').send(body), 400, 'validation_failed');
    }
    expectProblem(
      await t.http().post('/v1/invitations/preview').set('Content-Type', 'application/json').send('{"token":'),
      400,
      'validation_failed',
    );
  });
});

describe('GET /v1/me/invitations', () => {
  it('names the roles and devices each invitation grants, for the join page', async () => {
    const ws = await newWorkspace(t);
    const pump = await ws.device({ name: 'Pump' });
    const invitee = await registerUser(t);
    await markEmailVerified(t, invitee.id);
    await invite(ws, { email: invitee.email, roleIds: [ws.roles.viewer], deviceAccess: { mode: 'selected', deviceIds: [pump.id] } });
    const other = await newWorkspace(t);
    await invite(other, { email: invitee.email, roleIds: [other.roles.member] });
    const res = await t.http().get('/v1/me/invitations').set(bearer(invitee.personalToken)).expect(200);
    const byWorkspace = new Map(res.body.items.map((i: { workspace: { id: string } }) => [i.workspace.id, i]));
    expect(byWorkspace.get(ws.id)).toMatchObject({
      roles: [{ id: ws.roles.viewer, name: 'viewer' }],
      devices: [{ id: pump.id, name: 'Pump' }],
    });
    expect(byWorkspace.get(other.id)).toMatchObject({ roles: [{ id: other.roles.member, name: 'member' }], devices: [] });
  });
});

describe('PATCH /v1/workspaces/:wid/invitations/:id', () => {
  it("changes a pending invitation's roles and devices; accepting grants the new ones", async () => {
    const ws = await newWorkspace(t);
    const d1 = await ws.device();
    const invitee = await registerUser(t);
    const inv = await invite(ws, { email: invitee.email });
    const res = await patch(ws, inv.id, { roleIds: [ws.roles.viewer], deviceAccess: { mode: 'selected', deviceIds: [d1.id] } }).expect(200);
    expect(res.body).toMatchObject({
      id: inv.id,
      status: 'pending',
      roleIds: [ws.roles.viewer],
      deviceAccess: { mode: 'selected', deviceIds: [d1.id] },
      invitedByUserId: ws.owner.id,
    });
    // Only the roles: the devices stay.
    const roles = await patch(ws, inv.id, { roleIds: [ws.roles.member] }).expect(200);
    expect(roles.body.deviceAccess).toEqual({ mode: 'selected', deviceIds: [d1.id] });
    await markEmailVerified(t, invitee.id);
    const accepted = await t
      .http()
      .post('/v1/invitations/accept')
      .set(bearer(invitee.personalToken))
      .send({ token: inv.secret })
      .expect(200);
    expect(accepted.body.member.roles.map((r: { id: string }) => r.id)).toEqual([ws.roles.member]);
    expect(accepted.body.member.deviceAccess).toEqual({ mode: 'selected', deviceIds: [d1.id] });
    const events = await t
      .http()
      .get(`/v1/workspaces/${ws.id}/audit-events?action=invitation.updated`)
      .set(bearer(ws.owner.personalToken))
      .expect(200);
    expect(events.body.items).toHaveLength(2);
  });

  it('refuses an invitation that is no longer pending with 409', async () => {
    const ws = await newWorkspace(t);
    const revoked = await invite(ws);
    await t.http().delete(`/v1/workspaces/${ws.id}/invitations/${revoked.id}`).set(bearer(ws.owner.personalToken)).expect(204);
    expectProblem(await patch(ws, revoked.id, { roleIds: [ws.roles.viewer] }), 409, 'conflict');
    const expiring = await invite(ws, { expiresInDays: 1 });
    t.clock.advance(DAY + 1000);
    expectProblem(await patch(ws, expiring.id, { roleIds: [ws.roles.viewer] }), 409, 'conflict');
  });

  describe('attacks', () => {
    it("another workspace's invitation, or an unknown one, is 404 and unchanged", async () => {
      const ws = await newWorkspace(t);
      const other = await newWorkspace(t);
      const inv = await invite(other);
      expectProblem(await patch(ws, inv.id, { roleIds: [ws.roles.viewer] }), 404, 'not_found');
      // Through the other workspace's path, by a non-member: 404 too.
      expectProblem(await patch(other, inv.id, { roleIds: [other.roles.viewer] }, ws.owner.personalToken), 404, 'not_found');
      expectProblem(await patch(ws, '00000000-0000-4000-8000-000000000000', { roleIds: [ws.roles.viewer] }), 404, 'not_found');
      const listed = await t.http().get(`/v1/workspaces/${other.id}/invitations`).set(bearer(other.owner.personalToken)).expect(200);
      expect(listed.body.items[0].roleIds).toEqual([other.roles.member]);
    });

    it("refuses another workspace's roles and devices with 400", async () => {
      const ws = await newWorkspace(t);
      const other = await newWorkspace(t);
      const foreign = await other.device();
      const inv = await invite(ws);
      expectProblem(await patch(ws, inv.id, { roleIds: [other.roles.viewer] }), 400, 'validation_failed');
      expectProblem(await patch(ws, inv.id, { deviceAccess: { mode: 'selected', deviceIds: [foreign.id] } }), 400, 'validation_failed');
    });

    it('never escalates: a member manager cannot raise an invitation to admin, owner or more devices than they hold', async () => {
      const ws = await newWorkspace(t);
      const d1 = await ws.device();
      const d2 = await ws.device();
      const managerRole = await ws.role([
        'workspace:read',
        'members:read',
        'members:manage',
        'roles:read',
        'devices:read',
        'measurements:read',
      ]);
      const manager = await ws.member({ id: managerRole }, { devices: [d1.id] });
      const inv = await invite(
        ws,
        { roleIds: [ws.roles.viewer], deviceAccess: { mode: 'selected', deviceIds: [d1.id] } },
        manager.personalToken,
      );
      expectProblem(await patch(ws, inv.id, { roleIds: [ws.roles.admin] }, manager.personalToken), 403, 'forbidden');
      expectProblem(await patch(ws, inv.id, { roleIds: [ws.roles.owner] }, manager.personalToken), 403, 'forbidden');
      expectProblem(await patch(ws, inv.id, { deviceAccess: { mode: 'all' } }, manager.personalToken), 403, 'forbidden');
      expectProblem(
        await patch(ws, inv.id, { deviceAccess: { mode: 'selected', deviceIds: [d1.id, d2.id] } }, manager.personalToken),
        403,
        'forbidden',
      );
      // An invitation the owner made for admin cannot be touched by the manager, even only its devices.
      const adminInv = await invite(ws, { roleIds: [ws.roles.admin] });
      expectProblem(await patch(ws, adminInv.id, { deviceAccess: { mode: 'all' } }, manager.personalToken), 403, 'forbidden');
      // Owner with selected devices is refused, as on creation.
      expectProblem(
        await patch(ws, inv.id, { roleIds: [ws.roles.owner], deviceAccess: { mode: 'selected', deviceIds: [d1.id] } }),
        409,
        'conflict',
      );
      const listed = await t.http().get(`/v1/workspaces/${ws.id}/invitations`).set(bearer(ws.owner.personalToken)).expect(200);
      const unchanged = listed.body.items.find((i: { id: string }) => i.id === inv.id);
      expect(unchanged.roleIds).toEqual([ws.roles.viewer]);
    });

    it('refuses a viewer, an API user without members:manage, and a token without the scope', async () => {
      const ws = await newWorkspace(t);
      const inv = await invite(ws);
      const viewer = await ws.member('viewer');
      const bot = await ws.apiUser({ roles: ['viewer'] });
      const readOnly = await createNamedToken(t, ws.owner.personalToken, { scopes: ['members:read'] });
      expectProblem(await patch(ws, inv.id, { roleIds: [ws.roles.viewer] }, viewer.personalToken), 403, 'forbidden');
      expectProblem(await patch(ws, inv.id, { roleIds: [ws.roles.viewer] }, bot.token), 403, 'forbidden');
      expectProblem(await patch(ws, inv.id, { roleIds: [ws.roles.viewer] }, readOnly.secret), 403, 'insufficient_scope');
      expectProblem(
        await t
          .http()
          .patch(`/v1/workspaces/${ws.id}/invitations/${inv.id}`)
          .send({ roleIds: [ws.roles.viewer] }),
        401,
        'token_missing',
      );
    });

    it('an admin API user may change one within its rights', async () => {
      const ws = await newWorkspace(t);
      const inv = await invite(ws);
      const bot = await ws.apiUser({ roles: ['admin'] });
      const res = await patch(ws, inv.id, { roleIds: [ws.roles.viewer] }, bot.token).expect(200);
      expect(res.body).toMatchObject({ invitedByUserId: null, invitedByApiUserId: bot.id });
    });

    it('refuses junk with 400', async () => {
      const ws = await newWorkspace(t);
      const inv = await invite(ws);
      for (const body of [
        { roleIds: [] },
        { roleIds: ['nope'] },
        { roleIds: 'x' },
        { deviceAccess: { mode: 'some' } },
        { deviceAccess: { mode: 'selected' } },
        { deviceAccess: null },
        { email: 'other@example.com' },
        { roleIds: Array.from({ length: 5000 }, () => ws.roles.viewer) },
      ]) {
        expectProblem(await patch(ws, inv.id, body), 400, 'validation_failed');
      }
      expectProblem(
        await t.http().patch(`/v1/workspaces/${ws.id}/invitations/not-a-uuid`).set(bearer(ws.owner.personalToken)).send({}),
        400,
        'validation_failed',
      );
    });

    it('twice at once: both apply in turn, the last one wins, nothing breaks', async () => {
      const ws = await newWorkspace(t);
      const inv = await invite(ws);
      const results = await Promise.all([
        patch(ws, inv.id, { roleIds: [ws.roles.viewer] }),
        patch(ws, inv.id, { roleIds: [ws.roles.admin] }),
      ]);
      expect(results.map((r) => r.status)).toEqual([200, 200]);
      const listed = await t.http().get(`/v1/workspaces/${ws.id}/invitations`).set(bearer(ws.owner.personalToken)).expect(200);
      expect([[ws.roles.viewer], [ws.roles.admin]]).toContainEqual(listed.body.items[0].roleIds);
    });

    it('racing an accept: either the change lands first or it is refused as answered', async () => {
      const ws = await newWorkspace(t);
      const invitee = await registerUser(t);
      const inv = await invite(ws, { email: invitee.email });
      await markEmailVerified(t, invitee.id);
      const [changed, accepted] = await Promise.all([
        patch(ws, inv.id, { roleIds: [ws.roles.viewer] }),
        t.http().post('/v1/invitations/accept').set(bearer(invitee.personalToken)).send({ token: inv.secret }),
      ]);
      expect(accepted.status).toBe(200);
      const roles = accepted.body.member.roles.map((r: { id: string }) => r.id);
      if (changed.status === 200) expect(roles).toEqual([ws.roles.viewer]);
      else {
        expectProblem(changed, 409, 'conflict');
        expect(roles).toEqual([ws.roles.member]);
      }
    });
  });
});

// Its own app, made and closed after the others are done with theirs.
describe('POST /v1/invitations/preview, limited', () => {
  it('is rate-limited per address like every public route', async () => {
    const limited = await startTestApp({ LATCHKEY_RATE_LIMIT_PUBLIC_PER_IP: '2' });
    try {
      for (let i = 0; i < 2; i++)
        expect(
          (
            await limited
              .http()
              .post('/v1/invitations/preview')
              .send({ token: generateToken('lki_') })
          ).status,
        ).toBe(404);
      const res = await limited
        .http()
        .post('/v1/invitations/preview')
        .send({ token: generateToken('lki_') });
      expectProblem(res, 429, 'rate_limited');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
});
