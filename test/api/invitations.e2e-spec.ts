// Invitations: create, list, resend, revoke, accept and decline, through HTTP, with their effects
// on memberships, the stored hash and the audit log.
import { createHash, randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { generateToken } from '../../src/auth/token-format';
import {
  acceptAsVerified,
  bearer,
  createNamedToken,
  expectProblem,
  expectStatus,
  markEmailVerified,
  RegisteredUser,
  registerUser,
  uniqueEmail,
} from '../support/api';
import { DeviceAccess, newWorkspace, RoleName, WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

const DAY = 86_400_000;
const SECRET_SHAPE = /^lki_[0-9A-Za-z]{38}$/;

interface InvitationBody {
  email: string;
  roleIds: string[];
  deviceAccess: DeviceAccess;
  expiresInDays?: number;
}

let t: TestApp;

function inviteRequest(secret: string, workspaceId: string, body: object) {
  return t.http().post(`/v1/workspaces/${workspaceId}/invitations`).set(bearer(secret)).send(body);
}

/** Invites `email` with the given role (member by default) and device access (all by default); expects 201. */
async function invite(
  ws: WorkspaceFixture,
  email: string,
  options: { role?: RoleName; roleIds?: string[]; deviceAccess?: DeviceAccess; expiresInDays?: number; by?: string } = {},
): Promise<{ id: string; secret: string; invitation: Record<string, unknown> }> {
  const body: InvitationBody = {
    email,
    roleIds: options.roleIds ?? [ws.roles[options.role ?? 'member']],
    deviceAccess: options.deviceAccess ?? { mode: 'all' },
    ...(options.expiresInDays !== undefined ? { expiresInDays: options.expiresInDays } : {}),
  };
  const res = await inviteRequest(options.by ?? ws.owner.personalToken, ws.id, body);
  expect(res.status).toBe(201);
  return { id: res.body.invitation.id, secret: res.body.secret, invitation: res.body.invitation };
}

/** Accepting needs a verified address: the caller's is marked verified first. */
function acceptRequest(secret: string, token: unknown) {
  return acceptAsVerified(t, secret, { token });
}

/** A member who manages members (and holds every permission of the viewer role) on the given devices only. */
async function managerOf(ws: WorkspaceFixture, deviceIds: string[]): Promise<RegisteredUser> {
  const role = await ws.role(
    ['workspace:read', 'members:read', 'members:manage', 'roles:read', 'devices:read', 'measurements:read'],
    'Manager',
  );
  return ws.member({ id: role }, { devices: deviceIds });
}

async function listInvitations(ws: WorkspaceFixture, secret = ws.owner.personalToken): Promise<Array<Record<string, unknown>>> {
  const res = await t.http().get(`/v1/workspaces/${ws.id}/invitations?limit=200`).set(bearer(secret)).expect(200);
  return res.body.items;
}

async function statusOf(ws: WorkspaceFixture, invitationId: string): Promise<unknown> {
  return (await listInvitations(ws)).find((i) => i.id === invitationId)?.status;
}

/** The user's own list, as the verified owner of the address (unverified accounts see none: audit finding M2, docs/security.md). */
async function myInvitations(user: RegisteredUser): Promise<Array<Record<string, any>>> {
  await markEmailVerified(t, user.id);
  const res = await t.http().get('/v1/me/invitations').set(bearer(user.personalToken)).expect(200);
  expect(res.body.nextCursor).toBeNull();
  return res.body.items;
}

async function membershipCount(workspaceId: string, userId: string): Promise<number> {
  const [{ n }] = await t.dataSource.query('SELECT count(*)::int AS n FROM memberships WHERE workspace_id = $1 AND user_id = $2', [
    workspaceId,
    userId,
  ]);
  return n;
}

async function invitationCount(workspaceId: string): Promise<number> {
  const [{ n }] = await t.dataSource.query('SELECT count(*)::int AS n FROM invitations WHERE workspace_id = $1', [workspaceId]);
  return n;
}

async function auditEvents(ws: WorkspaceFixture, action: string): Promise<Array<Record<string, any>>> {
  const res = await t.http().get(`/v1/workspaces/${ws.id}/audit-events`).query({ action }).set(bearer(ws.owner.personalToken)).expect(200);
  return res.body.items;
}

function sha256(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** The same string with a different last character: keeps the shape, breaks the checksum. */
function breakChecksum(secret: string): string {
  const last = secret.slice(-1);
  return secret.slice(0, -1) + (last === 'a' ? 'b' : 'a');
}

describe('invitations', () => {
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  describe('POST /v1/workspaces/:wid/invitations', () => {
    it('answers 201 with a pending invitation (7 days by default) and its lki_ secret', async () => {
      const ws = await newWorkspace(t);
      const email = uniqueEmail('grace');
      const res = await inviteRequest(ws.owner.personalToken, ws.id, {
        email,
        roleIds: [ws.roles.viewer],
        deviceAccess: { mode: 'all' },
      }).expect(201);
      expect(res.body.secret).toMatch(SECRET_SHAPE);
      expect(res.body.invitation).toEqual({
        id: expect.any(String),
        workspaceId: ws.id,
        email,
        roleIds: [ws.roles.viewer],
        deviceAccess: { mode: 'all' },
        status: 'pending',
        hint: `${res.body.secret.slice(0, 8)}…${res.body.secret.slice(-4)}`,
        invitedByUserId: ws.owner.id,
        invitedByApiUserId: null,
        createdAt: t.clock.now().toISOString(),
        expiresAt: new Date(t.clock.now().getTime() + 7 * DAY).toISOString(),
        acceptedAt: null,
        declinedAt: null,
        revokedAt: null,
        manageable: true,
      });
      expect(res.body.invitation).not.toHaveProperty('secret');
      expect(res.body.invitation).not.toHaveProperty('tokenHash');
    });

    it('stores only a SHA-256 of the secret, and never shows the secret again', async () => {
      const ws = await newWorkspace(t);
      const invitee = await registerUser(t);
      const { id, secret } = await invite(ws, invitee.email);

      const [row] = await t.dataSource.query('SELECT token_hash FROM invitations WHERE id = $1', [id]);
      expect(row.token_hash).toBe(sha256(secret));
      expect(JSON.stringify(await t.dataSource.query('SELECT * FROM invitations'))).not.toContain(secret);
      expect(JSON.stringify(await t.dataSource.query('SELECT * FROM audit_events'))).not.toContain(secret);

      const listed = await listInvitations(ws);
      expect(listed.map((i) => i.id)).toEqual([id]);
      expect(listed[0]).not.toHaveProperty('secret');
      expect(JSON.stringify(listed)).not.toContain(secret);

      const mine = await myInvitations(invitee);
      expect(mine.map((i) => i.id)).toEqual([id]);
      expect(mine[0]).not.toHaveProperty('secret');
      expect(JSON.stringify(mine)).not.toContain(secret);
    });

    it('takes expiresInDays from 1 to 30', async () => {
      const ws = await newWorkspace(t);
      const month = await invite(ws, uniqueEmail(), { expiresInDays: 30 });
      expect(new Date(month.invitation.expiresAt as string).getTime() - t.clock.now().getTime()).toBe(30 * DAY);
      const day = await invite(ws, uniqueEmail(), { expiresInDays: 1 });
      expect(new Date(day.invitation.expiresAt as string).getTime() - t.clock.now().getTime()).toBe(1 * DAY);
      for (const expiresInDays of [0, 31, 1.5, '7', null]) {
        const res = await inviteRequest(ws.owner.personalToken, ws.id, {
          email: uniqueEmail(),
          roleIds: [ws.roles.member],
          deviceAccess: { mode: 'all' },
          expiresInDays,
        });
        expect((expectProblem(res, 400, 'validation_failed').errors as Array<{ field: string }>).map((e) => e.field)).toContain(
          'expiresInDays',
        );
      }
      expect(await invitationCount(ws.id)).toBe(2);
    });

    it.each([
      ['a bad email', { email: 'not-an-email' }, 'email'],
      ['no email', { email: undefined }, 'email'],
      ['no roles', { roleIds: [] }, 'roleIds'],
      ['a role id that is not a UUID', { roleIds: ['not-a-uuid'] }, 'roleIds'],
      ['no deviceAccess', { deviceAccess: undefined }, 'deviceAccess'],
      ['deviceAccess null', { deviceAccess: null }, 'deviceAccess'],
      ['deviceAccess a string', { deviceAccess: 'all' }, 'deviceAccess'],
      ['deviceAccess an array', { deviceAccess: [] }, 'deviceAccess'],
      ['an unknown mode', { deviceAccess: { mode: 'some' } }, 'deviceAccess.mode'],
      ['mode selected without deviceIds', { deviceAccess: { mode: 'selected' } }, 'deviceAccess.deviceIds'],
      ['a device id that is not a UUID', { deviceAccess: { mode: 'selected', deviceIds: ['nope'] } }, 'deviceAccess.deviceIds'],
      ['an unknown field secret', { secret: 'lki_mine' }, 'secret'],
      ['an unknown field status', { status: 'accepted' }, 'status'],
    ])('rejects %s with 400 naming the field, and stores nothing', async (_label, override, field) => {
      const ws = await newWorkspace(t);
      const body = { email: uniqueEmail(), roleIds: [ws.roles.member], deviceAccess: { mode: 'all' }, ...override };
      const res = await inviteRequest(ws.owner.personalToken, ws.id, body);
      expect((expectProblem(res, 400, 'validation_failed').errors as Array<{ field: string }>).map((e) => e.field)).toContain(field);
      expect(await invitationCount(ws.id)).toBe(0);
    });

    it('refuses to invite an existing member, in any letter case, with 409', async () => {
      const ws = await newWorkspace(t);
      const member = await ws.member('viewer');
      for (const email of [ws.owner.email, member.email.toUpperCase()]) {
        expectProblem(
          await inviteRequest(ws.owner.personalToken, ws.id, { email, roleIds: [ws.roles.member], deviceAccess: { mode: 'all' } }),
          409,
          'conflict',
        );
      }
      expect(await invitationCount(ws.id)).toBe(1); // the one that made `member`
    });

    it('refuses a second pending invitation to the same email, in any letter case, with 409', async () => {
      const ws = await newWorkspace(t);
      const email = uniqueEmail('twice');
      const first = await invite(ws, email);
      const again = await inviteRequest(ws.owner.personalToken, ws.id, {
        email: email.toUpperCase(),
        roleIds: [ws.roles.viewer],
        deviceAccess: { mode: 'all' },
      });
      expectProblem(again, 409, 'conflict');
      expect(await invitationCount(ws.id)).toBe(1);
      // Once the first is no longer pending, a new one may be made.
      await t.http().delete(`/v1/workspaces/${ws.id}/invitations/${first.id}`).set(bearer(ws.owner.personalToken)).expect(204);
      await invite(ws, email);
      expect(await invitationCount(ws.id)).toBe(2);
    });

    it('writes a member.invited audit event; a refused create writes none', async () => {
      const ws = await newWorkspace(t);
      const email = uniqueEmail('audited');
      const { id } = await invite(ws, email, { role: 'viewer' });
      const events = await auditEvents(ws, 'member.invited');
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        action: 'member.invited',
        workspaceId: ws.id,
        actor: { type: 'user', id: ws.owner.id, tokenId: ws.owner.personalTokenId },
        target: { type: 'invitation', id },
        details: { email, roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } },
      });

      expectProblem(
        await inviteRequest(ws.owner.personalToken, ws.id, { email, roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } }),
        409,
        'conflict',
      );
      expectProblem(
        await inviteRequest(ws.owner.personalToken, ws.id, {
          email: ws.owner.email,
          roleIds: [ws.roles.viewer],
          deviceAccess: { mode: 'all' },
        }),
        409,
        'conflict',
      );
      expect(await auditEvents(ws, 'member.invited')).toHaveLength(1);
      const [{ n }] = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM audit_events WHERE workspace_id = $1 AND action = 'member.invited'`,
        [ws.id],
      );
      expect(n).toBe(1);
    });

    it('answers 404 to a non-member, whatever the workspace id', async () => {
      const ws = await newWorkspace(t);
      const outsider = await registerUser(t);
      for (const wid of [ws.id, randomUUID()]) {
        expectProblem(
          await inviteRequest(outsider.personalToken, wid, {
            email: uniqueEmail(),
            roleIds: [ws.roles.member],
            deviceAccess: { mode: 'all' },
          }),
          404,
          'not_found',
        );
      }
      expect(await invitationCount(ws.id)).toBe(0);
    });
  });

  describe('no escalation through invitations', () => {
    it('lets an admin invite with admin, but not with the owner role (403)', async () => {
      const ws = await newWorkspace(t);
      const admin = await ws.member('admin');
      const before = await invitationCount(ws.id);
      const res = await inviteRequest(admin.personalToken, ws.id, {
        email: uniqueEmail(),
        roleIds: [ws.roles.owner],
        deviceAccess: { mode: 'all' },
      });
      expectProblem(res, 403, 'forbidden');
      const mixed = await inviteRequest(admin.personalToken, ws.id, {
        email: uniqueEmail(),
        roleIds: [ws.roles.viewer, ws.roles.owner],
        deviceAccess: { mode: 'all' },
      });
      expectProblem(mixed, 403, 'forbidden');
      expect(await invitationCount(ws.id)).toBe(before);
      await invite(ws, uniqueEmail(), { role: 'admin', by: admin.personalToken });
      expect(await invitationCount(ws.id)).toBe(before + 1);
    });

    it('refuses members and viewers, who lack members:manage (403)', async () => {
      const ws = await newWorkspace(t);
      const member = await ws.member('member');
      const viewer = await ws.member('viewer');
      const before = await invitationCount(ws.id);
      for (const user of [member, viewer]) {
        const res = await inviteRequest(user.personalToken, ws.id, {
          email: uniqueEmail(),
          roleIds: [ws.roles.viewer],
          deviceAccess: { mode: 'all' },
        });
        expectProblem(res, 403, 'forbidden');
      }
      expect(await invitationCount(ws.id)).toBe(before);
    });

    it('refuses a token whose scopes do not cover the role it hands out (403)', async () => {
      const ws = await newWorkspace(t);
      const narrow = await createNamedToken(t, ws.owner.personalToken, {
        scopes: ['members:manage', 'members:read'],
        workspaceIds: [ws.id],
      });
      const res = await inviteRequest(narrow.secret, ws.id, {
        email: uniqueEmail(),
        roleIds: [ws.roles.viewer],
        deviceAccess: { mode: 'all' },
      });
      expectProblem(res, 403, 'forbidden');
      expect(await invitationCount(ws.id)).toBe(0);
    });

    it('refuses roleIds of another workspace (400)', async () => {
      const ws = await newWorkspace(t);
      const other = await newWorkspace(t);
      for (const roleIds of [[other.roles.member], [ws.roles.member, other.roles.viewer], [randomUUID()]]) {
        const res = await inviteRequest(ws.owner.personalToken, ws.id, { email: uniqueEmail(), roleIds, deviceAccess: { mode: 'all' } });
        expect(expectProblem(res, 400, 'validation_failed').errors).toEqual([{ field: 'roleIds', message: expect.any(String) }]);
      }
      expect(await invitationCount(ws.id)).toBe(0);
    });

    it('refuses deviceIds that are not devices of the workspace (400)', async () => {
      const ws = await newWorkspace(t);
      const other = await newWorkspace(t);
      const mine = (await ws.device()).id;
      const theirs = (await other.device()).id;
      for (const deviceIds of [[theirs], [mine, theirs], [randomUUID()]]) {
        const res = await inviteRequest(ws.owner.personalToken, ws.id, {
          email: uniqueEmail(),
          roleIds: [ws.roles.viewer],
          deviceAccess: { mode: 'selected', deviceIds },
        });
        expect(expectProblem(res, 400, 'validation_failed').errors).toEqual([
          { field: 'deviceAccess.deviceIds', message: expect.any(String) },
        ]);
      }
      expect(await invitationCount(ws.id)).toBe(0);
      await invite(ws, uniqueEmail(), { role: 'viewer', deviceAccess: { mode: 'selected', deviceIds: [mine] } });
    });

    it('lets a manager with selected device access hand out only devices it can reach (403 otherwise)', async () => {
      const ws = await newWorkspace(t);
      const [d1, d2] = [(await ws.device()).id, (await ws.device()).id];
      const manager = await managerOf(ws, [d1]);

      const before = await invitationCount(ws.id);
      for (const deviceAccess of [
        { mode: 'all' },
        { mode: 'selected', deviceIds: [d2] },
        { mode: 'selected', deviceIds: [d1, d2] },
      ] as DeviceAccess[]) {
        const res = await inviteRequest(manager.personalToken, ws.id, { email: uniqueEmail(), roleIds: [ws.roles.viewer], deviceAccess });
        expectProblem(res, 403, 'forbidden');
      }
      expect(await invitationCount(ws.id)).toBe(before);
      await invite(ws, uniqueEmail(), { role: 'viewer', deviceAccess: { mode: 'selected', deviceIds: [d1] }, by: manager.personalToken });
    });
  });

  describe('GET /v1/workspaces/:wid/invitations', () => {
    it('shows each invitation with its status: pending, accepted, declined, revoked, expired', async () => {
      const ws = await newWorkspace(t);
      const [accepter, decliner] = [await registerUser(t), await registerUser(t)];
      const pending = await invite(ws, uniqueEmail('pending'));
      const accepted = await invite(ws, accepter.email);
      const declined = await invite(ws, decliner.email);
      const revoked = await invite(ws, uniqueEmail('revoked'));
      const expired = await invite(ws, uniqueEmail('expired'), { expiresInDays: 1 });

      await expectStatus(acceptRequest(accepter.personalToken, accepted.secret), 200);
      await t
        .http()
        .post(`/v1/invitations/${declined.id}/decline`)
        .set(bearer(decliner.personalToken))
        .send({ token: declined.secret })
        .expect(204);
      await t.http().delete(`/v1/workspaces/${ws.id}/invitations/${revoked.id}`).set(bearer(ws.owner.personalToken)).expect(204);
      t.clock.advance(DAY);

      const byId = Object.fromEntries((await listInvitations(ws)).map((i) => [i.id, i]));
      expect(Object.keys(byId)).toHaveLength(5);
      expect(byId[pending.id]).toMatchObject({ status: 'pending', acceptedAt: null, declinedAt: null, revokedAt: null });
      expect(byId[accepted.id]).toMatchObject({ status: 'accepted', acceptedAt: expect.any(String) });
      expect(byId[declined.id]).toMatchObject({ status: 'declined', declinedAt: expect.any(String) });
      expect(byId[revoked.id]).toMatchObject({ status: 'revoked', revokedAt: expect.any(String) });
      expect(byId[expired.id]).toMatchObject({ status: 'expired' });
    });

    it('pages with limit and cursor, newest first', async () => {
      const ws = await newWorkspace(t);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push((await invite(ws, uniqueEmail())).id);
        t.clock.advanceSeconds(1);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: Response = await t
          .http()
          .get(`/v1/workspaces/${ws.id}/invitations`)
          .query({ limit: 2, ...(cursor ? { cursor } : {}) })
          .set(bearer(ws.owner.personalToken))
          .expect(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.items.map((i: { id: string }) => i.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual([...ids].reverse());
    });

    it('is open to members:read (a viewer) and 404 to outsiders', async () => {
      const ws = await newWorkspace(t);
      const viewer = await ws.member('viewer');
      expect((await listInvitations(ws, viewer.personalToken)).length).toBe(1);
      const outsider = await registerUser(t);
      expectProblem(await t.http().get(`/v1/workspaces/${ws.id}/invitations`).set(bearer(outsider.personalToken)), 404, 'not_found');
    });
  });

  describe('GET /v1/me/invitations', () => {
    it("shows the user's pending invitations, matched by email in any case, with their workspace", async () => {
      const user = await registerUser(t, uniqueEmail('mine'));
      const a = await newWorkspace(t);
      const b = await newWorkspace(t);
      const fromA = await invite(a, user.email.toUpperCase(), { role: 'viewer' });
      const fromB = await invite(b, user.email);
      await invite(a, uniqueEmail('someone-else'));

      const mine = await myInvitations(user);
      expect(mine.map((i) => i.id).sort()).toEqual([fromA.id, fromB.id].sort());
      const shownA = mine.find((i) => i.id === fromA.id)!;
      expect(shownA).toMatchObject({
        status: 'pending',
        roleIds: [a.roles.viewer],
        deviceAccess: { mode: 'all' },
        workspace: { id: a.id, name: a.name, slug: a.slug },
      });
      expect(mine.find((i) => i.id === fromB.id)!.workspace).toEqual({ id: b.id, name: b.name, slug: b.slug });
      expect(await myInvitations(await registerUser(t))).toEqual([]);
    });

    it('leaves out accepted, declined, revoked and expired invitations', async () => {
      const user = await registerUser(t);
      const [w1, w2, w3, w4] = [await newWorkspace(t), await newWorkspace(t), await newWorkspace(t), await newWorkspace(t)];
      const accepted = await invite(w1, user.email);
      const declined = await invite(w2, user.email);
      const revoked = await invite(w3, user.email);
      await invite(w4, user.email, { expiresInDays: 2 });
      expect(await myInvitations(user)).toHaveLength(4);

      await expectStatus(acceptRequest(user.personalToken, accepted.secret), 200);
      await t.http().post(`/v1/invitations/${declined.id}/decline`).set(bearer(user.personalToken)).expect(204);
      await t.http().delete(`/v1/workspaces/${w3.id}/invitations/${revoked.id}`).set(bearer(w3.owner.personalToken)).expect(204);
      expect(await myInvitations(user)).toHaveLength(1);
      t.clock.advance(2 * DAY);
      expect(await myInvitations(user)).toEqual([]);
    });
  });

  describe('POST /v1/invitations/accept', () => {
    it('makes the invitee a member with the invited roles and device access', async () => {
      const ws = await newWorkspace(t);
      const [d1] = [(await ws.device()).id, (await ws.device()).id];
      const invitee = await registerUser(t);
      const { id, secret } = await invite(ws, invitee.email, {
        roleIds: [ws.roles.viewer, ws.roles.member],
        deviceAccess: { mode: 'selected', deviceIds: [d1] },
      });
      expectProblem(await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(invitee.personalToken)), 404, 'not_found');

      const res = await expectStatus(acceptRequest(invitee.personalToken, secret), 200);
      expect(res.body.workspaceId).toBe(ws.id);
      expect(res.body.member).toMatchObject({
        userId: invitee.id,
        email: invitee.email,
        deviceAccess: { mode: 'selected', deviceIds: [d1] },
      });

      const member = await t.http().get(`/v1/workspaces/${ws.id}/members/${invitee.id}`).set(bearer(ws.owner.personalToken)).expect(200);
      expect(member.body).toMatchObject({ userId: invitee.id, email: invitee.email, deviceAccess: { mode: 'selected', deviceIds: [d1] } });
      expect(member.body.roles.map((r: { id: string }) => r.id).sort()).toEqual([ws.roles.viewer, ws.roles.member].sort());

      const workspace = await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(invitee.personalToken)).expect(200);
      expect(workspace.body.id).toBe(ws.id);
      const devices = await t.http().get(`/v1/workspaces/${ws.id}/devices`).set(bearer(invitee.personalToken)).expect(200);
      expect(devices.body.items.map((d: { id: string }) => d.id)).toEqual([d1]);

      expect(await membershipCount(ws.id, invitee.id)).toBe(1);
      const [row] = await t.dataSource.query('SELECT accepted_by_user_id FROM invitations WHERE id = $1', [id]);
      expect(row.accepted_by_user_id).toBe(invitee.id);
      expect(await statusOf(ws, id)).toBe('accepted');
      const joined = await auditEvents(ws, 'member.joined');
      expect(joined).toHaveLength(1);
      expect(joined[0]).toMatchObject({ actor: { type: 'user', id: invitee.id }, target: { type: 'invitation', id } });
    });

    it('grants device access "all" when invited so', async () => {
      const ws = await newWorkspace(t);
      const member = await ws.member('member');
      const res = await t.http().get(`/v1/workspaces/${ws.id}/members/${member.id}`).set(bearer(ws.owner.personalToken)).expect(200);
      expect(res.body).toMatchObject({ deviceAccess: { mode: 'all' }, roles: [{ id: ws.roles.member, name: 'member', builtIn: true }] });
    });

    it('matches the invited email case-insensitively', async () => {
      const ws = await newWorkspace(t);
      const invitee = await registerUser(t, uniqueEmail('mixed'));
      const { secret } = await invite(ws, invitee.email.toUpperCase());
      await expectStatus(acceptRequest(invitee.personalToken, secret), 200);
      expect(await membershipCount(ws.id, invitee.id)).toBe(1);
    });

    it('needs the account of the invited email: anyone else gets 403 and nothing changes', async () => {
      const ws = await newWorkspace(t);
      const invitee = await registerUser(t);
      const thief = await registerUser(t);
      const { id, secret } = await invite(ws, invitee.email);
      expectProblem(await acceptRequest(thief.personalToken, secret), 403, 'forbidden');
      expectProblem(await acceptRequest(ws.owner.personalToken, secret), 403, 'forbidden');
      expect(await membershipCount(ws.id, thief.id)).toBe(0);
      expect(await statusOf(ws, id)).toBe('pending');
      expectProblem(await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(thief.personalToken)), 404, 'not_found');
      await expectStatus(acceptRequest(invitee.personalToken, secret), 200);
    });

    it('answers a malformed token with 400 and an unknown well-formed one with 404', async () => {
      const ws = await newWorkspace(t);
      const invitee = await registerUser(t);
      const { secret } = await invite(ws, invitee.email);
      for (const token of ['lki_nope', breakChecksum(secret), invitee.personalToken, secret.replace(/^lki_/, 'lkp_'), '', 42, null]) {
        expectProblem(await acceptRequest(invitee.personalToken, token), 400, 'validation_failed');
      }
      expectProblem(await t.http().post('/v1/invitations/accept').set(bearer(invitee.personalToken)).send({}), 400, 'validation_failed');
      expectProblem(
        await t
          .http()
          .post('/v1/invitations/accept')
          .set(bearer(invitee.personalToken))
          .send({ token: secret, roleIds: [ws.roles.owner] }),
        400,
        'validation_failed',
      );
      expectProblem(await acceptRequest(invitee.personalToken, generateToken('lki_')), 404, 'not_found');
      expect(await membershipCount(ws.id, invitee.id)).toBe(0);
      await expectStatus(acceptRequest(invitee.personalToken, secret), 200);
    });

    it('needs a token with account:manage', async () => {
      const ws = await newWorkspace(t);
      const invitee = await registerUser(t);
      const { secret } = await invite(ws, invitee.email);
      const readOnly = await createNamedToken(t, invitee.personalToken, { scopes: ['account:read'] });
      expectProblem(await acceptRequest(readOnly.secret, secret), 403, 'insufficient_scope');
      expectProblem(await t.http().post('/v1/invitations/accept').send({ token: secret }), 401, 'token_missing');
      expect(await membershipCount(ws.id, invitee.id)).toBe(0);
    });

    it('cannot be used twice (409)', async () => {
      const ws = await newWorkspace(t);
      const invitee = await registerUser(t);
      const { secret } = await invite(ws, invitee.email);
      await expectStatus(acceptRequest(invitee.personalToken, secret), 200);
      expectProblem(await acceptRequest(invitee.personalToken, secret), 409, 'conflict');
      expect(await membershipCount(ws.id, invitee.id)).toBe(1);
    });

    it('cannot accept an expired invitation (409), up to the last second before it can', async () => {
      const ws = await newWorkspace(t);
      const [early, late] = [await registerUser(t), await registerUser(t)];
      const first = await invite(ws, early.email);
      const second = await invite(ws, late.email);
      t.clock.advance(7 * DAY - 1000);
      await expectStatus(acceptRequest(early.personalToken, first.secret), 200);
      t.clock.advanceSeconds(1);
      expectProblem(await acceptRequest(late.personalToken, second.secret), 409, 'conflict');
      expect(await membershipCount(ws.id, late.id)).toBe(0);
      expect(await statusOf(ws, second.id)).toBe('expired');
    });

    it('cannot accept a revoked invitation (409)', async () => {
      const ws = await newWorkspace(t);
      const invitee = await registerUser(t);
      const { id, secret } = await invite(ws, invitee.email);
      await t.http().delete(`/v1/workspaces/${ws.id}/invitations/${id}`).set(bearer(ws.owner.personalToken)).expect(204);
      expectProblem(await acceptRequest(invitee.personalToken, secret), 409, 'conflict');
      expect(await membershipCount(ws.id, invitee.id)).toBe(0);
      expect(await statusOf(ws, id)).toBe('revoked');
      expect(await auditEvents(ws, 'invitation.revoked')).toHaveLength(1);
    });

    it('makes exactly one membership under concurrent accepts', async () => {
      const ws = await newWorkspace(t);
      const invitee = await registerUser(t);
      const { id, secret } = await invite(ws, invitee.email, { role: 'viewer' });
      const results = await Promise.all(Array.from({ length: 5 }, () => acceptRequest(invitee.personalToken, secret)));
      expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409]);
      for (const res of results.filter((r) => r.status === 409)) expectProblem(res, 409, 'conflict');
      expect(await membershipCount(ws.id, invitee.id)).toBe(1);
      const [{ n }] = await t.dataSource.query(
        'SELECT count(*)::int AS n FROM membership_roles mr JOIN memberships m ON m.id = mr.membership_id WHERE m.workspace_id = $1 AND m.user_id = $2',
        [ws.id, invitee.id],
      );
      expect(n).toBe(1);
      expect(await statusOf(ws, id)).toBe('accepted');
      expect(await auditEvents(ws, 'member.joined')).toHaveLength(1);
    });

    it('drops devices deleted since the invitation from the granted selection', async () => {
      const ws = await newWorkspace(t);
      const [d1, d2] = [(await ws.device()).id, (await ws.device()).id];
      const invitee = await registerUser(t);
      const { secret } = await invite(ws, invitee.email, { deviceAccess: { mode: 'selected', deviceIds: [d1, d2] } });
      await t.http().delete(`/v1/workspaces/${ws.id}/devices/${d2}`).set(bearer(ws.owner.personalToken)).expect(204);
      const res = await expectStatus(acceptRequest(invitee.personalToken, secret), 200);
      expect(res.body.member.deviceAccess).toEqual({ mode: 'selected', deviceIds: [d1] });
    });
  });

  describe('DELETE /v1/workspaces/:wid/invitations/:id', () => {
    it('revokes a pending invitation once, refuses an accepted one (409) and answers 404 for unknown ids', async () => {
      const ws = await newWorkspace(t);
      const invitee = await registerUser(t);
      const pending = await invite(ws, uniqueEmail());
      const accepted = await invite(ws, invitee.email);
      await expectStatus(acceptRequest(invitee.personalToken, accepted.secret), 200);
      const revoke = (id: string, secret = ws.owner.personalToken) =>
        t.http().delete(`/v1/workspaces/${ws.id}/invitations/${id}`).set(bearer(secret));

      await revoke(pending.id).expect(204);
      await revoke(pending.id).expect(204);
      expect(await auditEvents(ws, 'invitation.revoked')).toHaveLength(1);
      expectProblem(await revoke(accepted.id), 409, 'conflict');
      expectProblem(await revoke(randomUUID()), 404, 'not_found');
      expectProblem(await revoke('nope'), 400, 'validation_failed');
      expectProblem(await revoke(pending.id, invitee.personalToken), 403, 'forbidden');
    });

    it("answers 404 for another workspace's invitation", async () => {
      const ws = await newWorkspace(t);
      const other = await newWorkspace(t);
      const theirs = await invite(other, uniqueEmail());
      expectProblem(
        await t.http().delete(`/v1/workspaces/${ws.id}/invitations/${theirs.id}`).set(bearer(ws.owner.personalToken)),
        404,
        'not_found',
      );
      expect(await statusOf(other, theirs.id)).toBe('pending');
    });
  });

  describe('POST /v1/workspaces/:wid/invitations/:id/resend', () => {
    const resend = (ws: WorkspaceFixture, id: string, body: Record<string, unknown> = {}) =>
      t.http().post(`/v1/workspaces/${ws.id}/invitations/${id}/resend`).set(bearer(ws.owner.personalToken)).send(body);

    it('gives a new secret and expiry; the old secret stops working (404)', async () => {
      const ws = await newWorkspace(t);
      const invitee = await registerUser(t);
      const first = await invite(ws, invitee.email);
      t.clock.advance(2 * DAY);

      const res = await resend(ws, first.id).expect(200);
      expect(res.body.secret).toMatch(SECRET_SHAPE);
      expect(res.body.secret).not.toBe(first.secret);
      expect(res.body.invitation).toMatchObject({
        id: first.id,
        status: 'pending',
        hint: `${res.body.secret.slice(0, 8)}…${res.body.secret.slice(-4)}`,
        expiresAt: new Date(t.clock.now().getTime() + 7 * DAY).toISOString(),
      });
      expect(res.body.invitation.expiresAt).not.toBe(first.invitation.expiresAt);
      const [row] = await t.dataSource.query('SELECT token_hash FROM invitations WHERE id = $1', [first.id]);
      expect(row.token_hash).toBe(sha256(res.body.secret));
      expect((await listInvitations(ws)).find((i) => i.id === first.id)).toMatchObject({
        hint: res.body.invitation.hint,
        expiresAt: res.body.invitation.expiresAt,
      });

      expectProblem(await acceptRequest(invitee.personalToken, first.secret), 404, 'not_found');
      await expectStatus(acceptRequest(invitee.personalToken, res.body.secret), 200);
      expect(await membershipCount(ws.id, invitee.id)).toBe(1);
      expect(await auditEvents(ws, 'invitation.resent')).toHaveLength(1);
    });

    it('takes expiresInDays, and revives an expired invitation', async () => {
      const ws = await newWorkspace(t);
      const invitee = await registerUser(t);
      const first = await invite(ws, invitee.email, { expiresInDays: 1 });
      t.clock.advance(DAY);
      expect(await statusOf(ws, first.id)).toBe('expired');
      expectProblem(await acceptRequest(invitee.personalToken, first.secret), 409, 'conflict');

      const res = await resend(ws, first.id, { expiresInDays: 3 }).expect(200);
      expect(new Date(res.body.invitation.expiresAt).getTime() - t.clock.now().getTime()).toBe(3 * DAY);
      expect(await statusOf(ws, first.id)).toBe('pending');
      expectProblem(await resend(ws, first.id, { expiresInDays: 31 }), 400, 'validation_failed');
      expectProblem(await resend(ws, first.id, { email: 'x@example.com' }), 400, 'validation_failed');
      await expectStatus(acceptRequest(invitee.personalToken, res.body.secret), 200);
    });

    it("refuses a resender who could not grant the invitation's device access (403), and lets one who can", async () => {
      const ws = await newWorkspace(t);
      const [d1, d2] = [(await ws.device()).id, (await ws.device()).id];
      const manager = await managerOf(ws, [d1]);
      const resendAs = (by: RegisteredUser, id: string) =>
        t.http().post(`/v1/workspaces/${ws.id}/invitations/${id}/resend`).set(bearer(by.personalToken)).send({});

      const everyDevice = await invite(ws, uniqueEmail(), { role: 'viewer', deviceAccess: { mode: 'all' } });
      const otherDevice = await invite(ws, uniqueEmail(), { role: 'viewer', deviceAccess: { mode: 'selected', deviceIds: [d2] } });
      for (const invitation of [everyDevice, otherDevice]) {
        const [before] = await t.dataSource.query('SELECT token_hash FROM invitations WHERE id = $1', [invitation.id]);
        expectProblem(await resendAs(manager, invitation.id), 403, 'forbidden');
        const [after] = await t.dataSource.query('SELECT token_hash FROM invitations WHERE id = $1', [invitation.id]);
        expect(after.token_hash).toBe(before.token_hash);
      }
      expect(await auditEvents(ws, 'invitation.resent')).toHaveLength(0);
      const ownDevice = await invite(ws, uniqueEmail(), { role: 'viewer', deviceAccess: { mode: 'selected', deviceIds: [d1] } });
      await resendAs(manager, ownDevice.id).expect(200);
    });

    it('refuses accepted and revoked invitations (409) and unknown ids (404); a declined one is issued again', async () => {
      const ws = await newWorkspace(t);
      const [accepter, decliner] = [await registerUser(t), await registerUser(t)];
      const accepted = await invite(ws, accepter.email);
      const declined = await invite(ws, decliner.email);
      const revoked = await invite(ws, uniqueEmail());
      await expectStatus(acceptRequest(accepter.personalToken, accepted.secret), 200);
      await t
        .http()
        .post(`/v1/invitations/${declined.id}/decline`)
        .set(bearer(decliner.personalToken))
        .send({ token: declined.secret })
        .expect(204);
      await t.http().delete(`/v1/workspaces/${ws.id}/invitations/${revoked.id}`).set(bearer(ws.owner.personalToken)).expect(204);
      for (const id of [accepted.id, revoked.id]) expectProblem(await resend(ws, id), 409, 'conflict');
      expectProblem(await resend(ws, randomUUID()), 404, 'not_found');
      expectProblem(await acceptRequest(decliner.personalToken, declined.secret), 409, 'conflict');
      const again = await resend(ws, declined.id).expect(200);
      expect(again.body.invitation).toMatchObject({ status: 'pending', declinedAt: null });
      await expectStatus(acceptRequest(decliner.personalToken, again.body.secret), 200);
    });
  });

  describe('POST /v1/invitations/:id/decline', () => {
    it('lets the invitee who verified the address decline without the secret (204); the invitation can then not be accepted (409)', async () => {
      const ws = await newWorkspace(t);
      const invitee = await registerUser(t);
      const { id, secret } = await invite(ws, invitee.email);
      await markEmailVerified(t, invitee.id);
      await t.http().post(`/v1/invitations/${id}/decline`).set(bearer(invitee.personalToken)).expect(204);
      expect(await statusOf(ws, id)).toBe('declined');
      expect(await myInvitations(invitee)).toEqual([]);
      expectProblem(await acceptRequest(invitee.personalToken, secret), 409, 'conflict');
      expectProblem(await t.http().post(`/v1/invitations/${id}/decline`).set(bearer(invitee.personalToken)), 409, 'conflict');
      expect(await membershipCount(ws.id, invitee.id)).toBe(0);
      expect(await auditEvents(ws, 'invitation.declined')).toHaveLength(1);
    });

    it("answers 404 to someone declining another person's invitation, which stays pending", async () => {
      const ws = await newWorkspace(t);
      const invitee = await registerUser(t);
      const stranger = await registerUser(t);
      const { id, secret } = await invite(ws, invitee.email);
      expectProblem(await t.http().post(`/v1/invitations/${id}/decline`).set(bearer(stranger.personalToken)), 404, 'not_found');
      expectProblem(await t.http().post(`/v1/invitations/${id}/decline`).set(bearer(ws.owner.personalToken)), 404, 'not_found');
      expectProblem(await t.http().post(`/v1/invitations/${randomUUID()}/decline`).set(bearer(invitee.personalToken)), 404, 'not_found');
      expect(await statusOf(ws, id)).toBe('pending');
      await expectStatus(acceptRequest(invitee.personalToken, secret), 200);
    });

    it('takes no field but the optional token', async () => {
      const ws = await newWorkspace(t);
      const invitee = await registerUser(t);
      const { id, secret } = await invite(ws, invitee.email);
      expectProblem(
        await t.http().post(`/v1/invitations/${id}/decline`).set(bearer(invitee.personalToken)).send({ reason: 'no' }),
        400,
        'validation_failed',
      );
      expectProblem(
        await t.http().post(`/v1/invitations/${id}/decline`).set(bearer(invitee.personalToken)).send({ token: secret, reason: 'no' }),
        400,
        'validation_failed',
      );
      expect(await statusOf(ws, id)).toBe('pending');
    });
  });
});
