// Review 18b: what Latchkey does in the background on tenants' data, and on a schedule: the outbox
// (mail and webhook deliveries), token expiry notices, the unused-token rule, leaked-token reports,
// last-use and usage recording, retention. Report only: each finding is a test that fails now and
// passes once fixed; the tests marked "held" pass and guard against regressions.
import { OutboxWorker } from '../../src/outbox/outbox-worker';
import { TokenExpiryNotices } from '../../src/tokens/token-expiry-notices';
import { UnusedTokens } from '../../src/tokens/unused-tokens';
import { createTestDatabase, serverUrl, TestDatabase } from '../support/test-database';
import { bearer, createNamedToken, markEmailVerified, registerUser, uniqueEmail } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { MailCatcher, mailEnv } from '../support/mail-catcher';
import { startTestApp, TestApp } from '../support/test-app';
import { WEBHOOK_TEST_ENV, WebhookReceiver, answerStatus } from '../support/webhook-receiver';

const HOUR_MS = 3_600_000;
const DAY_S = 86_400;

let t: TestApp;
let smtp: MailCatcher;
let receiver: WebhookReceiver;
const drain = (app: TestApp = t) => app.app.get(OutboxWorker).drainDue();

beforeAll(async () => {
  smtp = await MailCatcher.start();
  receiver = await WebhookReceiver.start();
  t = await startTestApp({ ...WEBHOOK_TEST_ENV, ...mailEnv(smtp) });
}, 60_000);
afterAll(async () => {
  await t?.close();
  await receiver?.close();
  await smtp?.stop();
});

