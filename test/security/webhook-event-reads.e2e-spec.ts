// An endpoint is a standing read of the events it subscribes to. A member holding webhooks:read and
// webhooks:manage but not members:read or api_users:read (their members, invitations and audit log all
// 403) subscribed an endpoint to invitation.created and api_user.created and read every invitee's email
// and every new API user's grants in its deliveries; or redirected an endpoint the owner made to their
// own server and redelivered its old messages. Now each event needs the read permission that shows the
// same data through the API (src/webhooks/webhook-events.ts), for every act on an endpoint and every
// transport; another workspace's endpoint is still "not found".
import { WEBHOOK_EVENT_TYPES } from '../../src/webhooks/webhook-events';
import { gql } from '../graphql/gql';
import { bearer, createNamedToken, expectProblem } from '../support/api';
import { Member, newWorkspace, WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

const ENV = {
  LATCHKEY_OUTBOX_WORKER: 'off',
  LATCHKEY_WEBHOOK_SECRETS_KEY: 'test-webhook-secrets-key-0123456789abcdef',
  LATCHKEY_WEBHOOK_MAX_ENDPOINTS: '40',
};
const URL = 'https://hooks.example.com/owner';
const EVIL = 'https://evil.example.com/collect';
const SECRET_EMAIL = 'ceo-private@example.com';
const BOT_NAME = 'payroll-bot-secret';

let t: TestApp;
let ws: WorkspaceFixture;
let other: WorkspaceFixture;
/** workspace:read, webhooks:read, webhooks:manage: no members:read, no api_users:read. */
let snoop: Member;
/** The owner's endpoint, subscribed to everything, with the invitation and the API user delivered to it. */
let everything: string;
let invitationDelivery: string;

const hooks = (wid: string, rest = '') => `/v1/workspaces/${wid}/webhooks${rest}`;

async function create(by: string, events: string[], url = URL) {
  return t.http().post(hooks(ws.id)).set(bearer(by)).send({ url, events });
}

async function deliveriesOf(endpoint: string, by: string) {
  const res = await t
    .http()
    .get(hooks(ws.id, `/${endpoint}/deliveries?limit=200`))
    .set(bearer(by))
    .expect(200);
  return res.body.items as Array<{ id: string; eventType: string; payload: Record<string, unknown> }>;
}

beforeAll(async () => {
  t = await startTestApp(ENV);
  ws = await newWorkspace(t);
  other = await newWorkspace(t);
  snoop = await ws.member({ id: await ws.role(['workspace:read', 'webhooks:read', 'webhooks:manage']) });
  const made = await create(ws.owner.personalToken, [...WEBHOOK_EVENT_TYPES]);
  expect(made.status).toBe(201);
  everything = made.body.endpoint.id;
  await t
    .http()
    .post(`/v1/workspaces/${ws.id}/invitations`)
    .set(bearer(ws.owner.personalToken))
    .send({ email: SECRET_EMAIL, roleIds: [ws.roles.admin], deviceAccess: { mode: 'all' } })
    .expect(201);
  await ws.apiUser({ roles: ['admin'], name: BOT_NAME });
  const delivered = await deliveriesOf(everything, ws.owner.personalToken);
  invitationDelivery = delivered.find((d) => d.eventType === 'invitation.created')!.id;
});
afterAll(() => t?.close());

describe('webhook events need the read permission of what they tell', () => {
  it('the member cannot read members, invitations or the audit log directly', async () => {
    for (const path of ['members', 'invitations', 'audit-events', 'api-users']) {
      expectProblem(await t.http().get(`/v1/workspaces/${ws.id}/${path}`).set(bearer(snoop.personalToken)), 403, 'forbidden');
    }
  });

  it('refuses to create an endpoint for events the caller could not read otherwise, naming what is missing', async () => {
    const invitations = expectProblem(await create(snoop.personalToken, ['invitation.created']), 403, 'forbidden');
    expect(invitations.detail).toContain('members:read');
    const both = expectProblem(await create(snoop.personalToken, ['invitation.created', 'api_user.created']), 403, 'forbidden');
    expect(both.detail).toMatch(/api_user\.created, invitation\.created need api_users:read, members:read/);
    // Events it may read: workspace:read shows the token policy.
    expect((await create(snoop.personalToken, ['token_policy.changed'])).status).toBe(201);
  });

  it("refuses the deliveries of the owner's endpoint: no email, no API user, and nothing redelivered", async () => {
    const res = await t
      .http()
      .get(hooks(ws.id, `/${everything}/deliveries`))
      .set(bearer(snoop.personalToken));
    const body = expectProblem(res, 403, 'forbidden');
    expect(body.detail).toContain('members:read');
    expect(body.detail).toContain('api_users:read');
    expect(JSON.stringify(res.body)).not.toContain(SECRET_EMAIL);
    expect(JSON.stringify(res.body)).not.toContain(BOT_NAME);
    expectProblem(
      await t
        .http()
        .post(hooks(ws.id, `/${everything}/deliveries/${invitationDelivery}/redeliver`))
        .set(bearer(snoop.personalToken)),
      403,
      'forbidden',
    );
  });

  it("refuses every change to the owner's endpoint: its URL, events, secret, enabling, test and deletion", async () => {
    const as = bearer(snoop.personalToken);
    for (const res of [
      await t
        .http()
        .patch(hooks(ws.id, `/${everything}`))
        .set(as)
        .send({ url: EVIL }),
      await t
        .http()
        .patch(hooks(ws.id, `/${everything}`))
        .set(as)
        .send({ events: ['token_policy.changed'] }),
      await t
        .http()
        .patch(hooks(ws.id, `/${everything}`))
        .set(as)
        .send({ enabled: false }),
      await t
        .http()
        .post(hooks(ws.id, `/${everything}/rotate-secret`))
        .set(as)
        .send({}),
      await t
        .http()
        .post(hooks(ws.id, `/${everything}/test`))
        .set(as),
      await t
        .http()
        .delete(hooks(ws.id, `/${everything}`))
        .set(as),
    ]) {
      expectProblem(res, 403, 'forbidden');
    }
    // The endpoint itself (where events go, which ones) is still listed to webhooks:read: it carries no payload.
    const got = await t
      .http()
      .get(hooks(ws.id, `/${everything}`))
      .set(as)
      .expect(200);
    expect(got.body).toMatchObject({ url: URL, enabled: true });
    const listed = await t.http().get(hooks(ws.id)).set(as).expect(200);
    expect(listed.body.items.map((e: { id: string }) => e.id)).toContain(everything);
  });

  it('refuses the same through GraphQL', async () => {
    const read = await gql(
      t,
      snoop.personalToken,
      'query($w: ID!, $h: ID!) { workspace(id: $w) { webhook(id: $h) { url deliveries { items { payload } } } } }',
      { w: ws.id, h: everything },
    );
    expect(read.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(JSON.stringify(read.body)).not.toContain(SECRET_EMAIL);
    const made = await gql(
      t,
      snoop.personalToken,
      'mutation($w: ID!) { createWebhook(workspaceId: $w, input: { url: "https://evil.example.com/x", events: ["invitation.created"] }) { secret } }',
      { w: ws.id },
    );
    expect(made.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const moved = await gql(
      t,
      snoop.personalToken,
      'mutation($w: ID!, $h: ID!) { updateWebhook(workspaceId: $w, id: $h, input: { url: "https://evil.example.com/x" }) { url } }',
      { w: ws.id, h: everything },
    );
    expect(moved.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const got = await t
      .http()
      .get(hooks(ws.id, `/${everything}`))
      .set(bearer(ws.owner.personalToken))
      .expect(200);
    expect(got.body.url).toBe(URL);
  });

  it('answers insufficient_scope to a token whose roles read the events but whose scopes do not', async () => {
    const token = await createNamedToken(t, ws.owner.personalToken, {
      scopes: ['webhooks:read', 'webhooks:manage'],
      workspaceIds: [ws.id],
    });
    const res = await t
      .http()
      .get(hooks(ws.id, `/${everything}/deliveries`))
      .set(bearer(token.secret));
    expect(expectProblem(res, 403, 'insufficient_scope').detail).toContain('members:read');
    expectProblem(await create(token.secret, ['member.added']), 403, 'insufficient_scope');
  });

  it('lets the owner, and a member holding the read permissions, read and change as before', async () => {
    const owned = await deliveriesOf(everything, ws.owner.personalToken);
    expect(JSON.stringify(owned)).toContain(SECRET_EMAIL);
    expect(JSON.stringify(owned)).toContain(BOT_NAME);

    const hr = await ws.member({ id: await ws.role(['workspace:read', 'members:read', 'webhooks:read', 'webhooks:manage']) });
    const made = await create(hr.personalToken, ['invitation.created']);
    expect(made.status).toBe(201);
    await t
      .http()
      .post(`/v1/workspaces/${ws.id}/invitations`)
      .set(bearer(ws.owner.personalToken))
      .send({ email: 'new-hire@example.com', roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } })
      .expect(201);
    expect(JSON.stringify(await deliveriesOf(made.body.endpoint.id, hr.personalToken))).toContain('new-hire@example.com');
    await t
      .http()
      .patch(hooks(ws.id, `/${made.body.endpoint.id}`))
      .set(bearer(hr.personalToken))
      .send({ url: 'https://hooks.example.com/hr' })
      .expect(200);
    // members:read alone does not open the owner's endpoint: it tells of API users, tokens, devices, teams too.
    const refused = expectProblem(
      await t
        .http()
        .get(hooks(ws.id, `/${everything}/deliveries`))
        .set(bearer(hr.personalToken)),
      403,
      'forbidden',
    );
    expect(refused.detail).not.toContain('members:read');
    expect(refused.detail).toContain('api_users:read');

    const reads = ['workspace:read', 'members:read', 'api_users:read', 'tokens:read', 'devices:read', 'teams:read'];
    const auditor = await ws.member({ id: await ws.role([...reads, 'webhooks:read', 'webhooks:manage']) });
    expect(JSON.stringify(await deliveriesOf(everything, auditor.personalToken))).toContain(SECRET_EMAIL);
    await t
      .http()
      .post(hooks(ws.id, `/${everything}/deliveries/${invitationDelivery}/redeliver`))
      .set(bearer(auditor.personalToken))
      .expect(202);
    await t
      .http()
      .patch(hooks(ws.id, `/${everything}`))
      .set(bearer(auditor.personalToken))
      .send({ description: 'checked' })
      .expect(200);
  });

  it('keeps deliveries of events an endpoint no longer subscribes to from a reader of its current ones', async () => {
    const owner = ws.owner.personalToken;
    const id = (await create(owner, ['invitation.created', 'device.created'])).body.endpoint.id as string;
    await t
      .http()
      .post(`/v1/workspaces/${ws.id}/invitations`)
      .set(bearer(owner))
      .send({ email: 'board-member@example.com', roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } })
      .expect(201);
    await ws.device();
    const before = (await deliveriesOf(id, owner)).find((d) => d.eventType === 'invitation.created')!;
    await t
      .http()
      .patch(hooks(ws.id, `/${id}`))
      .set(bearer(owner))
      .send({ events: ['device.created'] })
      .expect(200);

    const devices = await ws.member({ id: await ws.role(['workspace:read', 'devices:read', 'webhooks:read', 'webhooks:manage']) });
    const seen = await deliveriesOf(id, devices.personalToken);
    expect(seen.map((d) => d.eventType)).toEqual(['device.created']);
    expect(JSON.stringify(seen)).not.toContain('board-member@example.com');
    // Nor may it point the endpoint elsewhere and send the old message again.
    await t
      .http()
      .patch(hooks(ws.id, `/${id}`))
      .set(bearer(devices.personalToken))
      .send({ url: EVIL })
      .expect(200);
    const res = await t
      .http()
      .post(hooks(ws.id, `/${id}/deliveries/${before.id}/redeliver`))
      .set(bearer(devices.personalToken));
    expect(expectProblem(res, 403, 'forbidden').detail).toContain('members:read');
  });

  it("answers another workspace's owner 404 for these endpoints and deliveries, as before", async () => {
    const theirs = bearer(other.owner.personalToken);
    for (const wid of [other.id, ws.id]) {
      for (const res of [
        await t
          .http()
          .get(hooks(wid, `/${everything}`))
          .set(theirs),
        await t
          .http()
          .get(hooks(wid, `/${everything}/deliveries`))
          .set(theirs),
        await t
          .http()
          .patch(hooks(wid, `/${everything}`))
          .set(theirs)
          .send({ url: EVIL }),
        await t
          .http()
          .post(hooks(wid, `/${everything}/deliveries/${invitationDelivery}/redeliver`))
          .set(theirs),
      ]) {
        expectProblem(res, 404, 'not_found');
      }
    }
  });
});
