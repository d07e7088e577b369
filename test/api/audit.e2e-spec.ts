// The audit log: what changes write, what they never write, who may read it, and how it filters and pages.
import {
  bearer,
  builtInRoles,
  createNamedToken,
  createWorkspace,
  expectProblem,
  login,
  markEmailVerified,
  PASSWORD,
  RegisteredUser,
  registerUser,
} from '../support/api';
import type { AuditEventView } from '../../src/audit/audit-log';
import { workspaceOf } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

/** An event as it arrives over HTTP: the view of src/audit, with its date as JSON text. */
type AuditEvent = Omit<AuditEventView, 'createdAt'> & { createdAt: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A whole token secret of any kind (a hint such as lkp_abcd…wxyz does not match). */
const SECRET = /lk[psai]_[0-9A-Za-z]{38}/;

async function createDevice(t: TestApp, secret: string, wid: string, serial: string): Promise<string> {
  const res = await t
    .http()
    .post(`/v1/workspaces/${wid}/devices`)
    .set(bearer(secret))
    .send({ name: `Sensor ${serial}`, serial })
    .expect(201);
  return res.body.id;
}

/** Every page of an audit listing (path with or without a query string). */
async function allEvents(t: TestApp, secret: string, path: string, query: Record<string, string | number> = {}): Promise<AuditEvent[]> {
  const items: AuditEvent[] = [];
  let cursor: string | null = null;
  do {
    const q: Record<string, string | number> = { limit: 200, ...query };
    if (cursor) q.cursor = cursor;
    const res = await t.http().get(path).query(q).set(bearer(secret)).expect(200);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return items;
}

const workspaceEvents = (t: TestApp, secret: string, wid: string, query: Record<string, string | number> = {}) =>
  allEvents(t, secret, `/v1/workspaces/${wid}/audit-events`, query);
const accountEvents = (t: TestApp, secret: string, query: Record<string, string | number> = {}) =>
  allEvents(t, secret, '/v1/me/audit-events', query);

async function countAllEvents(t: TestApp): Promise<number> {
  const [{ n }] = await t.dataSource.query('SELECT count(*)::int AS n FROM audit_events');
  return n;
}

/** Every key of a JSON value, at any depth. */
function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [k, ...keysOf(v)]);
  return [];
}

function only(events: AuditEvent[], action: string): AuditEvent {
  const found = events.filter((e) => e.action === action);
  expect({ action, count: found.length }).toEqual({ action, count: 1 });
  return found[0];
}

