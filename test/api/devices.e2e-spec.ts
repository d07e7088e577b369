// Devices of a workspace: create, list, read, change, delete, through HTTP, limited by roles,
// token scopes and each member's device access.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { bearer, createNamedToken, createWorkspace, expectProblem, registerUser } from '../support/api';
import { DeviceAccess, Device, newWorkspace, WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

const KIB = 1024;

let t: TestApp;

function serial(): string {
  return `SN-${randomBytes(5).toString('hex')}`;
}

const devicesPath = (wid: string, deviceId?: string) => `/v1/workspaces/${wid}/devices${deviceId ? `/${deviceId}` : ''}`;

function createRequest(secret: string, wid: string, body: Record<string, unknown>) {
  return t.http().post(devicesPath(wid)).set(bearer(secret)).send(body);
}

const getDevice = (secret: string, wid: string, id: string) => t.http().get(devicesPath(wid, id)).set(bearer(secret));
const patchDevice = (secret: string, wid: string, id: string, body: Record<string, unknown>) =>
  t.http().patch(devicesPath(wid, id)).set(bearer(secret)).send(body);
const deleteDevice = (secret: string, wid: string, id: string) => t.http().delete(devicesPath(wid, id)).set(bearer(secret));

async function listIds(secret: string, wid: string, query: Record<string, string | number> = {}): Promise<string[]> {
  const res = await t.http().get(devicesPath(wid)).query(query).set(bearer(secret)).expect(200);
  return res.body.items.map((d: Device) => d.id);
}

async function deviceRow(id: string): Promise<{ workspace_id: string; name: string; serial: string; metadata: unknown } | undefined> {
  const [row] = await t.dataSource.query('SELECT workspace_id, name, serial, metadata FROM devices WHERE id = $1', [id]);
  return row;
}

async function deviceCount(wid: string): Promise<number> {
  const [{ n }] = await t.dataSource.query('SELECT count(*)::int AS n FROM devices WHERE workspace_id = $1', [wid]);
  return n;
}

async function memberDeviceAccess(ws: WorkspaceFixture, userId: string): Promise<DeviceAccess> {
  const res = await t.http().get(`/v1/workspaces/${ws.id}/members/${userId}`).set(bearer(ws.owner.personalToken)).expect(200);
  return res.body.deviceAccess;
}

function setDeviceAccess(ws: WorkspaceFixture, userId: string, deviceAccess: unknown) {
  return t.http().patch(`/v1/workspaces/${ws.id}/members/${userId}`).set(bearer(ws.owner.personalToken)).send({ deviceAccess });
}

/** A JSON object whose serialisation is exactly `bytes` long. */
function metadataOfSize(bytes: number): Record<string, string> {
  const value = { k: 'x'.repeat(bytes - '{"k":""}'.length) };
  expect(Buffer.byteLength(JSON.stringify(value))).toBe(bytes);
  return value;
}

describe('devices', () => {
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  describe('POST /v1/workspaces/:wid/devices', () => {
    it('answers 201 with the device, which can then be read back', async () => {
      const ws = await newWorkspace(t);
      const sn = serial();
      const metadata = { site: 'Greenhouse 3', position: { x: 1.5, y: -2 }, tags: ['a', 'b'], active: true, note: null };
      const res = await createRequest(ws.owner.personalToken, ws.id, { name: '  Sensor 1  ', serial: sn, metadata }).expect(201);
      const now = t.clock.now().toISOString();
      expect(res.body).toEqual({ id: expect.any(String), name: 'Sensor 1', serial: sn, metadata, createdAt: now, updatedAt: now });

      const read = await getDevice(ws.owner.personalToken, ws.id, res.body.id).expect(200);
      expect(read.body).toEqual(res.body);
      expect(await deviceRow(res.body.id)).toEqual({ workspace_id: ws.id, name: 'Sensor 1', serial: sn, metadata });

      const events = await t
        .http()
        .get(`/v1/workspaces/${ws.id}/audit-events`)
        .query({ action: 'device.created' })
        .set(bearer(ws.owner.personalToken))
        .expect(200);
      expect(events.body.items).toEqual([
        expect.objectContaining({ target: { type: 'device', id: res.body.id }, actor: expect.objectContaining({ id: ws.owner.id }) }),
      ]);
    });

    it('defaults metadata to an empty object', async () => {
      const ws = await newWorkspace(t);
      const device = await ws.device();
      expect(device.metadata).toEqual({});
      expect((await deviceRow(device.id))?.metadata).toEqual({});
    });

    it('keeps serials unique within a workspace (409), but not across workspaces', async () => {
      const a = await newWorkspace(t);
      const b = await newWorkspace(t);
      const sn = serial();
      await a.device({ serial: sn });
      expectProblem(await createRequest(a.owner.personalToken, a.id, { name: 'Again', serial: sn }), 409, 'conflict');
      expect(await deviceCount(a.id)).toBe(1);
      const inB = await b.device({ serial: sn });
      expect(inB.serial).toBe(sn);
      const [{ n }] = await t.dataSource.query('SELECT count(*)::int AS n FROM devices WHERE serial = $1', [sn]);
      expect(n).toBe(2);
    });

    it('makes exactly one device under concurrent creates with one serial', async () => {
      const ws = await newWorkspace(t);
      const sn = serial();
      const results = await Promise.all(
        Array.from({ length: 4 }, () => createRequest(ws.owner.personalToken, ws.id, { name: 'Race', serial: sn })),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
      expect(await deviceCount(ws.id)).toBe(1);
    });

    it('takes metadata up to 16 KiB of JSON, and refuses more with 400', async () => {
      const ws = await newWorkspace(t);
      const exact = await ws.device({ metadata: metadataOfSize(16 * KIB) });
      expect(exact.metadata).toEqual(metadataOfSize(16 * KIB));
      const tooBig = await createRequest(ws.owner.personalToken, ws.id, {
        name: 'Big',
        serial: serial(),
        metadata: metadataOfSize(16 * KIB + 1),
      });
      expect(expectProblem(tooBig, 400, 'validation_failed').errors).toEqual([{ field: 'metadata', message: expect.any(String) }]);
      // Multi-byte characters count as bytes, not characters.
      const wide = await createRequest(ws.owner.personalToken, ws.id, {
        name: 'Wide',
        serial: serial(),
        metadata: { k: 'é'.repeat(9 * KIB) },
      });
      expectProblem(wide, 400, 'validation_failed');
      expect(await deviceCount(ws.id)).toBe(1);
    });

    it.each([
      ['metadata an array', { metadata: [1, 2] }, 'metadata'],
      ['metadata a string', { metadata: 'x' }, 'metadata'],
      ['metadata null', { metadata: null }, 'metadata'],
      ['no name', { name: undefined }, 'name'],
      ['a blank name', { name: '   ' }, 'name'],
      ['no serial', { serial: undefined }, 'serial'],
      ['a serial with a space', { serial: 'SN 1' }, 'serial'],
      ['a serial over 128 characters', { serial: 'x'.repeat(129) }, 'serial'],
      ['an unknown field id', { id: randomUUID() }, 'id'],
      ['an unknown field workspaceId', { workspaceId: randomUUID() }, 'workspaceId'],
    ])('rejects %s with 400 naming the field', async (_label, override, field) => {
      const ws = await newWorkspace(t);
      const res = await createRequest(ws.owner.personalToken, ws.id, { name: 'Sensor', serial: serial(), ...override });
      expect((expectProblem(res, 400, 'validation_failed').errors as Array<{ field: string }>).map((e) => e.field)).toContain(field);
      expect(await deviceCount(ws.id)).toBe(0);
    });
  });

  describe('PATCH and DELETE /v1/workspaces/:wid/devices/:deviceId', () => {
    it('changes only the fields sent, and moves updatedAt', async () => {
      const ws = await newWorkspace(t);
      const device = await ws.device({ name: 'Old', metadata: { a: 1 } });
      t.clock.advanceSeconds(30);
      const res = await patchDevice(ws.owner.personalToken, ws.id, device.id, { name: 'New' }).expect(200);
      expect(res.body).toEqual({ ...device, name: 'New', updatedAt: t.clock.now().toISOString() });
      const meta = await patchDevice(ws.owner.personalToken, ws.id, device.id, { metadata: { b: 2 } }).expect(200);
      expect(meta.body).toMatchObject({ name: 'New', serial: device.serial, metadata: { b: 2 } });
      expect(await deviceRow(device.id)).toEqual({ workspace_id: ws.id, name: 'New', serial: device.serial, metadata: { b: 2 } });
    });

    it('refuses a serial taken in the workspace (409), bad metadata and unknown fields (400)', async () => {
      const ws = await newWorkspace(t);
      const one = await ws.device();
      const two = await ws.device();
      expectProblem(await patchDevice(ws.owner.personalToken, ws.id, two.id, { serial: one.serial }), 409, 'conflict');
      expectProblem(await patchDevice(ws.owner.personalToken, ws.id, two.id, { metadata: [1] }), 400, 'validation_failed');
      expectProblem(
        await patchDevice(ws.owner.personalToken, ws.id, two.id, { metadata: metadataOfSize(16 * KIB + 1) }),
        400,
        'validation_failed',
      );
      expectProblem(await patchDevice(ws.owner.personalToken, ws.id, two.id, { workspaceId: randomUUID() }), 400, 'validation_failed');
      expect(await deviceRow(two.id)).toEqual({ workspace_id: ws.id, name: two.name, serial: two.serial, metadata: {} });
      // Its own serial is no conflict.
      await patchDevice(ws.owner.personalToken, ws.id, two.id, { serial: two.serial }).expect(200);
    });

    it('deletes (204), after which the device is 404', async () => {
      const ws = await newWorkspace(t);
      const device = await ws.device();
      await deleteDevice(ws.owner.personalToken, ws.id, device.id).expect(204);
      expect(await deviceRow(device.id)).toBeUndefined();
      expectProblem(await getDevice(ws.owner.personalToken, ws.id, device.id), 404, 'not_found');
      expectProblem(await deleteDevice(ws.owner.personalToken, ws.id, device.id), 404, 'not_found');
      expectProblem(await patchDevice(ws.owner.personalToken, ws.id, device.id, { name: 'x' }), 404, 'not_found');
      expectProblem(await getDevice(ws.owner.personalToken, ws.id, 'not-a-uuid'), 400, 'validation_failed');
    });
  });

  describe('GET /v1/workspaces/:wid/devices', () => {
    it('pages with limit and cursor, newest first, each device once', async () => {
      const ws = await newWorkspace(t);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        ids.push((await ws.device()).id);
        t.clock.advanceSeconds(1);
      }
      // Two created in the same millisecond: the id breaks the tie.
      ids.push((await ws.device()).id, (await ws.device()).id);

      const pages: string[][] = [];
      let cursor: string | null = null;
      do {
        const res: Response = await t
          .http()
          .get(devicesPath(ws.id))
          .query({ limit: 2, ...(cursor ? { cursor } : {}) })
          .set(bearer(ws.owner.personalToken))
          .expect(200);
        pages.push(res.body.items.map((d: Device) => d.id));
        cursor = res.body.nextCursor;
      } while (cursor && pages.length < 10);
      expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
      const seen = pages.flat();
      expect(new Set(seen).size).toBe(5);
      expect(seen.slice(2)).toEqual([ids[2], ids[1], ids[0]]);
      expect(seen.slice(0, 2).sort()).toEqual([ids[3], ids[4]].sort());

      const all = await t.http().get(devicesPath(ws.id)).set(bearer(ws.owner.personalToken)).expect(200);
      expect(all.body).toEqual({ items: expect.any(Array), nextCursor: null });
      expect(all.body.items.map((d: Device) => d.id)).toEqual(seen);
    });

    it('filters by ?serial=', async () => {
      const ws = await newWorkspace(t);
      const wanted = await ws.device();
      await ws.device();
      expect(await listIds(ws.owner.personalToken, ws.id, { serial: wanted.serial })).toEqual([wanted.id]);
      expect(await listIds(ws.owner.personalToken, ws.id, { serial: 'SN-none' })).toEqual([]);
    });

    it('refuses a bad limit or cursor with 400', async () => {
      const ws = await newWorkspace(t);
      for (const query of [{ limit: 0 }, { limit: 201 }, { limit: 'x' }, { cursor: 'garbage' }, { color: 'red' }]) {
        expectProblem(await t.http().get(devicesPath(ws.id)).query(query).set(bearer(ws.owner.personalToken)), 400, 'validation_failed');
      }
    });

    it('answers 404 to a non-member, whatever the workspace id', async () => {
      const ws = await newWorkspace(t);
      await ws.device();
      const outsider = await registerUser(t);
      for (const wid of [ws.id, randomUUID()]) {
        expectProblem(await t.http().get(devicesPath(wid)).set(bearer(outsider.personalToken)), 404, 'not_found');
      }
    });
  });

  describe('device access', () => {
    it('limits a member invited with selected devices to those devices', async () => {
      const ws = await newWorkspace(t);
      const d1 = await ws.device();
      const d2 = await ws.device();
      // admin holds devices:delete, so DELETE below is judged by device access alone.
      const limited = await ws.member('admin', { devices: [d1.id] });
      const secret = limited.personalToken;

      expect(await listIds(secret, ws.id)).toEqual([d1.id]);
      expect(await listIds(secret, ws.id, { serial: d2.serial })).toEqual([]);
      await getDevice(secret, ws.id, d1.id).expect(200);
      expectProblem(await getDevice(secret, ws.id, d2.id), 404, 'not_found');
      expectProblem(await patchDevice(secret, ws.id, d2.id, { name: 'Mine now' }), 404, 'not_found');
      expectProblem(await deleteDevice(secret, ws.id, d2.id), 404, 'not_found');
      expect(await deviceRow(d2.id)).toMatchObject({ name: d2.name });

      // devices:create needs mode "all", even for an admin.
      expectProblem(await createRequest(secret, ws.id, { name: 'New', serial: serial() }), 403, 'forbidden');
      expect(await deviceCount(ws.id)).toBe(2);

      await patchDevice(secret, ws.id, d1.id, { name: 'Renamed' }).expect(200);
      await deleteDevice(secret, ws.id, d1.id).expect(204);
      expect(await deviceRow(d1.id)).toBeUndefined();
    });

    it('follows changes made through PATCH /v1/workspaces/:wid/members/:userId', async () => {
      const ws = await newWorkspace(t);
      const d1 = await ws.device();
      const d2 = await ws.device();
      const member = await ws.member('member');
      expect((await listIds(member.personalToken, ws.id)).sort()).toEqual([d1.id, d2.id].sort());
      await ws.device({}, member.personalToken);

      const res = await setDeviceAccess(ws, member.id, { mode: 'selected', deviceIds: [d2.id] }).expect(200);
      expect(res.body.deviceAccess).toEqual({ mode: 'selected', deviceIds: [d2.id] });
      expect(await listIds(member.personalToken, ws.id)).toEqual([d2.id]);
      expectProblem(await getDevice(member.personalToken, ws.id, d1.id), 404, 'not_found');
      expectProblem(await patchDevice(member.personalToken, ws.id, d1.id, { name: 'x' }), 404, 'not_found');
      expectProblem(await createRequest(member.personalToken, ws.id, { name: 'New', serial: serial() }), 403, 'forbidden');
      await patchDevice(member.personalToken, ws.id, d2.id, { name: 'Still mine' }).expect(200);

      await setDeviceAccess(ws, member.id, { mode: 'all' }).expect(200);
      expect(await listIds(member.personalToken, ws.id)).toHaveLength(3);
      await getDevice(member.personalToken, ws.id, d1.id).expect(200);
    });

    it.each([
      ['an array', []],
      ['a string', 'all'],
      ['null', null],
      ['an unknown mode', { mode: 'some' }],
      ['mode selected without deviceIds', { mode: 'selected' }],
      ['a device of no workspace', { mode: 'selected', deviceIds: [randomUUID()] }],
    ])('refuses device access %s on PATCH member (400) and leaves it as it was', async (_label, deviceAccess) => {
      const ws = await newWorkspace(t);
      const d1 = await ws.device();
      const member = await ws.member('member', { devices: [d1.id] });
      expectProblem(await setDeviceAccess(ws, member.id, deviceAccess), 400, 'validation_failed');
      expect(await memberDeviceAccess(ws, member.id)).toEqual({ mode: 'selected', deviceIds: [d1.id] });
      expect(await listIds(member.personalToken, ws.id)).toEqual([d1.id]);
    });

    it("removes a deleted device from members' selected device lists", async () => {
      const ws = await newWorkspace(t);
      const d1 = await ws.device();
      const d2 = await ws.device();
      const member = await ws.member('viewer', { devices: [d1.id, d2.id] });
      await deleteDevice(ws.owner.personalToken, ws.id, d1.id).expect(204);

      expect(await memberDeviceAccess(ws, member.id)).toEqual({ mode: 'selected', deviceIds: [d2.id] });
      const [{ n }] = await t.dataSource.query('SELECT count(*)::int AS n FROM membership_devices WHERE device_id = $1', [d1.id]);
      expect(n).toBe(0);
      expect(await listIds(member.personalToken, ws.id)).toEqual([d2.id]);
      // A new device that happens to reuse the serial is not granted through the old selection.
      const again = await ws.device({ serial: d1.serial });
      expectProblem(await getDevice(member.personalToken, ws.id, again.id), 404, 'not_found');
    });

    it("answers 404 for another workspace's device, even to that workspace's owner", async () => {
      const a = await newWorkspace(t);
      const b = await newWorkspace(t);
      const device = await a.device({ name: 'In A' });
      const secret = b.owner.personalToken;
      expectProblem(await getDevice(secret, b.id, device.id), 404, 'not_found');
      expectProblem(await patchDevice(secret, b.id, device.id, { name: 'Taken' }), 404, 'not_found');
      expectProblem(await deleteDevice(secret, b.id, device.id), 404, 'not_found');
      expect(await listIds(secret, b.id)).toEqual([]);
      expect(await listIds(secret, b.id, { serial: device.serial })).toEqual([]);
      expect(await deviceRow(device.id)).toMatchObject({ workspace_id: a.id, name: 'In A' });
      // And A's owner cannot reach it through B's path either, not being in B.
      expectProblem(await getDevice(a.owner.personalToken, b.id, device.id), 404, 'not_found');
    });
  });

  describe('roles and token scopes', () => {
    it('lets a viewer read, but not create, change or delete (403)', async () => {
      const ws = await newWorkspace(t);
      const device = await ws.device({ name: 'Fixed' });
      const viewer = await ws.member('viewer');
      expect(await listIds(viewer.personalToken, ws.id)).toEqual([device.id]);
      await getDevice(viewer.personalToken, ws.id, device.id).expect(200);
      expectProblem(await createRequest(viewer.personalToken, ws.id, { name: 'New', serial: serial() }), 403, 'forbidden');
      expectProblem(await patchDevice(viewer.personalToken, ws.id, device.id, { name: 'Changed' }), 403, 'forbidden');
      expectProblem(await deleteDevice(viewer.personalToken, ws.id, device.id), 403, 'forbidden');
      expect(await deviceCount(ws.id)).toBe(1);
      expect(await deviceRow(device.id)).toMatchObject({ name: 'Fixed' });
    });

    it('lets a member create and change, but not delete (403)', async () => {
      const ws = await newWorkspace(t);
      const member = await ws.member('member');
      const device = await ws.device({ name: 'By member' }, member.personalToken);
      await patchDevice(member.personalToken, ws.id, device.id, { name: 'Changed by member' }).expect(200);
      expectProblem(await deleteDevice(member.personalToken, ws.id, device.id), 403, 'forbidden');
      expect(await deviceRow(device.id)).toMatchObject({ name: 'Changed by member' });
      await deleteDevice(ws.owner.personalToken, ws.id, device.id).expect(204);
    });

    it('lets a token with scope devices:read, restricted to the workspace, list but not create (insufficient_scope)', async () => {
      const ws = await newWorkspace(t);
      const other = await createWorkspace(t, ws.owner.personalToken, 'Other');
      const device = await ws.device();
      const reader = await createNamedToken(t, ws.owner.personalToken, { scopes: ['devices:read'], workspaceIds: [ws.id] });

      expect(await listIds(reader.secret, ws.id)).toEqual([device.id]);
      await getDevice(reader.secret, ws.id, device.id).expect(200);
      expectProblem(await createRequest(reader.secret, ws.id, { name: 'New', serial: serial() }), 403, 'insufficient_scope');
      expectProblem(await patchDevice(reader.secret, ws.id, device.id, { name: 'x' }), 403, 'insufficient_scope');
      expectProblem(await deleteDevice(reader.secret, ws.id, device.id), 403, 'insufficient_scope');
      expect(await deviceCount(ws.id)).toBe(1);
      // Outside its restriction the workspace does not exist for it.
      expectProblem(await t.http().get(devicesPath(other.id)).set(bearer(reader.secret)), 404, 'not_found');
    });
  });
});
