// What a failed webhook delivery tells the tenant: a name resolving inside the operator's network and a
// name that does not resolve read the same in `lastError`, without an address or a resolver's message,
// so a workspace admin cannot map the operator's internal names. The operator's log has the detail.
import { isIP } from 'node:net';
import { OutboxWorker } from '../../src/outbox/outbox-worker';
import { WebhookSender } from '../../src/webhooks/webhook-sender';
import { bearer } from '../support/api';
import { newWorkspace, WorkspaceFixture } from '../support/fixtures';
import { LogCapture } from '../support/log-capture';
import { startTestApp, TestApp } from '../support/test-app';
import { guardConnections, WEBHOOK_TEST_ENV } from '../support/webhook-receiver';

const REFUSED_LOG = 'outgoing request refused: the host does not resolve to a public address';

let t: TestApp;
let ws: WorkspaceFixture;
let opened: string[];
const logs = new LogCapture();

/** As the operator's DNS would answer: internal names resolve inside, unknown ones fail. */
const answers: Record<string, string[]> = {
  'vm.example.com': ['127.0.0.1'],
  'db.example.com': ['10.20.30.40'],
  'nothing.example.com': [],
  // A public address: the guard refuses to connect to it as a closed port would (ECONNREFUSED).
  'partner.example.com': ['93.184.216.34'],
};

beforeAll(async () => {
  // No allowed CIDRs: the loopback is as forbidden as in production.
  t = await startTestApp(
    { ...WEBHOOK_TEST_ENV, LATCHKEY_WEBHOOK_ALLOWED_CIDRS: '', LATCHKEY_LOG_LEVEL: 'trace', LATCHKEY_LOG_REQUESTS: 'true' },
    undefined,
    { logDestination: logs },
  );
  const sender = t.app.get(WebhookSender);
  opened = guardConnections(sender);
  sender.resolver = async (name) => {
    const found = answers[name];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND', hostname: name });
    return found.map((address) => ({ address, family: isIP(address) }));
  };
  ws = await newWorkspace(t);
});
afterAll(() => t?.close());

/** The lastError of a test delivery to `host`, as the workspace's admin reads it. */
async function lastErrorFor(host: string): Promise<string> {
  const owner = bearer(ws.owner.personalToken);
  const created = await t
    .http()
    .post(`/v1/workspaces/${ws.id}/webhooks`)
    .set(owner)
    .send({ url: `https://${host}/hook?key=s3cret-in-the-url`, events: ['device.created'] })
    .expect(201);
  const hook = `/v1/workspaces/${ws.id}/webhooks/${created.body.endpoint.id}`;
  await t.http().post(`${hook}/test`).set(owner).expect(202);
  await t.app.get(OutboxWorker).drainDue();
  const res = await t.http().get(`${hook}/deliveries`).set(owner).expect(200);
  expect(res.body.items[0]).toMatchObject({ status: 'pending', responseStatus: null, attempts: 1 });
  return res.body.items[0].lastError;
}

describe('webhook delivery errors', () => {
  it('read the same for a name resolving inside and one that does not resolve, with no address in them', async () => {
    const errors = {
      loopback: await lastErrorFor('vm.example.com'),
      private: await lastErrorFor('db.example.com'),
      noAddress: await lastErrorFor('nothing.example.com'),
      unknown: await lastErrorFor('nosuch.example.com'),
    };
    for (const error of Object.values(errors)) {
      expect(error).toBe('refused: the host does not resolve to a public address');
      expect(error).not.toMatch(/\d+\.\d+\.\d+\.\d+|example\.com|ENOTFOUND|loopback|private/);
    }
    expect(opened).toEqual([]);
  });

  it("log the host, its addresses and the reason for the operator, at warn, without the URL's secret", async () => {
    await lastErrorFor('vm.example.com');
    await lastErrorFor('nosuch.example.com');
    const lines = logs.withMessage(REFUSED_LOG);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          level: 40,
          host: 'vm.example.com',
          addresses: ['127.0.0.1'],
          reason: expect.stringMatching(/127\.0\.0\.1.*loopback/),
        }),
        expect.objectContaining({ level: 40, host: 'nosuch.example.com', reason: expect.stringContaining('ENOTFOUND') }),
      ]),
    );
    expect(logs.text).not.toContain('s3cret-in-the-url');
  });

  it('of a failed connection show its code alone, not the address node tried (the operator log has it)', async () => {
    const sender = t.app.get(WebhookSender);
    const guarded = sender.connector;
    sender.connector = (target) => {
      throw Object.assign(new Error(`connect ECONNREFUSED ${target.address}:${target.port}`), { code: 'ECONNREFUSED' });
    };
    try {
      const error = await lastErrorFor('partner.example.com');
      expect(error).toBe('connection failed: ECONNREFUSED');
      expect(logs.withMessage('outgoing request failed')).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ level: 40, host: 'partner.example.com', reason: expect.stringContaining('93.184.216.34') }),
        ]),
      );
      expect(logs.text).not.toContain('s3cret-in-the-url');
    } finally {
      sender.connector = guarded;
    }
  });
});
