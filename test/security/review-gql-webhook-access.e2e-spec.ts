// Independent review: a webhook delivery's payload names the device an event is about. A member whose
// device access is "selected" but who held webhooks:read (a custom role) read the deliveries of every
// device's events, devices they are told "not found" elsewhere. Webhooks now need every device.
import { bearer } from '../support/api';
import { newWorkspace, type WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';
import { gql } from '../graphql/gql';

const ENV = {
  LATCHKEY_OUTBOX_WORKER: 'off',
  LATCHKEY_WEBHOOK_SECRETS_KEY: 'test-webhook-secrets-key-0123456789abcdef',
};

describe('GraphQL review: webhook deliveries and device access', () => {
  let t: TestApp;
  let ws: WorkspaceFixture;
  let member: { personalToken: string };
  let hidden: string;
  let hook: string;

  beforeAll(async () => {
    t = await startTestApp(ENV);
    ws = await newWorkspace(t);
    const visible = (await ws.device({ name: 'visible-device' })).id;
    const role = await ws.role(['workspace:read', 'devices:read', 'webhooks:read']);
    member = await ws.member({ id: role }, { devices: [visible] });
    hook = (
      await t
        .http()
        .post(`/v1/workspaces/${ws.id}/webhooks`)
        .set(bearer(ws.owner.personalToken))
        .send({ url: 'https://hooks.example.com/x', events: ['device.created'] })
        .expect(201)
    ).body.endpoint.id;
    hidden = (await ws.device({ name: 'hidden-device-outside-access', metadata: { site: 'secret-site' } })).id;
  });
  afterAll(() => t.close());

  it('the device is "not found" to the member', async () => {
    await t.http().get(`/v1/workspaces/${ws.id}/devices/${hidden}`).set(bearer(member.personalToken)).expect(404);
  });

  // Was open (independent review): deliveries were listed whole to webhooks:read, their payloads naming
  // devices outside the reader's device access. webhooks:read and webhooks:manage now need access to
  // every device (ALL_DEVICES_PERMISSIONS, src/authorization/device-rules.ts), through every transport.
  it('refuses webhooks to a member with selected devices, through REST, GraphQL and /v1/authorize', async () => {
    const rest = await t.http().get(`/v1/workspaces/${ws.id}/webhooks/${hook}/deliveries`).set(bearer(member.personalToken));
    expect(rest.status).toBe(403);
    expect(rest.body.detail).toBe('webhooks:read needs access to all devices of the workspace.');
    expect(JSON.stringify(rest.body)).not.toContain(hidden);
    await t.http().get(`/v1/workspaces/${ws.id}/webhooks`).set(bearer(member.personalToken)).expect(403);
    const res = await gql(
      t,
      member.personalToken,
      'query($w: ID!, $h: ID!) { workspace(id: $w) { webhook(id: $h) { deliveries { items { payload } } } } }',
      { w: ws.id, h: hook },
    );
    expect(res.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(JSON.stringify(res.body)).not.toContain(hidden);
    expect(JSON.stringify(res.body)).not.toContain('secret-site');
    const asked = await t.http().get(`/v1/authorize?workspaceId=${ws.id}&permission=webhooks:read`).set(bearer(member.personalToken));
    expect(asked.status).toBe(403);
    // What the caller may do, as the server tells the console: not webhooks:read.
    const access = await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(member.personalToken)).expect(200);
    expect(access.body.access.permissions).toEqual(['devices:read', 'workspace:read']);
  });

  it('lets a member with every device and webhooks:read read the deliveries, the hidden device included', async () => {
    const role = await ws.role(['workspace:read', 'devices:read', 'webhooks:read']);
    const reader = await ws.member({ id: role }, { deviceAccess: { mode: 'all' } });
    const rest = await t.http().get(`/v1/workspaces/${ws.id}/webhooks/${hook}/deliveries`).set(bearer(reader.personalToken)).expect(200);
    expect(JSON.stringify(rest.body)).toContain(hidden);
  });

  it('the audit log refuses a selected-devices member with audit:read the same through GraphQL as through REST', async () => {
    const role = await ws.role(['workspace:read', 'devices:read', 'audit:read']);
    const auditor = await ws.member({ id: role }, { devices: [] });
    // audit:read tells of every device (device.created's details name them): it needs access to every
    // device, as webhooks:read does (WHOLE_WORKSPACE_PERMISSIONS; review-delegation.e2e-spec.ts).
    const rest = await t.http().get(`/v1/workspaces/${ws.id}/audit-events?limit=200`).set(bearer(auditor.personalToken));
    expect(rest.status).toBe(403);
    const res = await gql(
      t,
      auditor.personalToken,
      'query($w: ID!) { workspace(id: $w) { auditEvents(limit: 200) { items { id details } } } }',
      {
        w: ws.id,
      },
    );
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(JSON.stringify(rest.body)).not.toContain('hidden-device-outside-access');
    expect(JSON.stringify(res)).not.toContain('hidden-device-outside-access');
  });
});