describe('R18B-W1: deliveries queued for events an endpoint no longer subscribes to follow a URL changed by someone who may not read them', () => {
  it('an invitation.created delivery waiting for its retry is not sent to the URL a member without members:read pointed the endpoint at', async () => {
    const ws = await newWorkspace(t);
    // webhooks:read + webhooks:manage + workspace:read: the member reads the token policy, not members or invitations.
    const snoop = await ws.member({ id: await ws.role(['workspace:read', 'webhooks:read', 'webhooks:manage']) });
    const secretEmail = uniqueEmail('ceo-private');

    // The owner's endpoint, subscribed to invitations and the token policy; its receiver is down for now.
    receiver.answer(answerStatus(503));
    const made = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/webhooks`)
      .set(bearer(ws.owner.personalToken))
      .send({ url: receiver.url('/owner-w1'), events: ['invitation.created', 'token_policy.changed'] })
      .expect(201);
    const endpoint = made.body.endpoint.id as string;
    await t
      .http()
      .post(`/v1/workspaces/${ws.id}/invitations`)
      .set(bearer(ws.owner.personalToken))
      .send({ email: secretEmail, roleIds: [ws.roles.admin], deviceAccess: { mode: 'all' } })
      .expect(201);
    await drain(); // first attempt fails (503): the delivery waits for its retry
    expect(receiver.on('/owner-w1').length).toBe(1);

    // The owner stops sending invitations there: the endpoint now carries only what the member reads.
    await t
      .http()
      .patch(`/v1/workspaces/${ws.id}/webhooks/${endpoint}`)
      .set(bearer(ws.owner.personalToken))
      .send({ events: ['token_policy.changed'] })
      .expect(200);
    // So the member may change it (their direct reads of invitations are refused)...
    expect((await t.http().get(`/v1/workspaces/${ws.id}/invitations`).set(bearer(snoop.personalToken))).status).toBe(403);
    await t
      .http()
      .patch(`/v1/workspaces/${ws.id}/webhooks/${endpoint}`)
      .set(bearer(snoop.personalToken))
      .send({ url: receiver.url('/snoop-w1') })
      .expect(200);

    // ...and the retry of the invitation goes to the member's receiver.
    receiver.answer(answerStatus(200));
    t.clock.advance(HOUR_MS);
    await drain();
    const leaked = receiver.on('/snoop-w1').filter((r) => r.body.includes(secretEmail));
    expect(leaked.map((r) => JSON.parse(r.body).type)).toEqual([]);
  });
});

describe('R18B-M1: notices mailed per token have no mailbox budget: an unverified account mails any address without bound', () => {
  const SPAM = 'Cheap pills at spam.example, call now';

  it("30 named tokens expiring tomorrow mail the (unverified, someone else's) address 30 times in one scan", async () => {
    // Anyone can sign up with someone else's address; it is never verified.
    const victim = uniqueEmail('victim-expiry');
    const squatter = await registerUser(t, victim, 'x');
    for (let i = 0; i < 30; i++) {
      await createNamedToken(t, squatter.personalToken, { name: `${SPAM} ${i}`, scopes: ['account:read'], expiresInDays: 1 });
    }
    await t.app.get(TokenExpiryNotices).scan();
    await drain();
    const notices = smtp.to(victim).filter((m) => m.subject.startsWith('A token expires'));
    // Each carries the squatter's text in its subject.
    expect(notices.every((m) => m.subject.includes(SPAM))).toBe(true);
    // The mailbox budget Latchkey gives verification and invitation mail is 5 an hour; a digest would be 1.
    expect(notices.length).toBeLessThanOrEqual(5);
  });

  it("one anonymous report of 100 of the account's own tokens mails the address 100 times, with the reporter's text", async () => {
    const victim = uniqueEmail('victim-leak');
    const squatter = await registerUser(t, victim, 'x');
    const secrets: string[] = [];
    for (let i = 0; i < 100; i++) {
      secrets.push((await createNamedToken(t, squatter.personalToken, { name: `${SPAM} ${i}`, scopes: ['account:read'] })).secret);
    }
    await t.http().post('/v1/tokens/report').send({ tokens: secrets, url: 'https://spam.example/buy-now', source: 'paste' }).expect(202);
    await drain();
    const notices = smtp.to(victim).filter((m) => m.subject.startsWith('A token was found'));
    expect(notices.every((m) => m.subject.includes(SPAM) && m.text.includes('spam.example/buy-now'))).toBe(true);
    expect(notices.length).toBeLessThanOrEqual(5);
  });
});

describe("R18B-M2: one tenant's notices fill the one mail lane ahead of everyone else's mail", () => {
  it("another user's password-reset mail waits behind the expiry notices of one workspace's 300 API-user tokens", async () => {
    const ws = await newWorkspace(t);
    const bot = await ws.apiUser({ roles: ['viewer'] });
    for (let i = 0; i < 300; i++) {
      await t
        .http()
        .post(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens`)
        .set(bearer(ws.owner.personalToken))
        .send({ name: `t${i}`, expiresInDays: 1 })
        .expect(201);
    }
    const other = await registerUser(t, uniqueEmail('other-tenant'));
    await drain();
    await t.app.get(TokenExpiryNotices).scan();
    // A moment later, someone else asks for a password reset.
    t.clock.advance(1);
    const before = smtp.mails.length;
    await t.http().post('/v1/auth/password-reset').send({ email: other.email }).expect(202);
    await drain();
    const sent = smtp.mails.slice(before);
    const position = sent.findIndex((m) => m.rcptTo.includes(other.email) && m.secret?.startsWith('lkr_'));
    expect(position).toBeGreaterThanOrEqual(0);
    // 10 slots: a mail queued now should be among the first few to go, not behind one tenant's backlog.
    expect(position).toBeLessThan(20);
  }, 120_000);
});

