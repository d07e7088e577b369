// Independent review of webhooks, as an outside attacker would try them: every spelling of an inside
// address at save time (IPv4-compatible and translated IPv6 forms, octal, decimal, trailing dots), names
// that resolve inside at send time, and delivery ids of another endpoint or another workspace.
import { isIP } from 'node:net';
import { OutboxWorker } from '../../src/outbox/outbox-worker';
import { Connector, WebhookSender } from '../../src/webhooks/webhook-sender';
import { bearer, expectProblem } from '../support/api';
import { newWorkspace, WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

let t: TestApp;
let ws: WorkspaceFixture;
let other: WorkspaceFixture;
/** Every address a delivery tried to open; the guard opens none. */
const opened: string[] = [];

const answers: Record<string, string[]> = {
  'public.example.com': ['93.184.216.34'],
  'compat.example.com': ['::127.0.0.1'],
  'compat-metadata.example.com': ['::a9fe:a9fe'],
  'nat64.example.com': ['64:ff9b::a9fe:a9fe'],
  'zone.example.com': ['fe80::1%eth0'],
  'doc.example.com': ['2001:db8::1'],
  'zero.example.com': ['0.0.0.0'],
  'translated.example.com': ['::ffff:0:7f00:1'],
  'second-inside.example.com': ['2606:2800:220:1:248:1893:25c8:1946', '::7f00:1'],
};

beforeAll(async () => {
  t = await startTestApp({
    LATCHKEY_OUTBOX_WORKER: 'off',
    LATCHKEY_WEBHOOK_ALLOW_HTTP: 'true',
    // Nothing allowed: the loopback is as forbidden as in production.
    LATCHKEY_WEBHOOK_ALLOWED_CIDRS: '',
    LATCHKEY_WEBHOOK_SECRETS_KEY: 'test-webhook-secrets-key-0123456789abcdef',
    LATCHKEY_WEBHOOK_CONNECT_TIMEOUT_MS: '500',
    LATCHKEY_WEBHOOK_TIMEOUT_MS: '800',
  });
  const sender = t.app.get(WebhookSender);
  sender.resolver = async (name) => (answers[name] ?? []).map((address) => ({ address, family: isIP(address.split('%')[0]) }));
  const guard: Connector = (target) => {
    opened.push(target.address);
    throw new Error(`review guard: refused to connect to ${target.address}`);
  };
  sender.connector = guard;
  ws = await newWorkspace(t);
  other = await newWorkspace(t);
});
afterAll(() => t?.close());

const hooks = (wid: string, rest = '') => `/v1/workspaces/${wid}/webhooks${rest}`;
const create = (w: WorkspaceFixture, url: string) =>
  t
    .http()
    .post(hooks(w.id))
    .set(bearer(w.owner.personalToken))
    .send({ url, events: ['device.created'] });

describe('review: webhook addresses', () => {
  it('refuses every spelling of an inside address when an endpoint is saved', async () => {
    for (const url of [
      'http://[::127.0.0.1]/x',
      'http://[::7f00:1]/x',
      'http://[::a9fe:a9fe]/latest/meta-data',
      'http://[::a00:1]/x',
      'http://[0:0:0:0:0:ffff:127.0.0.1]/x',
      'http://[::ffff:169.254.169.254]/x',
      'http://[::ffff:0:7f00:1]/x',
      'http://[64:ff9b::a9fe:a9fe]/x',
      'http://[2002:7f00:1::]/x',
      'http://[2001::1]/x',
      'http://[fec0::1]/x',
      'http://0177.0.0.1/x',
      'http://017700000001/x',
      'http://0x7f000001/x',
      'http://127.0.0.1./x',
      'http://169.254.169.254./x',
      'http://0/x',
      'http://[fe80::1%25eth0]/x',
      'http://metadata.google.internal/computeMetadata/v1/',
      'http://printer.local/x',
      'http://router.home.arpa/x',
    ]) {
      const res = await create(ws, url);
      if (res.status !== 400) throw new Error(`${url} was answered ${res.status}`);
      expectProblem(res, 400, 'validation_failed');
    }
  });

  it('refuses at send time a name whose addresses are inside in any form, and opens no connection', async () => {
    const owner = bearer(ws.owner.personalToken);
    for (const host of Object.keys(answers).filter((h) => h !== 'public.example.com')) {
      const created = await create(ws, `https://${host}/hook`);
      expect(created.status).toBe(201);
      const id = created.body.endpoint.id as string;
      await t
        .http()
        .post(hooks(ws.id, `/${id}/test`))
        .set(owner)
        .expect(202);
      await t.app.get(OutboxWorker).drainDue();
      const res = await t
        .http()
        .get(hooks(ws.id, `/${id}/deliveries`))
        .set(owner)
        .expect(200);
      if (!/^refused: /.test(res.body.items[0].lastError)) throw new Error(`${host}: ${res.body.items[0].lastError}`);
    }
    expect(opened).toEqual([]);
  });
});

describe('review: webhook ids across endpoints and workspaces', () => {
  it("redelivers a delivery only through its own endpoint, in its own workspace; another's is 404", async () => {
    const owner = bearer(ws.owner.personalToken);
    const a = (await create(ws, 'https://public.example.com/a')).body.endpoint.id as string;
    const b = (await create(ws, 'https://public.example.com/b')).body.endpoint.id as string;
    const theirs = (await create(other, 'https://public.example.com/theirs')).body.endpoint.id as string;
    const delivery = (
      await t
        .http()
        .post(hooks(ws.id, `/${b}/test`))
        .set(owner)
        .expect(202)
    ).body.id as string;
    const theirDelivery = (
      await t
        .http()
        .post(hooks(other.id, `/${theirs}/test`))
        .set(bearer(other.owner.personalToken))
        .expect(202)
    ).body.id as string;

    // B's delivery through A's path; the other workspace's delivery through this one's endpoints.
    expectProblem(
      await t
        .http()
        .post(hooks(ws.id, `/${a}/deliveries/${delivery}/redeliver`))
        .set(owner),
      404,
      'not_found',
    );
    expectProblem(
      await t
        .http()
        .post(hooks(ws.id, `/${a}/deliveries/${theirDelivery}/redeliver`))
        .set(owner),
      404,
      'not_found',
    );
    expectProblem(
      await t
        .http()
        .post(hooks(ws.id, `/${theirs}/deliveries/${theirDelivery}/redeliver`))
        .set(owner),
      404,
      'not_found',
    );
    // The other workspace's owner reaching into this one.
    const them = bearer(other.owner.personalToken);
    expectProblem(
      await t
        .http()
        .post(hooks(other.id, `/${b}/deliveries/${delivery}/redeliver`))
        .set(them),
      404,
      'not_found',
    );
    expectProblem(
      await t
        .http()
        .post(hooks(ws.id, `/${b}/deliveries/${delivery}/redeliver`))
        .set(them),
      404,
      'not_found',
    );
    expectProblem(
      await t
        .http()
        .get(hooks(ws.id, `/${b}/deliveries`))
        .set(them),
      404,
      'not_found',
    );
    // Nothing was queued by the refused attempts: only the two tests.
    const [row] = await t.dataSource.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = ANY($1)`, [
      [a, b, theirs],
    ]);
    expect(row.n).toBe(2);
  });

  it('a disabled endpoint sends no test and redelivers nothing; a pending delivery stays unsent', async () => {
    const owner = bearer(ws.owner.personalToken);
    await t.app.get(OutboxWorker).drainDue();
    const id = (await create(ws, 'https://public.example.com/paused')).body.endpoint.id as string;
    const delivery = (
      await t
        .http()
        .post(hooks(ws.id, `/${id}/test`))
        .set(owner)
        .expect(202)
    ).body.id as string;
    await t
      .http()
      .patch(hooks(ws.id, `/${id}`))
      .set(owner)
      .send({ enabled: false })
      .expect(200);
    const before = opened.length;
    await t.app.get(OutboxWorker).drainDue();
    expect(opened.length).toBe(before);
    expectProblem(
      await t
        .http()
        .post(hooks(ws.id, `/${id}/test`))
        .set(owner),
      409,
      'conflict',
    );
    expectProblem(
      await t
        .http()
        .post(hooks(ws.id, `/${id}/deliveries/${delivery}/redeliver`))
        .set(owner),
      409,
      'conflict',
    );
  });
});
