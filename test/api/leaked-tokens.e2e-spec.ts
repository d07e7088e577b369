// Leaked tokens revoke themselves: GitHub secret scanning's partner protocol (ECDSA P-256 signed
// reports, keys made here and configured, never fetched) and the public report route. Each leak
// revokes the token with its rotation chain, is audited, mails the owner (the workspace's owners and
// admins for an API user's token) where it was found, and fires the token.leaked webhook.
import { generateKeyPairSync, KeyObject, randomUUID, sign } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { generateToken, hashToken } from '../../src/auth/token-format';
import { OutboxWorker } from '../../src/outbox/outbox-worker';
import { WebhookSender } from '../../src/webhooks/webhook-sender';
import { bearer, createNamedToken, expectProblem, login } from '../support/api';
import { newWorkspace, WorkspaceFixture } from '../support/fixtures';
import { MailCatcher } from '../support/mail-catcher';
import { startTestApp, TestApp } from '../support/test-app';
import { answerStatus, guardConnections, WEBHOOK_TEST_ENV, WebhookReceiver } from '../support/webhook-receiver';

const ec = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const github = ec();
const stranger = ec();
const GITHUB_KEY_ID = '90a421169f0a406205f1563a953312f0be898d3c7b6c06b681aa86a874555f4a';
const REPORTS_PER_IP = 12;

let t: TestApp;
let smtp: MailCatcher;
let receiver: WebhookReceiver;
const drain = () => t.app.get(OutboxWorker).drainDue();

function signed(body: string, key: KeyObject = github.privateKey, keyId = GITHUB_KEY_ID): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'Github-Public-Key-Identifier': keyId,
    'Github-Public-Key-Signature': sign('sha256', Buffer.from(body), { key, dsaEncoding: 'der' }).toString('base64'),
  };
}

function githubReport(matches: object[], headers?: Record<string, string>) {
  const body = JSON.stringify(matches);
  return t
    .http()
    .post('/v1/secret-scanning/github')
    .set(headers ?? signed(body))
    .send(body);
}

const match = (token: string, url = 'https://github.com/octo/app/blob/abc/config.yml') => ({
  token,
  type: 'latchkey_token',
  url,
  source: 'content',
});

/** The one leak notice mailed to `address` (other mails, such as the address check, arrive in any order). */
function leakMail(address: string) {
  const found = smtp.to(address).filter((m) => /found in public and revoked/.test(m.subject));
  expect(found).toHaveLength(1);
  return found[0];
}

const alive = async (secret: string) => (await t.http().get('/v1/whoami').set(bearer(secret))).status === 200;

async function auditOf(ws: WorkspaceFixture, action = 'token.leaked') {
  const res = await t.http().get(`/v1/workspaces/${ws.id}/audit-events`).query({ action }).set(bearer(ws.owner.personalToken)).expect(200);
  return res.body.items as Array<{ action: string; target: { id: string }; details: Record<string, unknown>; actor: { type: string } }>;
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-scanning-'));
  const keys = join(dir, 'secret_scanning.json');
  writeFileSync(
    keys,
    JSON.stringify({
      public_keys: [{ key_identifier: GITHUB_KEY_ID, key: github.publicKey.export({ type: 'spki', format: 'pem' }), is_current: true }],
    }),
  );
  smtp = await MailCatcher.start();
  receiver = await WebhookReceiver.start();
  t = await startTestApp({
    ...WEBHOOK_TEST_ENV,
    LATCHKEY_SMTP_URL: smtp.url,
    LATCHKEY_GITHUB_SECRET_SCANNING_KEYS_FILE: keys,
    LATCHKEY_TOKEN_REPORTS_PER_IP: String(REPORTS_PER_IP),
  });
  guardConnections(t.app.get(WebhookSender));
});
afterAll(async () => {
  await t.close();
  await receiver.close();
  await smtp.stop();
});

