// Webhooks: endpoints of a workspace, events derived from the audit log, signed deliveries to a real
// receiver on the loopback (verified with the standardwebhooks library), retries, secret rotation,
// and who may do what.
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { AuditLog } from '../../src/audit/audit-log';
import { OutboxWorker } from '../../src/outbox/outbox-worker';
import { TokenExpiryNotices } from '../../src/tokens/token-expiry-notices';
import { WebhookDeliveries } from '../../src/webhooks/webhook-deliveries';
import { WebhookSecrets } from '../../src/webhooks/webhook-secrets';
import { systemResolver, WebhookSender } from '../../src/webhooks/webhook-sender';
import { bearer, createNamedToken, expectProblem, inviteAndAccept, registerUser } from '../support/api';
import { newWorkspace, WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';
import { MailCatcher } from '../support/mail-catcher';
import { answerStatus, guardConnections, Received, WEBHOOK_TEST_ENV, WebhookReceiver } from '../support/webhook-receiver';

let t: TestApp;
let receiver: WebhookReceiver;
let opened: string[];
let smtp: MailCatcher;

const hooks = (wid: string, rest = '') => `/v1/workspaces/${wid}/webhooks${rest}`;

async function createEndpoint(ws: WorkspaceFixture, body: Record<string, unknown> = {}, by = ws.owner.personalToken) {
  const res = await t
    .http()
    .post(hooks(ws.id))
    .set(bearer(by))
    .send({ url: receiver.url(`/hook-${randomUUID()}`), events: ['device.created'], ...body });
  expect(res.status).toBe(201);
  return res.body as { endpoint: { id: string; url: string }; secret: string };
}

const drain = () => t.app.get(OutboxWorker).drainDue();

function verified(secret: string, r: Received): { type: string; timestamp: string; data: Record<string, unknown> } {
  return new Webhook(secret).verify(r.body, r.headers) as { type: string; timestamp: string; data: Record<string, unknown> };
}

async function deliveries(ws: WorkspaceFixture, endpointId: string) {
  const res = await t
    .http()
    .get(hooks(ws.id, `/${endpointId}/deliveries`))
    .set(bearer(ws.owner.personalToken))
    .expect(200);
  return res.body.items as Array<Record<string, unknown>>;
}

const pathOf = (url: string) => new URL(url).pathname;

describe('webhooks', () => {
  let ws: WorkspaceFixture;

  beforeAll(async () => {
    smtp = await MailCatcher.start();
    t = await startTestApp({
      ...WEBHOOK_TEST_ENV,
      LATCHKEY_SMTP_URL: smtp.url,
      LATCHKEY_MAIL_FROM: 'Latchkey <no-reply@latchkey.example>',
    });
    receiver = await WebhookReceiver.start();
    opened = guardConnections(t.app.get(WebhookSender));
    ws = await newWorkspace(t);
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
    await smtp.stop();
  });
  beforeEach(() => receiver.answer(answerStatus(200, 'ok')));

  describe('endpoints', () => {
    it('creates an endpoint and answers its secret once; reads never show it, the database keeps it sealed', async () => {
      const created = await createEndpoint(ws, { description: ' HR sync ', events: ['member.added', 'device.created'] });
      expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
      expect(created.endpoint).toMatchObject({ description: 'HR sync', events: ['device.created', 'member.added'], enabled: true });
      const got = await t
        .http()
        .get(hooks(ws.id, `/${created.endpoint.id}`))
        .set(bearer(ws.owner.personalToken))
        .expect(200);
      expect(JSON.stringify(got.body)).not.toContain('whsec_');
      const listed = await t.http().get(hooks(ws.id)).set(bearer(ws.owner.personalToken)).expect(200);
      expect(listed.body.items.map((e: { id: string }) => e.id)).toContain(created.endpoint.id);
      expect(JSON.stringify(listed.body)).not.toContain('whsec_');
      const [row] = await t.dataSource.query('SELECT * FROM webhook_endpoints WHERE id = $1', [created.endpoint.id]);
      expect(JSON.stringify(row)).not.toContain(created.secret.slice(6, 20));
      const audit = await t
        .http()
        .get(`/v1/workspaces/${ws.id}/audit-events`)
        .query({ action: 'webhook.created' })
        .set(bearer(ws.owner.personalToken));
      expect(audit.body.items[0].target).toEqual({ type: 'webhook', id: created.endpoint.id });
      expect(JSON.stringify(audit.body)).not.toContain('whsec_');
    });

    it('changes, disables, enables and deletes an endpoint, each audited', async () => {
      const { endpoint } = await createEndpoint(ws);
      const owner = bearer(ws.owner.personalToken);
      const patched = await t
        .http()
        .patch(hooks(ws.id, `/${endpoint.id}`))
        .set(owner)
        .send({ events: ['token.revoked'], description: 'x', enabled: false })
        .expect(200);
      expect(patched.body).toMatchObject({ events: ['token.revoked'], description: 'x', enabled: false });
      await t
        .http()
        .patch(hooks(ws.id, `/${endpoint.id}`))
        .set(owner)
        .send({ enabled: true })
        .expect(200);
      await t
        .http()
        .delete(hooks(ws.id, `/${endpoint.id}`))
        .set(owner)
        .expect(204);
      await t
        .http()
        .get(hooks(ws.id, `/${endpoint.id}`))
        .set(owner)
        .expect(404);
      const audit = await t.http().get(`/v1/workspaces/${ws.id}/audit-events`).set(owner).expect(200);
      const actions = audit.body.items
        .filter((e: { target: { id: string } | null }) => e.target?.id === endpoint.id)
        .map((e: { action: string }) => e.action);
      // One fake clock: the events share a timestamp, so their order in the list is not theirs.
      expect(actions.sort()).toEqual(['webhook.created', 'webhook.deleted', 'webhook.disabled', 'webhook.enabled']);
    });

    it('pages the list with a cursor', async () => {
      const other = await newWorkspace(t);
      for (let i = 0; i < 3; i++) await createEndpoint(other);
      const first = await t.http().get(hooks(other.id)).query({ limit: 2 }).set(bearer(other.owner.personalToken)).expect(200);
      expect(first.body.items).toHaveLength(2);
      const second = await t
        .http()
        .get(hooks(other.id))
        .query({ limit: 2, cursor: first.body.nextCursor })
        .set(bearer(other.owner.personalToken))
        .expect(200);
      expect(second.body.items).toHaveLength(1);
      expect(second.body.nextCursor).toBeNull();
    });

    it('holds a workspace to its endpoint limit, also when creations race', async () => {
      const other = await newWorkspace(t);
      const results = await Promise.all(
        Array.from({ length: 42 }, () =>
          t
            .http()
            .post(hooks(other.id))
            .set(bearer(other.owner.personalToken))
            .send({ url: receiver.url('/limit'), events: ['device.created'] }),
        ),
      );
      expect(results.filter((r) => r.status === 201)).toHaveLength(40);
      for (const r of results.filter((r) => r.status !== 201)) expectProblem(r, 409, 'conflict');
    });
  });

  describe('deliveries', () => {
    it('delivers a subscribed event, signed per Standard Webhooks, and nothing for an event not subscribed to', async () => {
      const { endpoint, secret } = await createEndpoint(ws, { events: ['device.created'] });
      const device = await ws.device();
      await t.http().delete(`/v1/workspaces/${ws.id}/devices/${device.id}`).set(bearer(ws.owner.personalToken)).expect(204);
      await drain();
      const got = receiver.on(pathOf(endpoint.url));
      expect(got).toHaveLength(1);
      const payload = verified(secret, got[0]);
      expect(payload).toMatchObject({
        type: 'device.created',
        data: {
          workspaceId: ws.id,
          target: { type: 'device', id: device.id },
          actor: { type: 'user', id: ws.owner.id },
          serial: device.serial,
        },
      });
      expect(() => new Webhook('whsec_' + Buffer.alloc(24, 1).toString('base64')).verify(got[0].body, got[0].headers)).toThrow();
      const [delivery] = await deliveries(ws, endpoint.id);
      expect(delivery).toMatchObject({
        status: 'succeeded',
        attempts: 1,
        responseStatus: 200,
        responseBody: 'ok',
        eventType: 'device.created',
      });
      expect(delivery.messageId).toBe(got[0].headers['webhook-id']);
      expect(typeof delivery.durationMs).toBe('number');
      expect(opened.every((a) => a === '127.0.0.1')).toBe(true);
    });

    it('tells of teams: created, changed, a principal in and out, deleted', async () => {
      const other = await newWorkspace(t);
      const events = ['team.created', 'team.changed', 'team.member_added', 'team.member_removed', 'team.deleted'];
      const { endpoint, secret } = await createEndpoint(other, { events });
      const owner = bearer(other.owner.personalToken);
      const member = await other.member('viewer');
      const team = await t
        .http()
        .post(`/v1/workspaces/${other.id}/teams`)
        .set(owner)
        .send({ name: 'Hooked', roleIds: [other.roles.viewer], deviceAccess: { mode: 'all' } })
        .expect(201);
      await t.http().patch(`/v1/workspaces/${other.id}/teams/${team.body.id}`).set(owner).send({ name: 'Hooked 2' }).expect(200);
      await t.http().put(`/v1/workspaces/${other.id}/teams/${team.body.id}/members/${member.id}`).set(owner).expect(200);
      await t.http().delete(`/v1/workspaces/${other.id}/teams/${team.body.id}/members/${member.id}`).set(owner).expect(204);
      await t.http().delete(`/v1/workspaces/${other.id}/teams/${team.body.id}`).set(owner).expect(204);
      await drain();
      const got = receiver.on(pathOf(endpoint.url)).map((r) => verified(secret, r));
      expect(got.map((e) => e.type).sort()).toEqual([...events].sort());
      expect(got.find((e) => e.type === 'team.member_added')?.data).toMatchObject({
        target: { type: 'team', id: team.body.id },
        principalType: 'user',
        principalId: member.id,
      });
    });

    it('tells of members, invitations, API users, tokens and the token policy, never with a secret', async () => {
      const events = [
        'member.added',
        'member.changed',
        'member.removed',
        'invitation.created',
        'invitation.accepted',
        'invitation.revoked',
        'api_user.created',
        'api_user.disabled',
        'api_user.deleted',
        'token.created',
        'token.rotated',
        'token.revoked',
        'token_policy.changed',
      ];
      const other = await newWorkspace(t);
      const { endpoint, secret } = await createEndpoint(other, { events });
      const owner = bearer(other.owner.personalToken);
      const member = await other.member('viewer');
      await t
        .http()
        .patch(`/v1/workspaces/${other.id}/members/${member.id}`)
        .set(owner)
        .send({ roleIds: [other.roles.member] })
        .expect(200);
      await t.http().delete(`/v1/workspaces/${other.id}/members/${member.id}`).set(owner).expect(204);
      const inv = await t
        .http()
        .post(`/v1/workspaces/${other.id}/invitations`)
        .set(owner)
        .send({ email: 'someone@example.com', roleIds: [other.roles.viewer], deviceAccess: { mode: 'all' } })
        .expect(201);
      await t.http().delete(`/v1/workspaces/${other.id}/invitations/${inv.body.invitation.id}`).set(owner).expect(204);
      const bot = await other.apiUser({ roles: ['viewer'] });
      const extra = await t
        .http()
        .post(`/v1/workspaces/${other.id}/api-users/${bot.id}/tokens`)
        .set(owner)
        .send({ name: 't2', scopes: ['*'] })
        .expect(201);
      await t.http().post(`/v1/workspaces/${other.id}/api-users/${bot.id}/tokens/${extra.body.id}/rotate`).set(owner).send({}).expect(200);
      await t.http().delete(`/v1/workspaces/${other.id}/api-users/${bot.id}/tokens/${bot.tokenId}`).set(owner).expect(204);
      await t.http().patch(`/v1/workspaces/${other.id}/api-users/${bot.id}`).set(owner).send({ status: 'disabled' }).expect(200);
      await t.http().delete(`/v1/workspaces/${other.id}/api-users/${bot.id}`).set(owner).expect(204);
      await t.http().put(`/v1/workspaces/${other.id}/token-policy`).set(owner).send({ maxLifetimeDays: 90, allowPersonalTokens: true });
      await drain();
      const got = receiver.on(pathOf(endpoint.url));
      const types = got.map((r) => verified(secret, r).type);
      expect([...new Set(types)].sort()).toEqual(expect.arrayContaining(events.filter((e) => e !== 'token_policy.changed').sort()));
      const all = got.map((r) => r.body).join('\n');
      expect(all).not.toMatch(/lka_|lkp_|whsec_|secret|hash/i);
      expect(all).not.toContain(bot.token);
      expect(all).not.toContain(extra.body.secret);
      // One delivery row per event; each webhook-id is distinct.
      expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(got.length);
    });

    it('sends nothing for a change that was rolled back, and follows any audit event recorded in a transaction (token.expiring)', async () => {
      const own = await newWorkspace(t);
      const { endpoint, secret } = await createEndpoint(own, { events: ['device.created', 'token.expiring'] });
      const device = await own.device();
      const again = await t
        .http()
        .post(`/v1/workspaces/${own.id}/devices`)
        .set(bearer(own.owner.personalToken))
        .send({ name: 'Twin', serial: device.serial });
      expectProblem(again, 409, 'conflict');
      // The expiry notices (outbox-mail) write this audit event; its webhook follows from it alone.
      const tokenId = randomUUID();
      await t.dataSource.transaction((em) =>
        t.app
          .get(AuditLog)
          .record(
            em,
            { type: 'system', id: null, tokenId: null, ip: null },
            { action: 'token.expiring', workspaceId: own.id, target: { type: 'token', id: tokenId }, details: { days: 7, hash: 'x' } },
          ),
      );
      // And one rolled back after its audit event was written: no delivery survives it.
      await expect(
        t.dataSource.transaction(async (em) => {
          await t.app
            .get(AuditLog)
            .record(
              em,
              { type: 'system', id: null, tokenId: null, ip: null },
              { action: 'token.expiring', workspaceId: own.id, target: { type: 'token', id: randomUUID() } },
            );
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      await drain();
      const got = receiver.on(pathOf(endpoint.url)).map((r) => verified(secret, r));
      expect(got.map((p) => p.type).sort()).toEqual(['device.created', 'token.expiring']);
      expect(got.find((p) => p.type === 'token.expiring')?.data).toEqual({
        workspaceId: own.id,
        actor: { type: 'system', id: null },
        target: { type: 'token', id: tokenId },
        days: 7,
      });
      expect(await deliveries(own, endpoint.id)).toHaveLength(2);
    });

    it('tells of an API-user token expiring, from the expiry scan itself', async () => {
      const own = await newWorkspace(t);
      const { endpoint, secret } = await createEndpoint(own, { events: ['token.expiring'] });
      const bot = await own.apiUser({ roles: ['viewer'] });
      const token = await t
        .http()
        .post(`/v1/workspaces/${own.id}/api-users/${bot.id}/tokens`)
        .set(bearer(own.owner.personalToken))
        .send({ name: 'soon', scopes: ['*'], expiresInDays: 5 })
        .expect(201);
      await t.app.get(TokenExpiryNotices).scan();
      await drain();
      const got = receiver.on(pathOf(endpoint.url)).map((r) => verified(secret, r));
      expect(got).toHaveLength(1);
      expect(got[0]).toMatchObject({
        type: 'token.expiring',
        data: { workspaceId: own.id, target: { type: 'token', id: token.body.id }, days: 7, kind: 'api_user', apiUserId: bot.id },
      });
      expect(JSON.stringify(got[0])).not.toContain(token.body.secret);
    });

    it('retries a receiver that answers 500 until it recovers, with the same webhook-id', async () => {
      const handler = t.app.get(WebhookDeliveries);
      const schedule = handler.retryDelayMs.bind(handler);
      handler.retryDelayMs = (n) => (schedule(n) === null ? null : 20);
      try {
        // A workspace of its own: no other endpoint takes the receiver's scripted answers.
        const own = await newWorkspace(t);
        const { endpoint, secret } = await createEndpoint(own);
        receiver.answer(answerStatus(500, 'down'), answerStatus(500, 'down'), answerStatus(200, 'back'));
        await own.device();
        for (let i = 0; i < 20 && receiver.on(pathOf(endpoint.url)).length < 3; i++) {
          await drain();
          t.clock.advance(1000); // the worker's retries fall due by the service's clock
        }
        const got = receiver.on(pathOf(endpoint.url));
        expect(got.map((r) => r.headers['webhook-id'])).toEqual(Array(3).fill(got[0].headers['webhook-id']));
        expect(verified(secret, got[2]).type).toBe('device.created');
        const [delivery] = await deliveries(own, endpoint.id);
        expect(delivery).toMatchObject({ status: 'succeeded', attempts: 3, responseStatus: 200, lastError: null, nextAttemptAt: null });
      } finally {
        handler.retryDelayMs = schedule;
      }
    });

    it('retries for about a day, then gives up and disables the endpoint (audited)', async () => {
      const handler = t.app.get(WebhookDeliveries);
      let total = 0;
      for (let n = 1; handler.retryDelayMs(n) !== null; n++) total += handler.retryDelayMs(n)!;
      expect(total / 3_600_000).toBeGreaterThan(20);
      expect(total / 3_600_000).toBeLessThan(30);
      const schedule = handler.retryDelayMs.bind(handler);
      handler.retryDelayMs = (n) => (n >= 2 ? null : 10);
      try {
        const own = await newWorkspace(t);
        const { endpoint } = await createEndpoint(own);
        receiver.answer(answerStatus(503, 'nope'));
        await own.device();
        for (let i = 0; i < 10 && receiver.on(pathOf(endpoint.url)).length < 2; i++) {
          await drain();
          t.clock.advance(1000);
        }
        await drain();
        const [delivery] = await deliveries(own, endpoint.id);
        expect(delivery).toMatchObject({ status: 'failed', attempts: 2, responseStatus: 503, lastError: 'answered 503' });
        const got = await t
          .http()
          .get(hooks(own.id, `/${endpoint.id}`))
          .set(bearer(own.owner.personalToken))
          .expect(200);
        expect(got.body.enabled).toBe(false);
        expect(got.body.disabledReason).toMatch(/failed for about a day/);
        const audit = await t
          .http()
          .get(`/v1/workspaces/${own.id}/audit-events`)
          .query({ action: 'webhook.disabled' })
          .set(bearer(own.owner.personalToken));
        expect(audit.body.items[0]).toMatchObject({ actor: { type: 'system' }, target: { type: 'webhook', id: endpoint.id } });
        // Its owners are mailed, once, in the transaction that disabled it.
        const admin = await own.member('admin');
        await drain();
        const told = smtp.to(own.owner.email).filter((m) => /^A webhook of .* was disabled$/.test(m.subject ?? ''));
        expect(told).toHaveLength(1);
        expect(told[0].text).toContain(endpoint.url);
        expect(told[0].text).toContain('answered 503');
        expect(told[0].text).not.toMatch(/whsec_|lk[apsiv]_/);
        expect(smtp.to(admin.email).filter((m) => /webhook/.test(m.subject ?? ''))).toHaveLength(0);
        // Disabled: nothing more is queued for it, and a test or redelivery is refused until it is enabled.
        await own.device();
        await drain();
        expect(receiver.on(pathOf(endpoint.url))).toHaveLength(2);
        expectProblem(
          await t
            .http()
            .post(hooks(own.id, `/${endpoint.id}/test`))
            .set(bearer(own.owner.personalToken)),
          409,
          'conflict',
        );
      } finally {
        handler.retryDelayMs = schedule;
      }
    });

    it('sends a test event and redelivers a delivery as the same message', async () => {
      const { endpoint, secret } = await createEndpoint(ws, { events: ['member.removed'] });
      const owner = bearer(ws.owner.personalToken);
      const queued = await t
        .http()
        .post(hooks(ws.id, `/${endpoint.id}/test`))
        .set(owner)
        .expect(202);
      expect(queued.body).toMatchObject({ status: 'pending', eventType: 'webhook.test', attempts: 0 });
      await drain();
      const again = await t
        .http()
        .post(hooks(ws.id, `/${endpoint.id}/deliveries/${queued.body.id}/redeliver`))
        .set(owner)
        .expect(202);
      expect(again.body.messageId).toBe(queued.body.messageId);
      expect(again.body.id).not.toBe(queued.body.id);
      await drain();
      const got = receiver.on(pathOf(endpoint.url));
      expect(got).toHaveLength(2);
      expect(got.map((r) => verified(secret, r).type)).toEqual(['webhook.test', 'webhook.test']);
      expect(got[1].headers['webhook-id']).toBe(got[0].headers['webhook-id']);
      expect(got[1].body).toBe(got[0].body);
      // Deliveries page like every list.
      const first = await t
        .http()
        .get(hooks(ws.id, `/${endpoint.id}/deliveries`))
        .query({ limit: 1 })
        .set(owner)
        .expect(200);
      expect(first.body.items.map((d: { id: string }) => d.id)).toHaveLength(1);
      const second = await t
        .http()
        .get(hooks(ws.id, `/${endpoint.id}/deliveries`))
        .query({ limit: 1, cursor: first.body.nextCursor })
        .set(owner)
        .expect(200);
      expect(second.body.nextCursor).toBeNull();
      expect([first.body.items[0].id, second.body.items[0].id].sort()).toEqual([queued.body.id, again.body.id].sort());
      expectProblem(
        await t
          .http()
          .get(hooks(ws.id, `/${endpoint.id}/deliveries`))
          .query({ cursor: 'junk' })
          .set(owner),
        400,
        'validation_failed',
      );
    });

    it('rotates the secret: both sign during the overlap; with no overlap only the new one', async () => {
      const { endpoint, secret: old } = await createEndpoint(ws);
      const owner = bearer(ws.owner.personalToken);
      const rotated = await t
        .http()
        .post(hooks(ws.id, `/${endpoint.id}/rotate-secret`))
        .set(owner)
        .send({})
        .expect(200);
      expect(rotated.body.secret).not.toBe(old);
      expect(new Date(rotated.body.endpoint.previousSecretExpiresAt).getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
      await t
        .http()
        .post(hooks(ws.id, `/${endpoint.id}/test`))
        .set(owner)
        .expect(202);
      await drain();
      let got = receiver.on(pathOf(endpoint.url));
      expect(got[0].headers['webhook-signature'].split(' ')).toHaveLength(2);
      expect(verified(rotated.body.secret, got[0]).type).toBe('webhook.test');
      expect(verified(old, got[0]).type).toBe('webhook.test');

      const now = await t
        .http()
        .post(hooks(ws.id, `/${endpoint.id}/rotate-secret`))
        .set(owner)
        .send({ overlapSeconds: 0 })
        .expect(200);
      expect(now.body.endpoint.previousSecretExpiresAt).toBeNull();
      await t
        .http()
        .post(hooks(ws.id, `/${endpoint.id}/test`))
        .set(owner)
        .expect(202);
      await drain();
      got = receiver.on(pathOf(endpoint.url));
      expect(verified(now.body.secret, got[1]).type).toBe('webhook.test');
      expect(() => verified(rotated.body.secret, got[1])).toThrow();
      for (const overlapSeconds of [-1, 7 * 86400 + 1, 'x']) {
        expectProblem(
          await t
            .http()
            .post(hooks(ws.id, `/${endpoint.id}/rotate-secret`))
            .set(owner)
            .send({ overlapSeconds }),
          400,
          'validation_failed',
        );
      }
    });

    it('says so in the delivery when a secret cannot be opened (another secrets key), and sends nothing unsigned', async () => {
      const { endpoint } = await createEndpoint(ws);
      const other = new WebhookSecrets({
        ...t.config,
        webhooks: { ...t.config.webhooks, secretsKey: 'another-key-of-at-least-32-characters!!' },
      });
      await t.dataSource.query('UPDATE webhook_endpoints SET secret_sealed = $2 WHERE id = $1', [
        endpoint.id,
        other.seal('whsec_' + Buffer.alloc(24, 7).toString('base64'), endpoint.id),
      ]);
      await t
        .http()
        .post(hooks(ws.id, `/${endpoint.id}/test`))
        .set(bearer(ws.owner.personalToken))
        .expect(202);
      await drain();
      expect(receiver.on(pathOf(endpoint.url))).toHaveLength(0);
      const [delivery] = await deliveries(ws, endpoint.id);
      expect(delivery).toMatchObject({ status: 'pending', attempts: 1, responseStatus: null });
      expect(delivery.lastError).toMatch(/cannot open the signing secret/);
    });

    it('counts a connection that could not be opened as a failed attempt', async () => {
      const sender = t.app.get(WebhookSender);
      const connector = sender.connector;
      sender.connector = () => {
        throw new Error('no route to the receiver');
      };
      try {
        const { endpoint } = await createEndpoint(ws);
        await t
          .http()
          .post(hooks(ws.id, `/${endpoint.id}/test`))
          .set(bearer(ws.owner.personalToken))
          .expect(202);
        await drain();
        const [delivery] = await deliveries(ws, endpoint.id);
        expect(delivery).toMatchObject({ status: 'pending', attempts: 1, responseStatus: null, lastError: 'connection failed' });
      } finally {
        sender.connector = connector;
      }
    });

    it('connects to the checked address of a name, sending the name as Host', async () => {
      const sender = t.app.get(WebhookSender);
      const asked: string[] = [];
      sender.resolver = async (name) => {
        asked.push(name);
        return [{ address: '127.0.0.1', family: 4 }];
      };
      try {
        const { endpoint } = await createEndpoint(ws, { url: receiver.url('/named', 'hooks.example.test') });
        await t
          .http()
          .post(hooks(ws.id, `/${endpoint.id}/test`))
          .set(bearer(ws.owner.personalToken))
          .expect(202);
        await drain();
        expect(asked).toEqual(['hooks.example.test']);
        expect(receiver.on('/named')[0].headers.host).toBe(`hooks.example.test:${receiver.port}`);
      } finally {
        sender.resolver = systemResolver;
      }
    });

    it('does not follow redirects', async () => {
      const { endpoint } = await createEndpoint(ws);
      receiver.answer((_req, res) => res.writeHead(307, { location: receiver.url('/redirected') }).end());
      await t
        .http()
        .post(hooks(ws.id, `/${endpoint.id}/test`))
        .set(bearer(ws.owner.personalToken))
        .expect(202);
      await drain();
      expect(receiver.on('/redirected')).toHaveLength(0);
      const [delivery] = await deliveries(ws, endpoint.id);
      expect(delivery).toMatchObject({ status: 'pending', responseStatus: 307 });
      expect(delivery.lastError).toMatch(/redirects are not followed/);
    });

    it('times out a slow receiver', async () => {
      const { endpoint } = await createEndpoint(ws);
      receiver.answer(() => undefined); // never answers
      await t
        .http()
        .post(hooks(ws.id, `/${endpoint.id}/test`))
        .set(bearer(ws.owner.personalToken))
        .expect(202);
      const started = Date.now();
      await drain();
      expect(Date.now() - started).toBeLessThan(5000);
      const [delivery] = await deliveries(ws, endpoint.id);
      expect(delivery.lastError).toMatch(/timed out after 1500 ms/);
      expect(delivery.durationMs).toBeGreaterThanOrEqual(1400);
    });

    it('keeps at most 4 KiB of a huge answer and does not read the rest', async () => {
      const { endpoint } = await createEndpoint(ws);
      receiver.answer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        const chunk = 'x'.repeat(64 * 1024);
        let sent = 0;
        const pump = () => {
          while (sent < 64 && res.write(chunk)) sent++;
          if (sent < 64) res.once('drain', pump);
          else res.end();
        };
        res.on('error', () => undefined);
        pump();
      });
      await t
        .http()
        .post(hooks(ws.id, `/${endpoint.id}/test`))
        .set(bearer(ws.owner.personalToken))
        .expect(202);
      await drain();
      const [delivery] = await deliveries(ws, endpoint.id);
      expect(delivery.status).toBe('succeeded');
      expect((delivery.responseBody as string).length).toBe(4096);
    });
    it('keeps an answer of NUL bytes and broken UTF-8 as text, and the delivery succeeds', async () => {
      const { endpoint } = await createEndpoint(ws);
      receiver.answer((_req, res) => res.writeHead(200).end(Buffer.from([0x6f, 0x00, 0x6b, 0xff, 0xfe, 0xc3])));
      await t
        .http()
        .post(hooks(ws.id, `/${endpoint.id}/test`))
        .set(bearer(ws.owner.personalToken))
        .expect(202);
      await drain();
      const [delivery] = await deliveries(ws, endpoint.id);
      expect(delivery).toMatchObject({ status: 'succeeded', responseStatus: 200 });
      expect(delivery.responseBody).toMatch(/^ok\ufffd/);
    });
  });

  describe('who may', () => {
    it("answers 404 for another workspace's endpoints and deliveries, as for ones that do not exist", async () => {
      const mine = await createEndpoint(ws);
      const test = await t
        .http()
        .post(hooks(ws.id, `/${mine.endpoint.id}/test`))
        .set(bearer(ws.owner.personalToken))
        .expect(202);
      const other = await newWorkspace(t);
      const theirs = bearer(other.owner.personalToken);
      const id = mine.endpoint.id;
      for (const res of [
        await t
          .http()
          .get(hooks(other.id, `/${id}`))
          .set(theirs),
        await t
          .http()
          .patch(hooks(other.id, `/${id}`))
          .set(theirs)
          .send({ description: 'mine now' }),
        await t
          .http()
          .delete(hooks(other.id, `/${id}`))
          .set(theirs),
        await t
          .http()
          .post(hooks(other.id, `/${id}/rotate-secret`))
          .set(theirs)
          .send({}),
        await t
          .http()
          .post(hooks(other.id, `/${id}/test`))
          .set(theirs),
        await t
          .http()
          .get(hooks(other.id, `/${id}/deliveries`))
          .set(theirs),
        await t
          .http()
          .post(hooks(other.id, `/${id}/deliveries/${test.body.id}/redeliver`))
          .set(theirs),
        await t
          .http()
          .get(hooks(ws.id, `/${id}`))
          .set(theirs),
        await t
          .http()
          .get(hooks(other.id, `/${randomUUID()}`))
          .set(theirs),
      ]) {
        expectProblem(res, 404, 'not_found');
      }
      // A delivery of one endpoint is not found under another of the same workspace.
      const sibling = await createEndpoint(ws);
      expectProblem(
        await t
          .http()
          .post(hooks(ws.id, `/${sibling.endpoint.id}/deliveries/${test.body.id}/redeliver`))
          .set(bearer(ws.owner.personalToken)),
        404,
        'not_found',
      );
      const still = await t
        .http()
        .get(hooks(ws.id, `/${id}`))
        .set(bearer(ws.owner.personalToken))
        .expect(200);
      expect(still.body.description).not.toBe('mine now');
    });

    it('asks webhooks:read to look and webhooks:manage to change: members, custom roles, admins', async () => {
      const { endpoint } = await createEndpoint(ws);
      const viewer = await ws.member('viewer');
      const member = await ws.member('member');
      const admin = await ws.member('admin');
      // The endpoint tells of device.created: reading its deliveries takes devices:read too (webhook-events.ts).
      const reader = await ws.member({ id: await ws.role(['webhooks:read', 'devices:read']) });
      for (const who of [viewer, member]) {
        expectProblem(await t.http().get(hooks(ws.id)).set(bearer(who.personalToken)), 403, 'forbidden');
        expectProblem(
          await t
            .http()
            .get(hooks(ws.id, `/${endpoint.id}/deliveries`))
            .set(bearer(who.personalToken)),
          403,
          'forbidden',
        );
      }
      await t.http().get(hooks(ws.id)).set(bearer(reader.personalToken)).expect(200);
      await t
        .http()
        .get(hooks(ws.id, `/${endpoint.id}/deliveries`))
        .set(bearer(reader.personalToken))
        .expect(200);
      for (const res of [
        await t
          .http()
          .post(hooks(ws.id))
          .set(bearer(reader.personalToken))
          .send({ url: receiver.url(), events: ['device.created'] }),
        await t
          .http()
          .post(hooks(ws.id, `/${endpoint.id}/rotate-secret`))
          .set(bearer(reader.personalToken))
          .send({}),
        await t
          .http()
          .post(hooks(ws.id, `/${endpoint.id}/test`))
          .set(bearer(reader.personalToken)),
        await t
          .http()
          .delete(hooks(ws.id, `/${endpoint.id}`))
          .set(bearer(reader.personalToken)),
      ]) {
        expectProblem(res, 403, 'forbidden');
      }
      await createEndpoint(ws, {}, admin.personalToken);
    });

    it('lets an API user in by its roles, and a restricted token only as far as its scopes and workspaces', async () => {
      const manager = await ws.apiUser({ roles: [{ id: await ws.role(['webhooks:read', 'webhooks:manage', 'devices:read']) }] });
      const plain = await ws.apiUser({ roles: ['member'] });
      await createEndpoint(ws, {}, manager.token);
      expectProblem(await t.http().get(hooks(ws.id)).set(bearer(plain.token)), 403, 'forbidden');

      const readOnly = await createNamedToken(t, ws.owner.personalToken, { scopes: ['webhooks:read'], workspaceIds: [ws.id] });
      await t.http().get(hooks(ws.id)).set(bearer(readOnly.secret)).expect(200);
      expectProblem(
        await t
          .http()
          .post(hooks(ws.id))
          .set(bearer(readOnly.secret))
          .send({ url: receiver.url(), events: ['device.created'] }),
        403,
        'insufficient_scope',
      );
      const elsewhere = await newWorkspace(t, ws.owner);
      const restricted = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'], workspaceIds: [elsewhere.id] });
      expectProblem(await t.http().get(hooks(ws.id)).set(bearer(restricted.secret)), 404, 'not_found');
    });

    it('refuses junk: bad URLs, unknown events, long descriptions, unknown fields', async () => {
      const owner = bearer(ws.owner.personalToken);
      const bad = async (body: Record<string, unknown>, field: string) => {
        const res = await t
          .http()
          .post(hooks(ws.id))
          .set(owner)
          .send({ url: 'https://hooks.example.com/x', events: ['device.created'], ...body });
        const problem = expectProblem(res, 400, 'validation_failed');
        expect(JSON.stringify(problem)).toContain(field);
        return res;
      };
      for (const url of [
        'ftp://hooks.example.com/x',
        'javascript:alert(1)',
        'file:///etc/passwd',
        'https://user:pass@hooks.example.com/x',
        'https://user@hooks.example.com/x',
        'https://hooks.exämple.com/x',
        'https://hooks.example.com/ü',
        `https://hooks.example.com/${'a'.repeat(10_000)}`,
        'https://hooks.example.com/x#frag',
        'not a url',
        '//hooks.example.com/x',
        'https://',
        '',
      ]) {
        await bad({ url }, 'url');
      }
      await bad({ events: ['device.exploded'] }, 'events');
      await bad({ events: [] }, 'events');
      await bad({ events: 'device.created' }, 'events');
      await bad({ events: ['device.created', 'device.created'] }, 'events');
      await bad({ events: ['webhook.test'] }, 'events');
      await bad({ description: 'x'.repeat(501) }, 'description');
      await bad({ secret: 'whsec_mine' }, 'secret');
      const { endpoint } = await createEndpoint(ws);
      expectProblem(
        await t
          .http()
          .patch(hooks(ws.id, `/${endpoint.id}`))
          .set(owner)
          .send({ url: 'https://10.0.0.1/' }),
        400,
        'validation_failed',
      );
      expectProblem(
        await t
          .http()
          .patch(hooks(ws.id, `/${endpoint.id}`))
          .set(owner)
          .send({ enabled: 'yes' }),
        400,
        'validation_failed',
      );
      expectProblem(await t.http().get(hooks(ws.id, '/not-a-uuid')).set(owner), 400, 'validation_failed');
    });

    it('survives the same change twice at once', async () => {
      const { endpoint } = await createEndpoint(ws);
      const owner = bearer(ws.owner.personalToken);
      const rotations = await Promise.all(
        [1, 2].map(() =>
          t
            .http()
            .post(hooks(ws.id, `/${endpoint.id}/rotate-secret`))
            .set(owner)
            .send({}),
        ),
      );
      expect(rotations.map((r) => r.status)).toEqual([200, 200]);
      const deletions = await Promise.all(
        [1, 2].map(() =>
          t
            .http()
            .delete(hooks(ws.id, `/${endpoint.id}`))
            .set(owner),
        ),
      );
      expect(deletions.map((r) => r.status).sort()).toEqual([204, 404]);
    });
  });
});

describe('webhooks to places they must not reach', () => {
  let t2: TestApp;
  let opened2: string[];
  let ws: WorkspaceFixture;

  beforeAll(async () => {
    // No allowed CIDRs here: the loopback is as forbidden as it is in production.
    t2 = await startTestApp({ ...WEBHOOK_TEST_ENV, LATCHKEY_WEBHOOK_ALLOWED_CIDRS: '' });
    const sender = t2.app.get(WebhookSender);
    opened2 = guardConnections(sender);
    // The stubbed resolver: names inside, as a hostile or rebinding DNS server would answer them.
    const answers: Record<string, string[]> = {
      'db.example.com': ['10.0.0.1'],
      'metadata.example.com': ['169.254.169.254'],
      'mixed.example.com': ['93.184.216.34', '127.0.0.1'],
      'mapped.example.com': ['::ffff:10.0.0.1'],
      'v6.example.com': ['fd00::1'],
      'cgnat.example.com': ['100.64.0.1'],
    };
    sender.resolver = async (name) => (answers[name] ?? []).map((address) => ({ address, family: isIP(address) }));
    ws = await newWorkspace(t2);
  });
  afterAll(() => t2.close());

  it('refuses loopback, private and link-local addresses and local names when the endpoint is saved', async () => {
    for (const url of [
      'http://127.0.0.1/x',
      'http://127.1/x',
      'http://0x7f.0.0.1/x',
      'http://2130706433/x',
      'http://[::1]/x',
      'http://[::ffff:127.0.0.1]/x',
      'http://localhost/x',
      'http://LOCALHOST./x',
      'http://api.localhost/x',
      'http://10.0.0.1/x',
      'http://169.254.169.254/latest/meta-data',
      'http://[fe80::1]/x',
      'http://[fd00::1]/x',
      'http://100.64.0.1/x',
      'http://0.0.0.0/x',
      'http://[::]/x',
      'http://224.0.0.1/x',
    ]) {
      const res = await t2
        .http()
        .post(`/v1/workspaces/${ws.id}/webhooks`)
        .set(bearer(ws.owner.personalToken))
        .send({ url, events: ['device.created'] });
      expectProblem(res, 400, 'validation_failed');
    }
  });

  it('refuses at send time a name that resolves inside, before any connection is opened', async () => {
    const owner = bearer(ws.owner.personalToken);
    for (const host of [
      'db.example.com',
      'metadata.example.com',
      'mixed.example.com',
      'mapped.example.com',
      'v6.example.com',
      'cgnat.example.com',
    ]) {
      const created = await t2
        .http()
        .post(`/v1/workspaces/${ws.id}/webhooks`)
        .set(owner)
        .send({ url: `https://${host}/hook`, events: ['device.created'] })
        .expect(201);
      await t2.http().post(`/v1/workspaces/${ws.id}/webhooks/${created.body.endpoint.id}/test`).set(owner).expect(202);
      await t2.app.get(OutboxWorker).drainDue();
      const res = await t2.http().get(`/v1/workspaces/${ws.id}/webhooks/${created.body.endpoint.id}/deliveries`).set(owner).expect(200);
      expect(res.body.items[0]).toMatchObject({ status: 'pending', responseStatus: null, attempts: 1 });
      // Refused, saying neither the name's addresses nor which rule they broke (the operator's log has both).
      expect(res.body.items[0].lastError).toBe('refused: the host does not resolve to a public address');
    }
    expect(opened2).toEqual([]);
  });

  it('connects nowhere for events no endpoint subscribed to', async () => {
    await registerUser(t2);
    await inviteAndAccept(t2, ws.owner.personalToken, ws.id, await registerUser(t2), [ws.roles.viewer]);
    expect(opened2).toEqual([]);
  });
});

// One app at a time: the test apps share one embedded database server per process.
describe('webhooks where http:// is not allowed', () => {
  it('refuses http:// unless allowed', async () => {
    const strict = await startTestApp({ ...WEBHOOK_TEST_ENV, LATCHKEY_WEBHOOK_ALLOW_HTTP: 'false' });
    try {
      const other = await newWorkspace(strict);
      const res = await strict
        .http()
        .post(`/v1/workspaces/${other.id}/webhooks`)
        .set(bearer(other.owner.personalToken))
        .send({ url: 'http://hooks.example.com/x', events: ['device.created'] });
      expect(JSON.stringify(expectProblem(res, 400, 'validation_failed'))).toContain('https://');
    } finally {
      await strict.close();
    }
  });
});
