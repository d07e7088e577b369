// POST /v1/workspaces/:wid/devices/bulk and the createDevices mutation: up to 1,000 devices in one
// transaction, held to the single create's rule, all or nothing. Each refusal is compared with what the
// single create answers the same caller, so the two cannot drift apart.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { bearer, createNamedToken, createWorkspace, expectProblem } from '../support/api';
import { Device, newWorkspace, WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';
import { codes, gql } from '../graphql/gql';

const ENV = {
  LATCHKEY_OUTBOX_WORKER: 'off',
  LATCHKEY_WEBHOOK_SECRETS_KEY: 'test-webhook-secrets-key-0123456789abcdef',
};

let t: TestApp;

const serial = () => `SN-${randomBytes(6).toString('hex')}`;
const items = (n: number, extra: Record<string, unknown> = {}) =>
  Array.from({ length: n }, (_, i) => ({ name: `Sensor ${i}`, serial: serial(), ...extra }));

const bulk = (secret: string, wid: string, body: unknown) =>
  t
    .http()
    .post(`/v1/workspaces/${wid}/devices/bulk`)
    .set(bearer(secret))
    .send(body as object);
const single = (secret: string, wid: string, body: unknown) =>
  t
    .http()
    .post(`/v1/workspaces/${wid}/devices`)
    .set(bearer(secret))
    .send(body as object);

async function count(table: 'devices' | 'audit_events' | 'webhook_deliveries', wid: string): Promise<number> {
  const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM ${table} WHERE workspace_id = $1`, [wid]);
  return n;
}

/** Rows, events and deliveries of a workspace, to show a refused request wrote none. */
const written = async (wid: string) => ({
  devices: await count('devices', wid),
  events: await count('audit_events', wid),
  deliveries: await count('webhook_deliveries', wid),
});

/** The bulk route refuses as the single create does: same status and code, and nothing written. */
async function expectRefusedAsSingle(secret: string, wid: string, status: number, code: string): Promise<void> {
  const before = await written(wid);
  expectProblem(await single(secret, wid, { name: 'One', serial: serial() }), status, code);
  expectProblem(await bulk(secret, wid, { devices: items(3) }), status, code);
  expect(await written(wid)).toEqual(before);
}

function fieldsOf(res: Response): string[] {
  return (res.body.errors as Array<{ field: string }>).map((e) => e.field);
}

describe('POST /v1/workspaces/:wid/devices/bulk', () => {
  beforeAll(async () => {
    t = await startTestApp(ENV);
  });
  afterAll(() => t.close());

  it('creates the devices in request order, each as the single create makes it: same view, audit event and webhook event', async () => {
    const ws = await newWorkspace(t);
    await t
      .http()
      .post(`/v1/workspaces/${ws.id}/webhooks`)
      .set(bearer(ws.owner.personalToken))
      .send({ url: 'https://hooks.example.com/devices', events: ['device.created'] })
      .expect(201);
    // An endpoint of other events gets none of these.
    await t
      .http()
      .post(`/v1/workspaces/${ws.id}/webhooks`)
      .set(bearer(ws.owner.personalToken))
      .send({ url: 'https://hooks.example.com/deletes', events: ['device.deleted'] })
      .expect(201);
    const one = await ws.device({ name: 'Alone', metadata: { a: 1 } });
    const sent = [
      { name: '  Ünïcødé 温度计 🌡️  ', serial: serial(), metadata: { site: 'Greenhouse 3', tags: ['a'] } },
      { name: 'Second', serial: serial() },
      { name: 'Alone', serial: serial(), metadata: {} },
    ];
    const res = await bulk(ws.owner.personalToken, ws.id, { devices: sent }).expect(201);
    const now = t.clock.now().toISOString();
    expect(res.body).toEqual(
      sent.map((d) => ({
        id: expect.any(String),
        name: d.name.trim(),
        serial: d.serial,
        metadata: d.metadata ?? {},
        createdAt: now,
        updatedAt: now,
      })),
    );
    // Each reads back as the single create's device does.
    for (const device of res.body as Device[]) {
      const read = await t.http().get(`/v1/workspaces/${ws.id}/devices/${device.id}`).set(bearer(ws.owner.personalToken)).expect(200);
      expect(read.body).toEqual(device);
    }
    expect(Object.keys(res.body[0]).sort()).toEqual(Object.keys(one).sort());

    // One audit event per device, shaped as the single create's.
    const events: Array<{ action: string; target_id: string; actor_id: string; actor_token_id: string; details: unknown }> =
      await t.dataSource.query(
        `SELECT action, target_id, actor_id, actor_token_id, details FROM audit_events WHERE workspace_id = $1 AND action = 'device.created'`,
        [ws.id],
      );
    const byTarget = new Map(events.map((e) => [e.target_id, e]));
    expect(events).toHaveLength(4);
    for (const device of [one, ...(res.body as Device[])]) {
      expect(byTarget.get(device.id)).toEqual({
        action: 'device.created',
        target_id: device.id,
        actor_id: ws.owner.id,
        actor_token_id: byTarget.get(one.id)!.actor_token_id,
        details: { name: device.name, serial: device.serial },
      });
    }

    // One device.created delivery per device, with the single create's payload shape.
    const deliveries: Array<{ event_type: string; payload: { type: string; data: Record<string, unknown> } }> = await t.dataSource.query(
      `SELECT event_type, payload FROM webhook_deliveries WHERE workspace_id = $1`,
      [ws.id],
    );
    expect(deliveries).toHaveLength(4);
    const payloadOf = (id: string) => deliveries.find((d) => (d.payload.data.target as { id: string }).id === id)!;
    const alone = payloadOf(one.id);
    for (const device of res.body as Device[]) {
      const delivery = payloadOf(device.id);
      expect(delivery.event_type).toBe('device.created');
      expect(Object.keys(delivery.payload.data).sort()).toEqual(Object.keys(alone.payload.data).sort());
      expect(delivery.payload.data).toMatchObject({ workspaceId: ws.id, name: device.name, serial: device.serial });
    }
    const jobs: Array<{ n: number }> = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM outbox_jobs WHERE kind = 'webhook' AND payload->>'workspaceId' = $1`,
      [ws.id],
    );
    expect(jobs[0].n).toBe(4);

    // Nothing cached stands in the way of the new devices: the check answers for them at once.
    for (const device of res.body as Device[]) {
      await t
        .http()
        .get('/v1/authorize')
        .query({ workspaceId: ws.id, permission: 'devices:read', deviceId: device.id })
        .set(bearer(ws.owner.personalToken))
        .expect(204);
    }
  });

  it('takes 1,000 devices with metadata in one request, each delivered to every subscribed endpoint, and refuses 0 or 1,001', async () => {
    const ws = await newWorkspace(t);
    for (const path of ['a', 'b']) {
      await t
        .http()
        .post(`/v1/workspaces/${ws.id}/webhooks`)
        .set(bearer(ws.owner.personalToken))
        .send({ url: `https://hooks.example.com/${path}`, events: ['device.created'] })
        .expect(201);
    }
    const thousand = items(1000, { metadata: { site: 'Greenhouse 3', firmware: '2.4.1', rack: 7 } });
    const res = await bulk(ws.owner.personalToken, ws.id, { devices: thousand }).expect(201);
    expect((res.body as Device[]).map((d) => d.serial)).toEqual(thousand.map((d) => d.serial));
    // 2,000 deliveries: more than one multi-row insert holds.
    expect(await written(ws.id)).toMatchObject({ devices: 1000, deliveries: 2000 });
    const [{ jobs }] = await t.dataSource.query(
      `SELECT count(DISTINCT payload->>'deliveryId')::int AS jobs FROM outbox_jobs WHERE kind = 'webhook' AND payload->>'workspaceId' = $1`,
      [ws.id],
    );
    expect(jobs).toBe(2000);

    const before = await written(ws.id);
    for (const devices of [[], items(1001)]) {
      const refused = expectProblem(await bulk(ws.owner.personalToken, ws.id, { devices }), 400, 'validation_failed');
      expect(refused.errors).toEqual([{ field: 'devices', message: expect.any(String) }]);
    }
    for (const body of [{}, { devices: null }, { devices: 'x' }, { devices: { name: 'a', serial: 'b' } }, [items(1)]]) {
      expectProblem(await bulk(ws.owner.personalToken, ws.id, body), 400, 'validation_failed');
    }
    expect(await written(ws.id)).toEqual(before);
  });

  it('writes nothing when item 500 of 1,000 is invalid, and names it', async () => {
    const ws = await newWorkspace(t);
    await ws.device();
    const before = await written(ws.id);
    const devices: Array<Record<string, unknown>> = items(1000);
    devices[500] = { name: 'x'.repeat(201), serial: serial() };
    const res = await bulk(ws.owner.personalToken, ws.id, { devices });
    expectProblem(res, 400, 'validation_failed');
    expect(fieldsOf(res)).toEqual(['devices[500].name']);
    expect(await written(ws.id)).toEqual(before);

    // The same with a fault only the service finds (metadata over 16 KiB), and one only the database would.
    devices[500] = { name: 'ok', serial: serial(), metadata: { k: 'x'.repeat(16 * 1024) } };
    const big = await bulk(ws.owner.personalToken, ws.id, { devices: devices.slice(0, 501) });
    expectProblem(big, 400, 'validation_failed');
    expect(fieldsOf(big)).toEqual(['devices[500].metadata']);
    expect(await written(ws.id)).toEqual(before);
  });

  it('refuses junk items naming the item and field: wrong types, unknown fields, non-objects, blank or too long names, NUL', async () => {
    const ws = await newWorkspace(t);
    const cases: Array<[string, unknown, string]> = [
      ['a number as name', { name: 5, serial: serial() }, 'devices[1].name'],
      ['no serial', { name: 'n' }, 'devices[1].serial'],
      ['a serial with spaces', { name: 'n', serial: 'has space' }, 'devices[1].serial'],
      ['metadata as a list', { name: 'n', serial: serial(), metadata: [1] }, 'devices[1].metadata'],
      ['an unknown field', { name: 'n', serial: serial(), id: randomUUID() }, 'devices[1].id'],
      ['a workspaceId', { name: 'n', serial: serial(), workspaceId: randomUUID() }, 'devices[1].workspaceId'],
      ['a blank name', { name: '   ', serial: serial() }, 'devices[1].name'],
      ['a 201-character name', { name: 'é'.repeat(201), serial: serial() }, 'devices[1].name'],
      ['a NUL in the name', { name: 'a\u0000b', serial: serial() }, 'devices[1].name'],
      ['a lone surrogate', { name: 'a\ud800b', serial: serial() }, 'devices[1].name'],
      ['a forbidden key', { name: 'n', serial: serial(), metadata: { constructor: 1 } }, 'devices[1].metadata.constructor'],
    ];
    const before = await written(ws.id);
    for (const [label, item, field] of cases) {
      const res = await bulk(ws.owner.personalToken, ws.id, { devices: [{ name: 'fine', serial: serial() }, item] });
      expect({ label, status: res.status, fields: fieldsOf(res) }).toEqual({ label, status: 400, fields: [field] });
    }
    for (const item of [null, 7, 'device', [{ name: 'n', serial: serial() }]]) {
      const res = await bulk(ws.owner.personalToken, ws.id, { devices: [{ name: 'fine', serial: serial() }, item] });
      expectProblem(res, 400, 'validation_failed');
      expect(fieldsOf(res).every((f) => f.startsWith('devices'))).toBe(true);
    }
    const extra = await bulk(ws.owner.personalToken, ws.id, { devices: items(1), force: true });
    expect(fieldsOf(extra)).toEqual(['force']);
    expect(await written(ws.id)).toEqual(before);
    // A 200-character name of astral characters is 200 characters, as for the single create.
    const longest = '😀'.repeat(100);
    const singleAnswer = await single(ws.owner.personalToken, ws.id, { name: longest, serial: serial() });
    const bulkAnswer = await bulk(ws.owner.personalToken, ws.id, { devices: [{ name: longest, serial: serial() }] });
    expect(bulkAnswer.status === 201).toBe(singleAnswer.status === 201);
  });

  it('refuses a body over 1 MiB with 413 before reading it, writing nothing', async () => {
    const ws = await newWorkspace(t);
    const devices = items(1000, { metadata: { pad: 'x'.repeat(1100) } });
    const res = await bulk(ws.owner.personalToken, ws.id, { devices });
    expectProblem(res, 413, 'payload_too_large');
    expect(await written(ws.id)).toMatchObject({ devices: 0 });
  });

  it('answers 409 for a serial taken already or twice in the batch, writing nothing; names may repeat', async () => {
    const ws = await newWorkspace(t);
    const existing = await ws.device({ name: 'Same name' });
    const before = await written(ws.id);
    const taken = await bulk(ws.owner.personalToken, ws.id, { devices: [...items(2), { name: 'x', serial: existing.serial }] });
    expect(expectProblem(taken, 409, 'conflict').detail).toContain('devices[2].serial');
    expectProblem(await single(ws.owner.personalToken, ws.id, { name: 'x', serial: existing.serial }), 409, 'conflict');
    const twice = items(4);
    twice[3].serial = twice[1].serial;
    const repeated = await bulk(ws.owner.personalToken, ws.id, { devices: twice });
    expect(expectProblem(repeated, 409, 'conflict').detail).toContain('devices[3].serial');
    expect(await written(ws.id)).toEqual(before);

    await bulk(ws.owner.personalToken, ws.id, {
      devices: [
        { name: 'Same name', serial: serial() },
        { name: 'Same name', serial: serial() },
      ],
    }).expect(201);
    expect(await count('devices', ws.id)).toBe(3);
  });

  it('lands two bulk requests sent at once in one workspace, each row once', async () => {
    const ws = await newWorkspace(t);
    const a = items(300);
    const b = items(300);
    const [ra, rb] = await Promise.all([
      bulk(ws.owner.personalToken, ws.id, { devices: a }),
      bulk(ws.owner.personalToken, ws.id, { devices: b }),
    ]);
    expect([ra.status, rb.status]).toEqual([201, 201]);
    const serials: Array<{ serial: string }> = await t.dataSource.query('SELECT serial FROM devices WHERE workspace_id = $1', [ws.id]);
    expect(serials.map((r) => r.serial).sort()).toEqual([...a, ...b].map((d) => d.serial).sort());
    expect(await count('audit_events', ws.id)).toBe((await written(ws.id)).events);
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE workspace_id = $1 AND action = 'device.created'`,
      [ws.id],
    );
    expect(n).toBe(600);

    // The same serial in both at once: one lands, the other is a 409, never both.
    const shared = serial();
    const [rc, rd] = await Promise.all([
      bulk(ws.owner.personalToken, ws.id, { devices: [...items(50), { name: 'c', serial: shared }] }),
      bulk(ws.owner.personalToken, ws.id, { devices: [...items(50), { name: 'd', serial: shared }] }),
    ]);
    expect([rc.status, rd.status].sort()).toEqual([201, 409]);
    expect(await count('devices', ws.id)).toBe(651);
  });

  describe('who may', () => {
    let ws: WorkspaceFixture;
    beforeAll(async () => {
      ws = await newWorkspace(t);
    });

    it("answers 404 for another workspace's id and an unknown one, as for any non-member", async () => {
      const other = await newWorkspace(t);
      await expectRefusedAsSingle(other.owner.personalToken, ws.id, 404, 'not_found');
      await expectRefusedAsSingle(ws.owner.personalToken, randomUUID(), 404, 'not_found');
      expectProblem(await bulk(ws.owner.personalToken, 'not-a-uuid', { devices: items(1) }), 400, 'validation_failed');
    });

    it('refuses a member without devices:create, and one with it but selected devices, as the single create does', async () => {
      const viewer = await ws.member('viewer');
      await expectRefusedAsSingle(viewer.personalToken, ws.id, 403, 'forbidden');
      const device = await ws.device();
      const limited = await ws.member('member', { devices: [device.id] });
      await expectRefusedAsSingle(limited.personalToken, ws.id, 403, 'forbidden');
      const member = await ws.member('member');
      await bulk(member.personalToken, ws.id, { devices: items(2) }).expect(201);
    });

    it('lets an API user with devices:create and all devices create, and refuses one without, or with selected devices', async () => {
      const device = await ws.device();
      const writer = await ws.apiUser({ roles: ['member'] });
      const res = await bulk(writer.token, ws.id, { devices: items(2) }).expect(201);
      const [event] = await t.dataSource.query(`SELECT actor_type, actor_id FROM audit_events WHERE target_id = $1`, [res.body[0].id]);
      expect(event).toEqual({ actor_type: 'api_user', actor_id: writer.id });
      await expectRefusedAsSingle((await ws.apiUser({ roles: ['viewer'] })).token, ws.id, 403, 'forbidden');
      await expectRefusedAsSingle((await ws.apiUser({ roles: ['member'], devices: [device.id] })).token, ws.id, 403, 'forbidden');
    });

    it('holds restricted tokens to their scopes and workspaces, as the single create does', async () => {
      const other = await createWorkspace(t, ws.owner.personalToken, 'Other');
      const elsewhere = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'], workspaceIds: [other.id] });
      await expectRefusedAsSingle(elsewhere.secret, ws.id, 404, 'not_found');
      const reader = await createNamedToken(t, ws.owner.personalToken, { scopes: ['devices:read'], workspaceIds: [ws.id] });
      await expectRefusedAsSingle(reader.secret, ws.id, 403, 'insufficient_scope');
      const creator = await createNamedToken(t, ws.owner.personalToken, { scopes: ['devices:create'], workspaceIds: [ws.id] });
      await bulk(creator.secret, ws.id, { devices: items(1) }).expect(201);
    });

    it('refuses a member once demoted to viewer', async () => {
      const member = await ws.member('member');
      await t
        .http()
        .patch(`/v1/workspaces/${ws.id}/members/${member.id}`)
        .set(bearer(ws.owner.personalToken))
        .send({ roleIds: [ws.roles.viewer] })
        .expect(200);
      await expectRefusedAsSingle(member.personalToken, ws.id, 403, 'forbidden');
    });
  });

  describe('GraphQL createDevices', () => {
    const MUTATION = `mutation($w: ID!, $input: CreateDevicesInput!) { createDevices(workspaceId: $w, input: $input) { id name serial metadata } }`;

    it('creates through the same service and rule, and refuses as REST does', async () => {
      const ws = await newWorkspace(t);
      const devices = items(3, { metadata: { x: 1 } });
      const made = await gql(t, ws.owner.personalToken, MUTATION, { w: ws.id, input: { devices } });
      expect(made.errors).toBeUndefined();
      expect((made.data!.createDevices as Device[]).map((d) => d.serial)).toEqual(devices.map((d) => d.serial));
      expect(await count('devices', ws.id)).toBe(3);

      const viewer = await ws.member('viewer');
      const refused = await gql(t, viewer.personalToken, MUTATION, { w: ws.id, input: { devices: items(1) } });
      expect(codes(refused)).toEqual(['FORBIDDEN']);
      const outsider = await newWorkspace(t);
      expect(codes(await gql(t, outsider.owner.personalToken, MUTATION, { w: ws.id, input: { devices: items(1) } }))).toEqual([
        'NOT_FOUND',
      ]);
      const bad = await gql(t, ws.owner.personalToken, MUTATION, {
        w: ws.id,
        input: { devices: [...items(1), { name: '', serial: serial() }] },
      });
      expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
      expect(JSON.stringify(bad.errors)).toContain('devices[1].name');
      expect(codes(await gql(t, ws.owner.personalToken, MUTATION, { w: ws.id, input: { devices: [] } }))).toEqual(['BAD_USER_INPUT']);
      expect(await count('devices', ws.id)).toBe(3);
    });
  });
});