describe('R18B-L1: a leaked session is reported in a workspace its parent was cut off from', () => {
  it('token.leaked reaches the audit log (and webhooks) of a workspace the session never reached', async () => {
    const ws = await newWorkspace(t);
    const other = await newWorkspace(t);
    const member = await ws.member('member');
    await other.member('member', { user: member });
    // A named token of the member, unrestricted, cut off from `ws` by its owner.
    const named = await createNamedToken(t, member.personalToken, { scopes: ['*'] });
    await t.http().delete(`/v1/workspaces/${ws.id}/tokens/${named.id}`).set(bearer(ws.owner.personalToken)).expect(204);
    const session = await t.http().post('/v1/auth/token').set(bearer(named.secret)).send({}).expect(200);
    expect((await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(session.body.token.secret))).status).toBe(401);
    await t
      .http()
      .post('/v1/tokens/report')
      .send({ tokens: [session.body.token.secret], url: 'https://paste.example/x' })
      .expect(202);
    await drain();
    const audit = async (w: string, by: string) =>
      (await t.http().get(`/v1/workspaces/${w}/audit-events?action=token.leaked`).set(bearer(by)).expect(200)).body.items as unknown[];
    expect((await audit(other.id, other.owner.personalToken)).length).toBe(1);
    expect((await audit(ws.id, ws.owner.personalToken)).length).toBe(0);
  });
});

describe('held: background jobs on stale state', () => {
  it('held: a delivery queued before its endpoint was disabled is cancelled, not sent; one queued before deletion is dropped', async () => {
    const ws = await newWorkspace(t);
    receiver.answer(answerStatus(200));
    const mk = async (path: string) =>
      (
        await t
          .http()
          .post(`/v1/workspaces/${ws.id}/webhooks`)
          .set(bearer(ws.owner.personalToken))
          .send({ url: receiver.url(path), events: ['device.created'] })
          .expect(201)
      ).body.endpoint.id as string;
    const disabled = await mk('/held-disabled');
    const deleted = await mk('/held-deleted');
    await ws.device({ name: 'queued' });
    await t
      .http()
      .patch(`/v1/workspaces/${ws.id}/webhooks/${disabled}`)
      .set(bearer(ws.owner.personalToken))
      .send({ enabled: false })
      .expect(200);
    await t.http().delete(`/v1/workspaces/${ws.id}/webhooks/${deleted}`).set(bearer(ws.owner.personalToken)).expect(204);
    await drain();
    expect(receiver.on('/held-disabled').length + receiver.on('/held-deleted').length).toBe(0);
    const list = await t
      .http()
      .get(`/v1/workspaces/${ws.id}/webhooks/${disabled}/deliveries`)
      .set(bearer(ws.owner.personalToken))
      .expect(200);
    expect(list.body.items.map((d: { status: string }) => d.status)).toEqual(['cancelled']);
  });

  it('held: no expiry notice for a token revoked, or whose API user was disabled, before the scan', async () => {
    const ws = await newWorkspace(t);
    const bot = await ws.apiUser({ roles: ['viewer'] });
    const revoked = await createNamedToken(t, ws.owner.personalToken, { name: 'held-revoked', scopes: ['account:read'], expiresInDays: 1 });
    await t.http().delete(`/v1/me/tokens/${revoked.id}`).set(bearer(ws.owner.personalToken)).expect(204);
    await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens`)
      .set(bearer(ws.owner.personalToken))
      .send({ name: 'held-bot', expiresInDays: 1 })
      .expect(201);
    await t
      .http()
      .patch(`/v1/workspaces/${ws.id}/api-users/${bot.id}`)
      .set(bearer(ws.owner.personalToken))
      .send({ status: 'disabled' })
      .expect(200);
    await drain();
    const before = smtp.to(ws.owner.email).length;
    await t.app.get(TokenExpiryNotices).scan();
    await drain();
    expect(
      smtp
        .to(ws.owner.email)
        .slice(before)
        .map((m) => m.subject),
    ).toEqual([]);
  });

  it("held: an API user's expiry notice goes to the workspace's current owners and admins only, not a removed admin", async () => {
    const ws = await newWorkspace(t);
    const admin = await ws.member('admin');
    const gone = await ws.member('admin');
    const bot = await ws.apiUser({ roles: ['viewer'] });
    await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens`)
      .set(bearer(ws.owner.personalToken))
      .send({ name: 'held-removed', expiresInDays: 1 })
      .expect(201);
    await t.http().delete(`/v1/workspaces/${ws.id}/members/${gone.id}`).set(bearer(ws.owner.personalToken)).expect(204);
    await drain();
    await t.app.get(TokenExpiryNotices).scan();
    await drain();
    const told = (email: string) => smtp.to(email).filter((m) => m.subject.includes('held-removed')).length;
    expect({ owner: told(ws.owner.email), admin: told(admin.email), gone: told(gone.email) }).toEqual({ owner: 1, admin: 1, gone: 0 });
  });
});

