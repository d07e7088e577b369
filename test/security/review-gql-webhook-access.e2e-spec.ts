// Independent review: a webhook delivery's payload names the device an event is about. A member whose
// device access is "selected" but who holds webhooks:read (a custom role) reads the deliveries of every
// device's events, through GraphQL as through REST, devices they are told "not found" elsewhere.
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

  // TODO(review): open. Deliveries are listed whole to webhooks:read (src/webhooks/webhooks.service.ts,
  // listDeliveries), REST and GraphQL alike: their payloads carry devices outside the reader's device
  // access. The fix belongs in the webhooks service (filter or redact payloads by the caller's device
  // access, or make webhooks:read imply "all devices"), not in GraphQL; unskip once decided.
  it.skip("a member with selected devices does not read another device's events in deliveries (REST and GraphQL)", async () => {
    const rest = await t.http().get(`/v1/workspaces/${ws.id}/webhooks/${hook}/deliveries`).set(bearer(member.personalToken));
    expect(JSON.stringify(rest.body)).not.toContain(hidden);
    const res = await gql(
      t,
      member.personalToken,
      'query($w: ID!, $h: ID!) { workspace(id: $w) { webhook(id: $h) { deliveries { items { payload } } } } }',
      {
        w: ws.id,
        h: hook,
      },
    );
    expect(JSON.stringify(res.body)).not.toContain(hidden);
    expect(JSON.stringify(res.body)).not.toContain('secret-site');
  });

  it('documents the hole as it stands today (REST and GraphQL answer the same)', async () => {
    const rest = await t.http().get(`/v1/workspaces/${ws.id}/webhooks/${hook}/deliveries`).set(bearer(member.personalToken)).expect(200);
    const res = await gql(
      t,
      member.personalToken,
      'query($w: ID!, $h: ID!) { workspace(id: $w) { webhook(id: $h) { deliveries { items { payload } } } } }',
      {
        w: ws.id,
        h: hook,
      },
    );
    expect(JSON.stringify(rest.body).includes(hidden)).toBe(JSON.stringify(res.body).includes(hidden));
  });

  it('the audit log answers a selected-devices member with audit:read the same through GraphQL as through REST', async () => {
    const role = await ws.role(['workspace:read', 'devices:read', 'audit:read']);
    const auditor = await ws.member({ id: role }, { devices: [] });
    const rest = await t.http().get(`/v1/workspaces/${ws.id}/audit-events?limit=200`).set(bearer(auditor.personalToken)).expect(200);
    const res = await gql(
      t,
      auditor.personalToken,
      'query($w: ID!) { workspace(id: $w) { auditEvents(limit: 200) { items { id details } } } }',
      {
        w: ws.id,
      },
    );
    expect(res.errors).toBeUndefined();
    // Parity only. Today both show the auditor (no devices) the name of a device outside their access in
    // device.created's details (checked in review): the same open question as the deliveries' above.
    expect(JSON.stringify(rest.body).includes('hidden-device-outside-access')).toBe(
      JSON.stringify(res.body).includes('hidden-device-outside-access'),
    );
    const ids = (res.data?.workspace as { auditEvents: { items: Array<{ id: string }> } }).auditEvents.items.map((e) => e.id);
    expect(ids).toEqual(rest.body.items.map((e: { id: string }) => e.id));
  });
});