describe('audit log', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  describe('what changes write', () => {
    it('records each change with its action, workspace, actor, target, ip, details and time', async () => {
      const owner = await registerUser(t);
      const ownerActor = { type: 'user', id: owner.id, tokenId: owner.personalTokenId };
      const wid = (await createWorkspace(t, owner.personalToken, 'Audited')).id;
      await t.http().patch(`/v1/workspaces/${wid}`).set(bearer(owner.personalToken)).send({ name: 'Audited Renamed' }).expect(200);
      const role = await t
        .http()
        .post(`/v1/workspaces/${wid}/roles`)
        .set(bearer(owner.personalToken))
        .send({ name: 'Technician', permissions: ['devices:read', 'devices:update'] })
        .expect(201);
      const deviceId = await createDevice(t, owner.personalToken, wid, 'SN-AUDIT-1');
      const roles = await builtInRoles(t, owner.personalToken, wid);
      const invitee = await registerUser(t);
      const invitation = await t
        .http()
        .post(`/v1/workspaces/${wid}/invitations`)
        .set(bearer(owner.personalToken))
        .send({ email: invitee.email, roleIds: [roles.viewer], deviceAccess: { mode: 'all' } })
        .expect(201);
      await markEmailVerified(t, invitee.id);
      await t.http().post('/v1/invitations/accept').set(bearer(invitee.personalToken)).send({ token: invitation.body.secret }).expect(200);
      await t
        .http()
        .patch(`/v1/workspaces/${wid}/members/${invitee.id}`)
        .set(bearer(owner.personalToken))
        .send({ roleIds: [roles.member] })
        .expect(200);
      const inviteeToken = await createNamedToken(t, invitee.personalToken, { scopes: ['*'] });
      await t.http().delete(`/v1/workspaces/${wid}/tokens/${inviteeToken.id}`).set(bearer(owner.personalToken)).expect(204);
      const session = await login(t, owner.email);
      const sessionId = (await t.http().get('/v1/me/tokens?kind=session').set(bearer(session)).expect(200)).body.items[0].id;
      await t
        .http()
        .put(`/v1/workspaces/${wid}/token-policy`)
        .set(bearer(session))
        .send({ maxLifetimeDays: 30, allowPersonalTokens: true })
        .expect(200);
      await t.http().delete(`/v1/workspaces/${wid}/members/${invitee.id}`).set(bearer(session)).expect(204);

      const events = await workspaceEvents(t, session, wid);
      for (const event of events) {
        expect(event).toEqual({
          id: expect.stringMatching(UUID),
          action: expect.any(String),
          workspaceId: wid,
          actor: { type: 'user', id: expect.stringMatching(UUID), tokenId: expect.stringMatching(UUID) },
          target: { type: expect.any(String), id: expect.stringMatching(UUID) },
          ip: expect.stringMatching(/127\.0\.0\.1/),
          details: expect.any(Object),
          createdAt: expect.any(String),
        });
        expect(new Date(event.createdAt).toISOString()).toBe(event.createdAt);
      }
      expect(new Set(events.map((e) => e.id)).size).toBe(events.length);

      expect(only(events, 'workspace.created')).toMatchObject({
        actor: ownerActor,
        target: { type: 'workspace', id: wid },
        details: { name: 'Audited' },
      });
      expect(only(events, 'workspace.updated')).toMatchObject({
        actor: ownerActor,
        target: { type: 'workspace', id: wid },
        details: { name: 'Audited Renamed' },
      });
      expect(only(events, 'role.created')).toMatchObject({
        actor: ownerActor,
        target: { type: 'role', id: role.body.id },
        details: { name: 'Technician', permissions: ['devices:read', 'devices:update'] },
      });
      expect(only(events, 'device.created')).toMatchObject({
        actor: ownerActor,
        target: { type: 'device', id: deviceId },
        details: { serial: 'SN-AUDIT-1' },
      });
      expect(only(events, 'member.invited')).toMatchObject({
        actor: ownerActor,
        target: { type: 'invitation', id: invitation.body.invitation.id },
        details: { email: invitee.email, roleIds: [roles.viewer] },
      });
      expect(only(events, 'member.joined')).toMatchObject({
        actor: { type: 'user', id: invitee.id, tokenId: invitee.personalTokenId },
        target: { type: 'invitation', id: invitation.body.invitation.id },
      });
      expect(only(events, 'member.updated')).toMatchObject({
        actor: ownerActor,
        target: { type: 'user', id: invitee.id },
        details: { roleIds: [roles.member] },
      });
      expect(only(events, 'token.revoked')).toMatchObject({ actor: ownerActor, target: { type: 'token', id: inviteeToken.id } });
      expect(only(events, 'workspace.token_policy_changed')).toMatchObject({
        actor: { type: 'user', id: owner.id, tokenId: sessionId },
        target: { type: 'workspace', id: wid },
        details: { maxLifetimeDays: 30, allowPersonalTokens: true },
      });
      expect(only(events, 'member.removed')).toMatchObject({
        actor: { type: 'user', id: owner.id, tokenId: sessionId },
        target: { type: 'user', id: invitee.id },
      });
      // Account events (login, token creation) belong to /me/audit-events, not to the workspace.
      expect(events.map((e) => e.action)).not.toContain('session.created');
      expect(events.map((e) => e.action)).not.toContain('token.created');
    });

    it('never writes a secret or a password, anywhere in an event', async () => {
      const owner = await registerUser(t);
      const session = await login(t, owner.email);
      const wid = (await createWorkspace(t, session, 'Secrets')).id;
      const roles = await builtInRoles(t, session, wid);
      const invitee = await registerUser(t);
      const invitation = await t
        .http()
        .post(`/v1/workspaces/${wid}/invitations`)
        .set(bearer(session))
        .send({ email: invitee.email, roleIds: [roles.admin], deviceAccess: { mode: 'all' } })
        .expect(201);
      const resent = await t
        .http()
        .post(`/v1/workspaces/${wid}/invitations/${invitation.body.invitation.id}/resend`)
        .set(bearer(session))
        .send({})
        .expect(200);
      await markEmailVerified(t, invitee.id);
      await t.http().post('/v1/invitations/accept').set(bearer(invitee.personalToken)).send({ token: resent.body.secret }).expect(200);
      const named = await createNamedToken(t, owner.personalToken, { scopes: ['*'] });
      const rotated = await t.http().post(`/v1/me/tokens/${named.id}/rotate`).set(bearer(session)).send({ graceSeconds: 60 }).expect(200);
      await t.http().delete(`/v1/me/tokens/${rotated.body.id}`).set(bearer(session)).expect(204);
      const exchanged = await t.http().post('/v1/auth/token').set(bearer(owner.personalToken)).send({}).expect(200);
      const regenerated = await t.http().post('/v1/me/personal-token/regenerate').set(bearer(session)).expect(200);
      const newPassword = 'a brand new password for audit';
      await t
        .http()
        .patch('/v1/me')
        .set(bearer(regenerated.body.secret))
        .send({ password: newPassword, currentPassword: PASSWORD })
        .expect(200);
      await t.http().post('/v1/auth/login').send({ email: owner.email, password: 'not the password at all' }).expect(401);
      await t.http().delete(`/v1/workspaces/${wid}/members/${invitee.id}`).set(bearer(regenerated.body.secret)).expect(204);

      const secrets = [
        owner.personalToken,
        invitee.personalToken,
        session,
        invitation.body.secret,
        resent.body.secret,
        named.secret,
        rotated.body.secret,
        exchanged.body.token.secret,
        regenerated.body.secret,
        PASSWORD,
        newPassword,
        'not the password at all',
      ];
      const fromApi = [
        ...(await workspaceEvents(t, regenerated.body.secret, wid)),
        ...(await accountEvents(t, regenerated.body.secret)),
        ...(await accountEvents(t, invitee.personalToken)),
      ];
      expect(fromApi.map((e) => e.action)).toEqual(
        expect.arrayContaining([
          'member.invited',
          'invitation.resent',
          'member.joined',
          'token.created',
          'token.rotated',
          'token.revoked',
          'session.exchanged',
          'token.regenerated',
          'user.password_changed',
          'login.failed',
        ]),
      );
      const rows = await t.dataSource.query('SELECT * FROM audit_events');
      const hashRows = await t.dataSource.query('SELECT token_hash FROM tokens UNION ALL SELECT token_hash FROM invitations');
      const hashes = hashRows.map((r: { token_hash: string }) => r.token_hash);
      for (const dump of [JSON.stringify(fromApi), JSON.stringify(rows)]) {
        expect(dump).not.toMatch(SECRET);
        for (const secret of [...secrets, ...hashes]) expect(dump).not.toContain(secret);
      }
      for (const event of fromApi) {
        for (const key of keysOf(event.details)) expect(key).not.toMatch(/secret|password|hash/i);
      }
    });
  });

  describe('failed operations', () => {
    let owner: RegisteredUser;
    let wid: string;

    beforeEach(async () => {
      owner = await registerUser(t);
      wid = (await createWorkspace(t, owner.personalToken)).id;
    });

    it('a duplicate device serial answers 409 and writes no device.created', async () => {
      await createDevice(t, owner.personalToken, wid, 'SN-DUP');
      const before = await countAllEvents(t);
      const res = await t
        .http()
        .post(`/v1/workspaces/${wid}/devices`)
        .set(bearer(owner.personalToken))
        .send({ name: 'Again', serial: 'SN-DUP' });
      expectProblem(res, 409, 'conflict');
      expect(await countAllEvents(t)).toBe(before);
      const created = await workspaceEvents(t, owner.personalToken, wid, { action: 'device.created' });
      expect(created).toHaveLength(1);
    });

    it('a 403 escalation attempt writes nothing', async () => {
      const admin = await (await workspaceOf(t, owner, wid)).member('admin');
      const member = await (await workspaceOf(t, owner, wid)).member('member');
      const roles = await builtInRoles(t, owner.personalToken, wid);
      const before = await countAllEvents(t);

      const attempts = [
        // An admin writing a permission it lacks into a role.
        t
          .http()
          .post(`/v1/workspaces/${wid}/roles`)
          .set(bearer(admin.personalToken))
          .send({ name: 'Deleter', permissions: ['workspace:delete'] }),
        // An admin granting owner, by invitation or by a member change.
        t
          .http()
          .post(`/v1/workspaces/${wid}/invitations`)
          .set(bearer(admin.personalToken))
          .send({ email: 'new-owner@example.com', roleIds: [roles.owner], deviceAccess: { mode: 'all' } }),
        t
          .http()
          .patch(`/v1/workspaces/${wid}/members/${member.id}`)
          .set(bearer(admin.personalToken))
          .send({ roleIds: [roles.owner] }),
        // An admin changing the token policy, which only owners may.
        t
          .http()
          .put(`/v1/workspaces/${wid}/token-policy`)
          .set(bearer(admin.personalToken))
          .send({ maxLifetimeDays: 1, allowPersonalTokens: false }),
        // A member promoting itself, or changing the workspace.
        t
          .http()
          .patch(`/v1/workspaces/${wid}/members/${member.id}`)
          .set(bearer(member.personalToken))
          .send({ roleIds: [roles.admin] }),
        t.http().patch(`/v1/workspaces/${wid}`).set(bearer(member.personalToken)).send({ name: 'Mine now' }),
      ];
      for (const attempt of attempts) expectProblem(await attempt, 403, 'forbidden');
      expect(await countAllEvents(t)).toBe(before);
    });

    it('a refused request (400, 404, 409 last owner) writes nothing', async () => {
      const before = await countAllEvents(t);
      expectProblem(
        await t.http().post(`/v1/workspaces/${wid}/devices`).set(bearer(owner.personalToken)).send({ name: '', serial: 'SN-1' }),
        400,
        'validation_failed',
      );
      expectProblem(
        await t.http().delete(`/v1/workspaces/${wid}/members/${crypto.randomUUID()}`).set(bearer(owner.personalToken)),
        404,
        'not_found',
      );
      expectProblem(await t.http().post(`/v1/workspaces/${wid}/leave`).set(bearer(owner.personalToken)), 409, 'last_owner');
      expectProblem(
        await t.http().delete(`/v1/workspaces/${wid}/tokens/${crypto.randomUUID()}`).set(bearer(owner.personalToken)),
        404,
        'not_found',
      );
      expect(await countAllEvents(t)).toBe(before);
    });
  });

  describe('filters and pages', () => {
    let owner: RegisteredUser;
    let admin: RegisteredUser;
    let wid: string;

    beforeEach(async () => {
      owner = await registerUser(t);
      wid = (await createWorkspace(t, owner.personalToken)).id;
      admin = await (await workspaceOf(t, owner, wid)).member('admin');
    });

    it('filters by action and by actorId', async () => {
      for (let i = 0; i < 3; i++) await createDevice(t, owner.personalToken, wid, `SN-O${i}`);
      for (let i = 0; i < 2; i++) await createDevice(t, admin.personalToken, wid, `SN-A${i}`);

      const created = await workspaceEvents(t, owner.personalToken, wid, { action: 'device.created' });
      expect(created).toHaveLength(5);
      expect(created.every((e) => e.action === 'device.created')).toBe(true);

      const byAdmin = await workspaceEvents(t, owner.personalToken, wid, { actorId: admin.id });
      expect(byAdmin.map((e) => e.action).sort()).toEqual(['device.created', 'device.created', 'member.joined']);
      expect(byAdmin.every((e) => e.actor.id === admin.id)).toBe(true);

      const both = await workspaceEvents(t, owner.personalToken, wid, { action: 'device.created', actorId: owner.id });
      expect(both.map((e) => e.details.serial).sort()).toEqual(['SN-O0', 'SN-O1', 'SN-O2']);

      expect(await workspaceEvents(t, owner.personalToken, wid, { action: 'device.deleted' })).toEqual([]);
      expect(await workspaceEvents(t, owner.personalToken, wid, { actorId: crypto.randomUUID() })).toEqual([]);
    });

    it('rejects a bad filter, limit or cursor with 400', async () => {
      for (const query of ['action=DROP%20TABLE', 'actorId=nobody', 'limit=0', 'limit=201', 'cursor=garbage', 'foo=bar']) {
        expectProblem(
          await t.http().get(`/v1/workspaces/${wid}/audit-events?${query}`).set(bearer(owner.personalToken)),
          400,
          'validation_failed',
        );
      }
    });

    it('pages newest first, and the pages add up to the whole log', async () => {
      const serials: string[] = [];
      for (let i = 0; i < 7; i++) {
        t.clock.advance(1000);
        serials.push(`SN-P${i}`);
        await createDevice(t, owner.personalToken, wid, serials[i]);
      }
      const whole = (await t.http().get(`/v1/workspaces/${wid}/audit-events?limit=200`).set(bearer(owner.personalToken)).expect(200)).body;
      expect(whole.nextCursor).toBeNull();
      const times = whole.items.map((e: AuditEvent) => new Date(e.createdAt).getTime());
      expect(times).toEqual([...times].sort((a: number, b: number) => b - a));
      const devices = whole.items.filter((e: AuditEvent) => e.action === 'device.created').map((e: AuditEvent) => e.details.serial);
      expect(devices).toEqual([...serials].reverse());

      const paged: AuditEvent[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: Record<string, string | number> = { limit: 3 };
        if (cursor) query.cursor = cursor;
        const res = await t.http().get(`/v1/workspaces/${wid}/audit-events`).query(query).set(bearer(owner.personalToken)).expect(200);
        expect(res.body.items.length).toBeLessThanOrEqual(3);
        paged.push(...res.body.items);
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor);
      expect(paged.map((e) => e.id)).toEqual(whole.items.map((e: AuditEvent) => e.id));
      expect(pages).toBe(Math.ceil(whole.items.length / 3));
    });

    it('pages completely through events written in the same millisecond', async () => {
      for (let i = 0; i < 7; i++) await createDevice(t, owner.personalToken, wid, `SN-SAME${i}`);
      const whole = await workspaceEvents(t, owner.personalToken, wid, { action: 'device.created' });
      const paged = await workspaceEvents(t, owner.personalToken, wid, { action: 'device.created', limit: 2 });
      expect(paged.map((e) => e.id)).toEqual(whole.map((e) => e.id));
      expect(new Set(paged.map((e) => e.details.serial)).size).toBe(7);
    });
  });

  describe('who may read the workspace log', () => {
    let owner: RegisteredUser;
    let wid: string;

    beforeEach(async () => {
      owner = await registerUser(t);
      wid = (await createWorkspace(t, owner.personalToken)).id;
    });

    it('owners and admins may; a viewer or member gets 403, a non-member 404', async () => {
      const admin = await (await workspaceOf(t, owner, wid)).member('admin');
      const viewer = await (await workspaceOf(t, owner, wid)).member('viewer');
      const member = await (await workspaceOf(t, owner, wid)).member('member');
      const outsider = await registerUser(t);
      const path = `/v1/workspaces/${wid}/audit-events`;
      await t.http().get(path).set(bearer(owner.personalToken)).expect(200);
      await t.http().get(path).set(bearer(admin.personalToken)).expect(200);
      expectProblem(await t.http().get(path).set(bearer(viewer.personalToken)), 403, 'forbidden');
      expectProblem(await t.http().get(path).set(bearer(member.personalToken)), 403, 'forbidden');
      expectProblem(await t.http().get(path).set(bearer(outsider.personalToken)), 404, 'not_found');
      expectProblem(
        await t.http().get(`/v1/workspaces/${crypto.randomUUID()}/audit-events`).set(bearer(owner.personalToken)),
        404,
        'not_found',
      );
    });

    it('needs the audit:read scope on the token as well', async () => {
      const narrow = await createNamedToken(t, owner.personalToken, { scopes: ['workspace:read'] });
      expectProblem(await t.http().get(`/v1/workspaces/${wid}/audit-events`).set(bearer(narrow.secret)), 403, 'insufficient_scope');
      const auditor = await createNamedToken(t, owner.personalToken, { scopes: ['audit:read'] });
      await t.http().get(`/v1/workspaces/${wid}/audit-events`).set(bearer(auditor.secret)).expect(200);
    });

    it("shows one workspace's events only", async () => {
      const other = (await createWorkspace(t, owner.personalToken, 'other')).id;
      await createDevice(t, owner.personalToken, other, 'SN-OTHER');
      const events = await workspaceEvents(t, owner.personalToken, wid);
      expect(events.every((e) => e.workspaceId === wid)).toBe(true);
      expect(events.map((e) => e.action)).not.toContain('device.created');
    });
  });

  describe('GET /v1/me/audit-events', () => {
    it("shows the user's own account events: registration, login, named tokens, password change", async () => {
      const user = await registerUser(t);
      t.clock.advance(1000);
      const session = await login(t, user.email);
      const named = await createNamedToken(t, user.personalToken, { scopes: ['account:read'] });
      const rotated = await t.http().post(`/v1/me/tokens/${named.id}/rotate`).set(bearer(user.personalToken)).send({}).expect(200);
      await t.http().delete(`/v1/me/tokens/${rotated.body.id}`).set(bearer(user.personalToken)).expect(204);
      await t
        .http()
        .patch('/v1/me')
        .set(bearer(user.personalToken))
        .send({ password: 'another long password', currentPassword: PASSWORD })
        .expect(200);

      const events = await accountEvents(t, user.personalToken);
      const actions = events.map((e) => e.action);
      expect(actions).toEqual(
        expect.arrayContaining([
          'user.registered',
          'session.created',
          'token.created',
          'token.rotated',
          'token.revoked',
          'user.password_changed',
        ]),
      );
      expect(only(events, 'user.registered')).toMatchObject({ target: { type: 'user', id: user.id } });
      expect(only(events, 'session.created').target?.type).toBe('token');
      expect(only(events, 'token.created')).toMatchObject({
        actor: { type: 'user', id: user.id, tokenId: user.personalTokenId },
        target: { type: 'token', id: named.id },
        details: { scopes: ['account:read'] },
      });
      expect(only(events, 'token.rotated')).toMatchObject({
        target: { type: 'token', id: named.id },
        details: { replacedBy: rotated.body.id },
      });
      expect(only(events, 'token.revoked')).toMatchObject({ target: { type: 'token', id: rotated.body.id } });
      expect(only(events, 'user.password_changed')).toMatchObject({
        actor: { type: 'user', id: user.id },
        target: { type: 'user', id: user.id },
      });
      // Newest first: registration was the first thing that happened.
      expect(events[events.length - 1].action).toBe('user.registered');
      // The password change ended the login session.
      expectProblem(await t.http().get('/v1/me').set(bearer(session)), 401, 'token_invalid');
    });

    it("does not show another user's events", async () => {
      const user = await registerUser(t);
      const other = await registerUser(t);
      await login(t, other.email);
      const theirs = await createNamedToken(t, other.personalToken, { scopes: ['account:read'] });
      await t.http().delete(`/v1/me/tokens/${theirs.id}`).set(bearer(other.personalToken)).expect(204);
      await createWorkspace(t, other.personalToken);

      const mine = await accountEvents(t, user.personalToken);
      expect(mine.map((e) => e.action)).toEqual(['user.registered']);
      const dump = JSON.stringify(mine);
      for (const id of [other.id, other.personalTokenId, theirs.id]) expect(dump).not.toContain(id);
      // And theirs has their own.
      const their = await accountEvents(t, other.personalToken);
      expect(their.map((e) => e.action)).toEqual(
        expect.arrayContaining(['user.registered', 'session.created', 'token.created', 'token.revoked']),
      );
      expect(JSON.stringify(their)).not.toContain(user.id);
    });

    it('filters by action, and needs account:read', async () => {
      const user = await registerUser(t);
      await createNamedToken(t, user.personalToken, { name: 'a', scopes: ['account:read'] });
      await createNamedToken(t, user.personalToken, { name: 'b', scopes: ['account:read'] });
      const created = await accountEvents(t, user.personalToken, { action: 'token.created' });
      expect(created.map((e) => e.details.name).sort()).toEqual(['a', 'b']);
      const reader = await createNamedToken(t, user.personalToken, { scopes: ['account:read'] });
      await t.http().get('/v1/me/audit-events').set(bearer(reader.secret)).expect(200);
      const devicesOnly = await createNamedToken(t, user.personalToken, { scopes: ['devices:read'] });
      expectProblem(await t.http().get('/v1/me/audit-events').set(bearer(devicesOnly.secret)), 403, 'insufficient_scope');
    });

    it('tells a member that a workspace admin revoked their token', async () => {
      const owner = await registerUser(t);
      const wid = (await createWorkspace(t, owner.personalToken)).id;
      const member = await (await workspaceOf(t, owner, wid)).member('member');
      const named = await createNamedToken(t, member.personalToken, { scopes: ['*'] });
      await t.http().delete(`/v1/workspaces/${wid}/tokens/${named.id}`).set(bearer(owner.personalToken)).expect(204);
      const events = await accountEvents(t, member.personalToken, { action: 'token.revoked' });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ workspaceId: wid, actor: { type: 'user', id: owner.id }, target: { type: 'token', id: named.id } });
    });
  });
});