(serverUrl() ? describe : describe.skip)('held: two instances scanning at once (PostgreSQL server)', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let smtp2: MailCatcher;

  beforeAll(async () => {
    smtp2 = await MailCatcher.start();
    db = await createTestDatabase();
    a = await startTestApp({ ...mailEnv(smtp2) }, db);
    b = await startTestApp({ ...mailEnv(smtp2) }, db);
  }, 120_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
    await smtp2?.stop();
  });
  const both = (ms: number) => {
    a.clock.advance(ms);
    b.clock.advance(ms);
  };

  it('held: expiry notices are sent once each when both instances scan together', async () => {
    const user = await registerUser(a, uniqueEmail('two-expiry'));
    // A proven address gets every notice (an unproven one has a budget of 5 an hour: NoticeBudget).
    await markEmailVerified(a, user.id);
    for (let i = 0; i < 20; i++)
      await createNamedToken(a, user.personalToken, { name: `two-${i}`, scopes: ['account:read'], expiresInDays: 1 });
    const [x, y] = await Promise.all([a.app.get(TokenExpiryNotices).scan(), b.app.get(TokenExpiryNotices).scan()]);
    expect(x + y).toBe(20);
    await Promise.all([drain(a), drain(b)]);
    expect(smtp2.to(user.email).filter((m) => m.subject.startsWith('A token expires')).length).toBe(20);
  });

  it('held: unused-token warnings and cut-offs happen once each when both instances scan together', async () => {
    const owner = await registerUser(a, uniqueEmail('two-unused'));
    await markEmailVerified(a, owner.id);
    const ws = await newWorkspace(a, owner);
    const bot = await ws.apiUser({ roles: ['viewer'] });
    for (let i = 0; i < 10; i++) {
      await a
        .http()
        .post(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens`)
        .set(bearer(owner.personalToken))
        .send({ name: `u${i}` })
        .expect(201);
    }
    await a
      .http()
      .put(`/v1/workspaces/${ws.id}/token-policy`)
      .set(bearer(owner.personalToken))
      .send({ maxLifetimeDays: null, allowPersonalTokens: true, revokeUnusedAfterDays: 14 })
      .expect(200);
    await Promise.all([drain(a), drain(b)]);
    both(8 * DAY_S * 1000);
    const warned = await Promise.all([a.app.get(UnusedTokens).scan(), b.app.get(UnusedTokens).scan()]);
    both(7 * DAY_S * 1000 + 60_000);
    const cut = await Promise.all([a.app.get(UnusedTokens).scan(), b.app.get(UnusedTokens).scan()]);
    // 11 API-user tokens (the first, and ten more); the owner's personal token reaches the workspace too.
    expect(warned[0].warned + warned[1].warned).toBe(12);
    expect(cut[0].cutOff + cut[1].cutOff).toBe(12);
    await Promise.all([drain(a), drain(b)]);
    const mails = smtp2.to(owner.email).filter((m) => /^A token unused/.test(m.subject));
    expect(mails.length).toBe(24);
  });

  it('held: one token reported on both instances at once is revoked and mailed once', async () => {
    const user = await registerUser(a, uniqueEmail('two-leak'));
    const token = await createNamedToken(a, user.personalToken, { name: 'two-leak', scopes: ['account:read'] });
    await a
      .http()
      .post('/v1/tokens/report')
      .send({ tokens: [token.secret] })
      .expect(202);
    await b
      .http()
      .post('/v1/tokens/report')
      .send({ tokens: [token.secret] })
      .expect(202);
    await Promise.all([drain(a), drain(b)]);
    await Promise.all([drain(a), drain(b)]);
    expect(smtp2.to(user.email).filter((m) => m.subject.startsWith('A token was found')).length).toBe(1);
  });
});
