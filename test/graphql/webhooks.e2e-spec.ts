// Webhooks through GraphQL: the same endpoints, deliveries and writes as REST, under the same rules
// (webhooks:read to look, webhooks:manage to change), another tenant's ids "not found", the secret
// shown once, and the URL rules of REST. The outbox worker is off: nothing is sent from this test.
import { bearer } from '../support/api';
import { newWorkspace, type WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';
import { codes, gql } from './gql';

const ENV = {
  LATCHKEY_OUTBOX_WORKER: 'off',
  LATCHKEY_WEBHOOK_SECRETS_KEY: 'test-webhook-secrets-key-0123456789abcdef',
};
const CREATE =
  'mutation($w: ID!, $u: String!, $e: [String!]!) { createWebhook(workspaceId: $w, input: { url: $u, events: $e, description: "HR sync" }) { secret endpoint { id url events enabled workspaceId } } }';

describe('GraphQL webhooks', () => {
  let t: TestApp;
  let ws: WorkspaceFixture;
  let outsider: WorkspaceFixture;

  beforeAll(async () => {
    t = await startTestApp(ENV);
    ws = await newWorkspace(t);
    outsider = await newWorkspace(t);
  });
  afterAll(() => t.close());

  async function created(): Promise<{ id: string; secret: string }> {
    const res = await gql(t, ws.owner.personalToken, CREATE, { w: ws.id, u: 'https://hooks.example.com/latchkey', e: ['device.created'] });
    expect(res.errors).toBeUndefined();
    const made = res.data?.createWebhook as { secret: string; endpoint: { id: string } };
    return { id: made.endpoint.id, secret: made.secret };
  }

  it('creates an endpoint with its secret once, lists it as REST does, and never shows the secret again', async () => {
    const hook = await created();
    expect(hook.secret).toMatch(/^whsec_/);
    const rest = await t.http().get(`/v1/workspaces/${ws.id}/webhooks`).set(bearer(ws.owner.personalToken)).expect(200);
    const res = await gql(
      t,
      ws.owner.personalToken,
      'query($w: ID!) { workspace(id: $w) { webhooks { items { id url events enabled } } } }',
      {
        w: ws.id,
      },
    );
    const items = (res.data?.workspace as { webhooks: { items: Array<{ id: string }> } }).webhooks.items;
    expect(items.map((i) => i.id)).toEqual(rest.body.items.map((i: { id: string }) => i.id));
    expect(JSON.stringify(res.body)).not.toContain(hook.secret);
    const asked = await gql(t, ws.owner.personalToken, 'query($w: ID!, $id: ID!) { workspace(id: $w) { webhook(id: $id) { secret } } }', {
      w: ws.id,
      id: hook.id,
    });
    expect(codes(asked)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('shows the deliveries of an event, sends a test, redelivers with the same message id, rotates, changes and deletes', async () => {
    const hook = await created();
    await ws.device();
    const deliveries = async () => {
      const res = await gql(
        t,
        ws.owner.personalToken,
        'query($w: ID!, $id: ID!) { workspace(id: $w) { webhook(id: $id) { deliveries { items { id messageId eventType status attempts } } } } }',
        { w: ws.id, id: hook.id },
      );
      expect(res.errors).toBeUndefined();
      return (res.data?.workspace as { webhook: { deliveries: { items: Array<{ id: string; messageId: string; eventType: string }> } } })
        .webhook.deliveries.items;
    };
    const [first] = await deliveries();
    expect(first).toMatchObject({ eventType: 'device.created', status: 'pending' });
    const v = { w: ws.id, id: hook.id };
    const test = await gql(
      t,
      ws.owner.personalToken,
      'mutation($w: ID!, $id: ID!) { sendTestWebhook(workspaceId: $w, id: $id) { eventType } }',
      v,
    );
    expect(test.data).toEqual({ sendTestWebhook: { eventType: 'webhook.test' } });
    const again = await gql(
      t,
      ws.owner.personalToken,
      'mutation($w: ID!, $id: ID!, $d: ID!) { redeliverWebhook(workspaceId: $w, id: $id, deliveryId: $d) { messageId } }',
      { ...v, d: first.id },
    );
    expect(again.data).toEqual({ redeliverWebhook: { messageId: first.messageId } });
    const rotated = await gql(
      t,
      ws.owner.personalToken,
      'mutation($w: ID!, $id: ID!) { rotateWebhookSecret(workspaceId: $w, id: $id, input: { overlapSeconds: 0 }) { secret } }',
      v,
    );
    expect((rotated.data?.rotateWebhookSecret as { secret: string }).secret).toMatch(/^whsec_/);
    expect((rotated.data?.rotateWebhookSecret as { secret: string }).secret).not.toBe(hook.secret);
    const off = await gql(
      t,
      ws.owner.personalToken,
      'mutation($w: ID!, $id: ID!) { updateWebhook(workspaceId: $w, id: $id, input: { enabled: false }) { enabled } }',
      v,
    );
    expect(off.data).toEqual({ updateWebhook: { enabled: false } });
    const gone = await gql(t, ws.owner.personalToken, 'mutation($w: ID!, $id: ID!) { deleteWebhook(workspaceId: $w, id: $id) { id } }', v);
    expect(gone.data).toEqual({ deleteWebhook: { id: hook.id } });
    await t.http().get(`/v1/workspaces/${ws.id}/webhooks/${hook.id}`).set(bearer(ws.owner.personalToken)).expect(404);
  });

  it('answers NOT_FOUND to another tenant, and refuses those without webhooks:read or webhooks:manage', async () => {
    const hook = await created();
    const v = { w: ws.id, id: hook.id };
    const writes = [
      'mutation($w: ID!, $id: ID!) { updateWebhook(workspaceId: $w, id: $id, input: { url: "https://evil.example.com/x" }) { id } }',
      'mutation($w: ID!, $id: ID!) { deleteWebhook(workspaceId: $w, id: $id) { id } }',
      'mutation($w: ID!, $id: ID!) { rotateWebhookSecret(workspaceId: $w, id: $id) { secret } }',
      'mutation($w: ID!, $id: ID!) { sendTestWebhook(workspaceId: $w, id: $id) { id } }',
    ];
    for (const q of writes) {
      expect({ q, codes: codes(await gql(t, outsider.owner.personalToken, q, v)) }).toEqual({ q, codes: ['NOT_FOUND'] });
      // Its own workspace with the victim's endpoint id: not found either.
      expect({ q, codes: codes(await gql(t, outsider.owner.personalToken, q, { w: outsider.id, id: hook.id })) }).toEqual({
        q,
        codes: ['NOT_FOUND'],
      });
    }
    const read = 'query($w: ID!, $id: ID!) { workspace(id: $w) { webhook(id: $id) { url deliveries { items { id } } } } }';
    expect(codes(await gql(t, outsider.owner.personalToken, read, { w: outsider.id, id: hook.id }))).toEqual(['NOT_FOUND']);
    const viewer = await ws.member('viewer');
    expect(codes(await gql(t, viewer.personalToken, read, v))).toEqual(['FORBIDDEN']);
    for (const q of writes) expect({ q, codes: codes(await gql(t, viewer.personalToken, q, v)) }).toEqual({ q, codes: ['FORBIDDEN'] });
    const bot = await ws.apiUser({ roles: ['viewer'] });
    expect(codes(await gql(t, bot.token, CREATE, { w: ws.id, u: 'https://hooks.example.com/x', e: ['device.created'] }))).toEqual([
      'FORBIDDEN',
    ]);
    // Unchanged by all of it.
    const still = await t.http().get(`/v1/workspaces/${ws.id}/webhooks/${hook.id}`).set(bearer(ws.owner.personalToken)).expect(200);
    expect(still.body).toMatchObject({ url: 'https://hooks.example.com/latchkey', enabled: true });
  });

  it('refuses what REST refuses: private and loopback addresses, other schemes, unknown events, junk', async () => {
    for (const [u, e] of [
      ['http://127.0.0.1/hook', ['device.created']],
      ['https://[::1]/hook', ['device.created']],
      ['https://localhost/hook', ['device.created']],
      ['https://169.254.169.254/latest/meta-data', ['device.created']],
      ['javascript:alert(1)', ['device.created']],
      ['https://user:pass@hooks.example.com/', ['device.created']],
      [`https://hooks.example.com/${'x'.repeat(10_000)}`, ['device.created']],
      ['https://hooks.example.com/', ['no.such.event']],
      ['https://hooks.example.com/', []],
    ] as Array<[string, string[]]>) {
      const res = await gql(t, ws.owner.personalToken, CREATE, { w: ws.id, u, e });
      expect({ u: u.slice(0, 50), e, codes: codes(res) }).toEqual({ u: u.slice(0, 50), e, codes: ['BAD_USER_INPUT'] });
    }
  });
});