describe('POST /v1/secret-scanning/github', () => {
  it('answers a verdict per match in a mixed batch and revokes only the live tokens of ours', async () => {
    const ws = await newWorkspace(t);
    const live = await createNamedToken(t, ws.owner.personalToken, { scopes: ['account:read'] });
    const revoked = await createNamedToken(t, ws.owner.personalToken, { scopes: ['account:read'] });
    await t.http().delete(`/v1/me/tokens/${revoked.id}`).set(bearer(ws.owner.personalToken)).expect(204);
    const bot = await ws.apiUser({ roles: ['viewer'] });
    const forged = generateToken('lkp_').slice(0, -1) + 'x'; // right shape, wrong checksum
    const unknown = generateToken('lka_'); // right checksum, never issued
    const matches = [match(live.secret), match(revoked.secret), match(bot.token), match(forged), match(unknown), match('hello world')];

    const res = await githubReport(matches).expect(200);
    expect(res.body).toEqual(
      matches.map((m, n) => ({
        token_hash: hashToken(m.token),
        token_type: 'latchkey_token',
        label: n < 3 ? 'true_positive' : 'false_positive',
      })),
    );
    expect(JSON.stringify(res.body)).not.toContain(live.secret);
    expect(await alive(live.secret)).toBe(false);
    expect(await alive(bot.token)).toBe(false);
    expect(await alive(ws.owner.personalToken)).toBe(true);

    // Audited in the workspaces each token reached, by the system, with where it was found.
    const events = await auditOf(ws);
    expect(events.map((e) => e.target.id).sort()).toEqual([live.id, bot.tokenId].sort());
    expect(events[0]).toMatchObject({
      actor: { type: 'system' },
      details: { reporter: 'github', where: 'https://github.com/octo/app/blob/abc/config.yml', source: 'content' },
    });
    // The already revoked token is ours (true_positive) but nothing new happened to it.
    expect(events.map((e) => e.target.id)).not.toContain(revoked.id);

    await drain();
    const leakMails = smtp.to(ws.owner.email).filter((m) => /found in public and revoked/.test(m.subject));
    expect(leakMails).toHaveLength(2); // their token, and their API user's
    const mail = leakMails.find((m) => m.subject.endsWith(': named')) as (typeof leakMails)[number];
    expect(mail.text).toContain('GitHub secret scanning');
    expect(mail.text).toContain('https://github.com/octo/app/blob/abc/config.yml');
    expect(mail.text).not.toContain(live.secret);
  });

  it("revokes the leaked secret's whole rotation chain and the sessions made from it", async () => {
    const ws = await newWorkspace(t);
    const old = await createNamedToken(t, ws.owner.personalToken, { scopes: ['account:read'] });
    const rotated = await t
      .http()
      .post(`/v1/me/tokens/${old.id}/rotate`)
      .set(bearer(ws.owner.personalToken))
      .send({ graceSeconds: 3600 })
      .expect(200);
    const session = await t.http().post('/v1/auth/token').set(bearer(rotated.body.secret)).send({}).expect(200);
    expect(await alive(old.secret)).toBe(true); // inside its grace period
    await githubReport([match(old.secret)]).expect(200);
    expect(await alive(old.secret)).toBe(false);
    expect(await alive(rotated.body.secret)).toBe(false);
    expect(await alive(session.body.token.secret)).toBe(false);
  });

  it('fires token.leaked to the workspace webhooks, signed, without the secret', async () => {
    receiver.answer(answerStatus(200, 'ok'));
    const ws = await newWorkspace(t);
    const hook = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/webhooks`)
      .set(bearer(ws.owner.personalToken))
      .send({ url: receiver.url(`/leaks-${randomUUID()}`), events: ['token.leaked'] })
      .expect(201);
    const bot = await ws.apiUser({ roles: ['viewer'] });
    await githubReport([match(bot.token)]).expect(200);
    await drain();
    const got = receiver.received.filter((r) => r.path === new URL(hook.body.endpoint.url).pathname);
    expect(got).toHaveLength(1);
    const event = new Webhook(hook.body.secret).verify(got[0].body, got[0].headers) as { type: string; data: Record<string, unknown> };
    expect(event.type).toBe('token.leaked');
    expect(event.data).toMatchObject({
      workspaceId: ws.id,
      target: { type: 'token', id: bot.tokenId },
      reporter: 'github',
      kind: 'api_user',
    });
    expect(got[0].body).not.toContain(bot.token);
  });

  it.each([
    ['a key that is not configured', (body: string) => signed(body, stranger.privateKey)],
    ['an unknown key id', (body: string) => signed(body, github.privateKey, 'another-key')],
    ['a signature of another body', () => signed('[]')],
    ['no signature', () => ({ 'Content-Type': 'application/json', 'Github-Public-Key-Identifier': GITHUB_KEY_ID })],
    ['a signature that is not base64', () => ({ ...signed('[]'), 'Github-Public-Key-Signature': '!!!not base64!!!' })],
  ])('refuses a report signed with %s, before reading it: 401 and the token lives', async (_label, headersFor) => {
    const ws = await newWorkspace(t);
    const token = await createNamedToken(t, ws.owner.personalToken, { scopes: ['account:read'] });
    const body = JSON.stringify([match(token.secret)]);
    const res = await t.http().post('/v1/secret-scanning/github').set(headersFor(body)).send(body);
    expectProblem(res, 401, 'invalid_credentials');
    expect(await alive(token.secret)).toBe(true);
    expect(await auditOf(ws)).toEqual([]);
  });

  it('refuses a tampered body: the signature covers the bytes as sent', async () => {
    const ws = await newWorkspace(t);
    const token = await createNamedToken(t, ws.owner.personalToken, { scopes: ['account:read'] });
    const original = JSON.stringify([match(generateToken('lkp_'))]);
    const tampered = JSON.stringify([match(token.secret)]);
    const res = await t.http().post('/v1/secret-scanning/github').set(signed(original)).send(tampered);
    expectProblem(res, 401, 'invalid_credentials');
    // Whitespace the JSON parser would ignore still changes the bytes.
    const spaced = await t
      .http()
      .post('/v1/secret-scanning/github')
      .set(signed(original))
      .send(original + ' ');
    expectProblem(spaced, 401, 'invalid_credentials');
    expect(await alive(token.secret)).toBe(true);
  });

  it.each([
    ['an object', '{"token":"x","type":"y"}', 'body'],
    ['an empty array', '[]', 'body'],
    ['a match without a token', '[{"type":"t"}]', '[0].token'],
    ['a number for a token', '[{"token":5,"type":"t"}]', '[0].token'],
    ['a huge url', JSON.stringify([{ token: 'x', type: 't', url: 'u'.repeat(3000) }]), '[0].url'],
  ])('answers 400 to a signed body that is %s', async (_label, body, field) => {
    const res = await t.http().post('/v1/secret-scanning/github').set(signed(body)).send(body);
    const problem = expectProblem(res, 400, 'validation_failed') as { errors: Array<{ field: string }> };
    expect(problem.errors.map((e) => e.field)).toContain(field);
  });

  it('two reports of one token at once revoke it once: one audit event, one mail', async () => {
    const ws = await newWorkspace(t);
    const token = await createNamedToken(t, ws.owner.personalToken, { scopes: ['account:read'] });
    await drain();
    const before = smtp.to(ws.owner.email).length;
    const answers = await Promise.all([githubReport([match(token.secret)]), githubReport([match(token.secret)])]);
    expect(answers.map((a) => [a.status, a.body[0].label])).toEqual([
      [200, 'true_positive'],
      [200, 'true_positive'],
    ]);
    expect(await auditOf(ws)).toHaveLength(1);
    await drain();
    expect(smtp.to(ws.owner.email).length - before).toBe(1);
  });
});

describe('POST /v1/tokens/report', () => {
  const report = (body: object) => t.http().post('/v1/tokens/report').send(body);

  it('answers the same 202 for a live token, a dead one and junk; revokes the live one after commit', async () => {
    const ws = await newWorkspace(t);
    const live = await createNamedToken(t, ws.owner.personalToken, { scopes: ['account:read'] });
    const answers = await Promise.all([
      report({ tokens: [live.secret], url: 'https://pastebin.example/abc', source: 'paste' }),
      report({ tokens: [generateToken('lkp_')] }),
      report({ tokens: ['not a token at all'] }),
    ]);
    for (const a of answers) {
      expect(a.status).toBe(202);
      expect(a.text).toBe('');
    }
    await drain();
    expect(await alive(live.secret)).toBe(false);
    const [event] = await auditOf(ws);
    expect(event).toMatchObject({
      target: { id: live.id },
      details: { reporter: 'report', where: 'https://pastebin.example/abc', source: 'paste' },
    });
    const mail = leakMail(ws.owner.email);
    expect(mail.text).toContain('public report form (the reporter is unverified)');
    // The reported place is text, never a link.
    expect(mail.html).not.toMatch(/<a [^>]*pastebin/);
    // The outbox row that carried the report is gone: it held the hash, never the secret.
    expect(await t.dataSource.query(`SELECT 1 FROM outbox_jobs WHERE kind = 'token-report'`)).toEqual([]);
  });

  it('keeps a hostile place found to one line of escaped text in the mail', async () => {
    const ws = await newWorkspace(t);
    const live = await createNamedToken(t, ws.owner.personalToken, { scopes: ['account:read'] });
    await report({ tokens: [live.secret], url: 'https://e.example/\r\nBcc: all@example.com\n<script>alert(1)</script> 🚀' }).expect(202);
    await drain();
    const mail = leakMail(ws.owner.email);
    expect(mail.parsed.bcc).toBeUndefined();
    expect(mail.html).not.toContain('<script>');
    expect(mail.text).toContain('🚀');
  });

  it('a member can report their own leaked personal token; it stops working and they can regenerate it', async () => {
    const ws = await newWorkspace(t);
    await report({ tokens: [ws.owner.personalToken] }).expect(202);
    await drain();
    expect(await alive(ws.owner.personalToken)).toBe(false);
    const session = await login(t, ws.owner.email);
    const regenerated = await t.http().post('/v1/me/personal-token/regenerate').set(bearer(session)).send({}).expect(200);
    expect(await alive(regenerated.body.secret)).toBe(true);
  });

  it.each([
    ['no tokens field', {}],
    ['an empty list', { tokens: [] }],
    ['101 tokens', { tokens: Array.from({ length: 101 }, () => 'x') }],
    ['a number', { tokens: [5] }],
    ['an unknown field', { tokens: ['x'], extra: true }],
    ['a huge url', { tokens: ['x'], url: 'u'.repeat(2001) }],
  ])('refuses %s with 400', async (_label, body) => {
    expectProblem(await report(body), 400, 'validation_failed');
  });

  it(`limits reports per address (${REPORTS_PER_IP} an hour): 429 with Retry-After`, async () => {
    let last = await report({ tokens: ['x'] });
    for (let n = 0; n < REPORTS_PER_IP + 1 && last.status === 202; n++) last = await report({ tokens: ['x'] });
    expectProblem(last, 429, 'rate_limited');
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
  });
});
