// Attack review of leaked-token reports (src/leaks), the unused-token rule (src/tokens/unused-tokens.ts)
// and retention (src/outbox/retention.ts). Each case is an attack through HTTP; the periodic scans are
// called directly with the fake clock, as their own tests do.
import { generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { generateToken, hashToken } from '../../src/auth/token-format';
import { LastUsedRecorder } from '../../src/auth/last-used.recorder';
import { OutboxWorker } from '../../src/outbox/outbox-worker';
import { Retention } from '../../src/outbox/retention';
import { UnusedTokens } from '../../src/tokens/unused-tokens';
import { bearer, createNamedToken, expectProblem, registerUser, scrapeMetrics } from '../support/api';
import { newWorkspace, WorkspaceFixture } from '../support/fixtures';
import { MailCatcher } from '../support/mail-catcher';
import { startTestApp, TestApp } from '../support/test-app';

const DAY_S = 86_400;
const github = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const GITHUB_KEY_ID = 'a1b2c3d4e5f6';

let t: TestApp;
let smtp: MailCatcher;
const drain = (app: TestApp = t) => app.app.get(OutboxWorker).drainDue();
const alive = async (secret: string, app: TestApp = t) => (await app.http().get('/v1/whoami').set(bearer(secret))).status === 200;

const signature = (body: Buffer | string, key: KeyObject = github.privateKey) =>
  sign('sha256', Buffer.from(body), { key, dsaEncoding: 'der' }).toString('base64');
const match = (token: string) => ({ token, type: 'latchkey_token', url: 'https://github.com/o/r/blob/x/a.yml', source: 'content' });

/** Posts `bytes` to the GitHub endpoint with a signature of `signed` (the same bytes unless told). */
function postGithub(bytes: Buffer | string, headers: Record<string, string | string[]>, signed: Buffer | string = bytes) {
  const request = t.http().post('/v1/secret-scanning/github');
  const all: Record<string, string | string[]> = {
    'Content-Type': 'application/json',
    'Github-Public-Key-Identifier': GITHUB_KEY_ID,
    'Github-Public-Key-Signature': signature(signed),
    ...headers,
  };
  for (const [name, value] of Object.entries(all)) request.set(name, value as string);
  return request.send(typeof bytes === 'string' ? bytes : bytes);
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-review-'));
  const keys = join(dir, 'keys.json');
  writeFileSync(
    keys,
    JSON.stringify({ public_keys: [{ key_identifier: GITHUB_KEY_ID, key: github.publicKey.export({ type: 'spki', format: 'pem' }) }] }),
  );
  smtp = await MailCatcher.start();
  t = await startTestApp({ LATCHKEY_SMTP_URL: smtp.url, LATCHKEY_GITHUB_SECRET_SCANNING_KEYS_FILE: keys });
});
afterAll(async () => {
  await t.close();
  await smtp.stop();
});

describe('GitHub secret scanning: the signature covers exactly what is read', () => {
  let ws: WorkspaceFixture;
  beforeAll(async () => {
    ws = await newWorkspace(t);
  });
  const liveToken = () => createNamedToken(t, ws.owner.personalToken, { scopes: ['account:read'] });

  it('takes JSON with a charset parameter (the bytes are still the ones signed)', async () => {
    const token = await liveToken();
    const body = JSON.stringify([match(token.secret)]);
    const res = await postGithub(body, { 'Content-Type': 'application/json; charset=utf-8' }).expect(200);
    expect(res.body).toEqual([{ token_hash: hashToken(token.secret), token_type: 'latchkey_token', label: 'true_positive' }]);
    expect(await alive(token.secret)).toBe(false);
  });

  it.each([
    ['text/plain', { 'Content-Type': 'text/plain' }],
    ['no content type', { 'Content-Type': '' }],
    ['a form', { 'Content-Type': 'application/x-www-form-urlencoded' }],
  ])('a correctly signed body sent as %s revokes nothing', async (_label, headers) => {
    const token = await liveToken();
    const body = JSON.stringify([match(token.secret)]);
    const res = await postGithub(body, headers);
    expect([400, 401, 415]).toContain(res.status);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(await alive(token.secret)).toBe(true);
  });

  it('a gzip body is not unpacked: signed as JSON it fails the signature, and sent packed it revokes nothing', async () => {
    const token = await liveToken();
    const body = JSON.stringify([match(token.secret)]);
    const packed = gzipSync(body);
    expectProblem(await postGithub(packed, { 'Content-Encoding': 'gzip' }, body), 401, 'invalid_credentials');
    const asSent = await postGithub(packed, { 'Content-Encoding': 'gzip' });
    expect([400, 401, 415]).toContain(asSent.status);
    expect(await alive(token.secret)).toBe(true);
  });

  it('refuses two signature headers, a key id in another case, and an unsigned empty body', async () => {
    const token = await liveToken();
    const body = JSON.stringify([match(token.secret)]);
    const good = signature(body);
    expectProblem(await postGithub(body, { 'Github-Public-Key-Signature': [good, good] }), 401, 'invalid_credentials');
    expectProblem(await postGithub(body, { 'Github-Public-Key-Identifier': GITHUB_KEY_ID.toUpperCase() }), 401, 'invalid_credentials');
    expectProblem(await postGithub('', { 'Github-Public-Key-Signature': '' }), 401, 'invalid_credentials');
    expect(await alive(token.secret)).toBe(true);
  });

  it('a signed empty body is a 400, not a crash', async () => {
    expectProblem(await postGithub('', {}), 400, 'validation_failed');
  });

  it('a body over the limit is refused before it is read (413), whatever its signature', async () => {
    const token = await liveToken();
    const body = JSON.stringify([match(token.secret), ...Array.from({ length: 3000 }, () => match('x'.repeat(500)))]);
    expect(body.length).toBeGreaterThan(1024 * 1024);
    const res = await postGithub(body, {});
    expectProblem(res, 413, 'payload_too_large');
    expect(await alive(token.secret)).toBe(true);
  });

  it('a signed batch of 1,001 matches is refused whole: nothing is revoked', async () => {
    const token = await liveToken();
    const body = JSON.stringify([match(token.secret), ...Array.from({ length: 1000 }, () => match('x'))]);
    const problem = expectProblem(await postGithub(body, {}), 400, 'validation_failed') as { errors: Array<{ field: string }> };
    expect(problem.errors.map((e) => e.field)).toEqual(['body']);
    expect(await alive(token.secret)).toBe(true);
  });

  it('a signed body with a BOM or surrounding whitespace is read as signed, and a prototype key is refused', async () => {
    const token = await liveToken();
    const spaced = `\n  ${JSON.stringify([match(token.secret)])}  \n`;
    expect((await postGithub(spaced, {}).expect(200)).body[0].label).toBe('true_positive');
    const bommed = await liveToken();
    const withBom = await postGithub(`\uFEFF${JSON.stringify([match(bommed.secret)])}`, {});
    // The BOM is part of the signed bytes; the parser skips it, as JSON allows.
    expect(withBom.status).toBe(200);
    expect(withBom.body).toEqual([{ token_hash: hashToken(bommed.secret), token_type: 'latchkey_token', label: 'true_positive' }]);
    expect(await alive(bommed.secret)).toBe(false);
    const unsignedBom = await liveToken();
    const body = JSON.stringify([match(unsignedBom.secret)]);
    expectProblem(await postGithub(`\uFEFF${body}`, {}, body), 401, 'invalid_credentials');
    expect(await alive(unsignedBom.secret)).toBe(true);
    const other = await liveToken();
    const poisoned = `[{"token":"${other.secret}","type":"t","__proto__":{"x":1}}]`;
    expectProblem(await postGithub(poisoned, {}), 400, 'validation_failed');
    expect(await alive(other.secret)).toBe(true);
  });

  it("answers another workspace's token with a label only: no workspace, owner or token id", async () => {
    const other = await newWorkspace(t);
    const bot = await other.apiUser({ roles: ['viewer'] });
    const res = await postGithub(JSON.stringify([match(bot.token)]), {}).expect(200);
    expect(res.body).toEqual([{ token_hash: hashToken(bot.token), token_type: 'latchkey_token', label: 'true_positive' }]);
    expect(res.text).not.toContain(other.id);
    expect(res.text).not.toContain(bot.tokenId);
    expect(res.text).not.toContain(bot.id);
  });

  it("a secret in GitHub's url or source is cut to its prefix in the audit details, and only the match itself is revoked", async () => {
    const token = await liveToken();
    const bystander = await liveToken();
    const body = JSON.stringify([
      {
        token: token.secret,
        type: 'latchkey_token',
        url: `https://github.com/o/r/blob/x/a.yml#${bystander.secret}`,
        source: bystander.secret,
      },
    ]);
    await postGithub(body, {}).expect(200);
    expect(await alive(token.secret)).toBe(false);
    expect(await alive(bystander.secret)).toBe(true);
    const audit = await t
      .http()
      .get(`/v1/workspaces/${ws.id}/audit-events`)
      .query({ action: 'token.leaked' })
      .set(bearer(ws.owner.personalToken))
      .expect(200);
    const event = audit.body.items.find((e: { target: { id: string } }) => e.target.id === token.id);
    expect(event.details).toMatchObject({ where: 'https://github.com/o/r/blob/x/a.yml#lkp_…', source: 'lkp_…' });
  });

  it('mailed links and invitation secrets are not bearer tokens: false_positive, nothing touched', async () => {
    const res = await postGithub(JSON.stringify([match(generateToken('lkr_')), match(generateToken('lki_'))]), {}).expect(200);
    expect(res.body.map((v: { label: string }) => v.label)).toEqual(['false_positive', 'false_positive']);
  });
});

describe('POST /v1/tokens/report', () => {
  it('keeps only hashes in the outbox, and the same row whether the secret is live, dead or unknown', async () => {
    const ws = await newWorkspace(t);
    const live = await createNamedToken(t, ws.owner.personalToken, { scopes: ['account:read'] });
    const unknown = generateToken('lkp_');
    await t
      .http()
      .post('/v1/tokens/report')
      .send({ tokens: [live.secret, unknown, 'junk'], url: 'https://paste.example/x', source: 'paste' })
      .expect(202);
    const rows: Array<{ payload: unknown }> = await t.dataSource.query(`SELECT payload FROM outbox_jobs WHERE kind = 'token-report'`);
    expect(rows).toHaveLength(1);
    const text = JSON.stringify(rows[0].payload);
    expect(text).not.toContain(live.secret);
    expect(text).not.toContain(unknown);
    expect(text).not.toContain('junk');
    expect(rows[0].payload).toMatchObject({ tokenHashes: [hashToken(live.secret), hashToken(unknown)] });
    await drain();
    expect(await alive(live.secret)).toBe(false);
  });

  it('a secret in the reported place or source is kept nowhere: outbox, audit details (what webhooks send), mail', async () => {
    const ws = await newWorkspace(t);
    const live = await createNamedToken(t, ws.owner.personalToken, { scopes: ['account:read'] });
    const other = await createNamedToken(t, ws.owner.personalToken, { scopes: ['account:read'] });
    await drain();
    await t
      .http()
      .post('/v1/tokens/report')
      .send({ tokens: [live.secret], url: `https://paste.example/?t=${other.secret}&u=${live.secret}`, source: other.secret })
      .expect(202);
    const [job]: Array<{ payload: unknown }> = await t.dataSource.query(`SELECT payload FROM outbox_jobs WHERE kind = 'token-report'`);
    expect(JSON.stringify(job.payload)).not.toMatch(/lk[pa]_[0-9A-Za-z]{38}/);
    await drain();
    expect(await alive(live.secret)).toBe(false);
    expect(await alive(other.secret)).toBe(true); // only what was reported as a token is looked up
    const audit = await t
      .http()
      .get(`/v1/workspaces/${ws.id}/audit-events`)
      .query({ action: 'token.leaked' })
      .set(bearer(ws.owner.personalToken))
      .expect(200);
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0].details.where).toMatch(/^https:\/\/paste\.example\/\?t=lkp_/);
    expect(JSON.stringify(audit.body.items[0].details)).not.toMatch(/lk[pa]_[0-9A-Za-z]{38}/);
    const mails = smtp.to(ws.owner.email).filter((m) => /found in public/.test(m.subject));
    expect(mails).toHaveLength(1);
    expect(`${mails[0].text}${mails[0].html}`).not.toMatch(/lk[pa]_[0-9A-Za-z]{38}/);
    const jobs: Array<{ payload: unknown }> = await t.dataSource.query(`SELECT payload FROM outbox_jobs`);
    expect(JSON.stringify(jobs)).not.toMatch(/lk[pa]_[0-9A-Za-z]{38}/);
  });

  it('two reports of one token at once: both 202, revoked once, one audit event', async () => {
    const ws = await newWorkspace(t);
    const live = await createNamedToken(t, ws.owner.personalToken, { scopes: ['account:read'] });
    const answers = await Promise.all(
      [0, 1].map(() =>
        t
          .http()
          .post('/v1/tokens/report')
          .send({ tokens: [live.secret] }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual([202, 202]);
    await drain();
    expect(await alive(live.secret)).toBe(false);
    const audit = await t
      .http()
      .get(`/v1/workspaces/${ws.id}/audit-events`)
      .query({ action: 'token.leaked' })
      .set(bearer(ws.owner.personalToken))
      .expect(200);
    expect(audit.body.items).toHaveLength(1);
  });

  it("a member's leaked token is told to its owner only, never to another member of the workspace", async () => {
    const ws = await newWorkspace(t);
    const member = await ws.member('member');
    const admin = await ws.member('admin');
    await drain();
    const before = { owner: smtp.to(ws.owner.email).length, admin: smtp.to(admin.email).length };
    await t
      .http()
      .post('/v1/tokens/report')
      .send({ tokens: [member.personalToken] })
      .expect(202);
    await drain();
    expect(await alive(member.personalToken)).toBe(false);
    expect(smtp.to(member.email).filter((m) => /found in public/.test(m.subject))).toHaveLength(1);
    expect(smtp.to(ws.owner.email).length).toBe(before.owner);
    expect(smtp.to(admin.email).length).toBe(before.admin);
  });
});

describe('unused tokens', () => {
  const scan = () => t.app.get(UnusedTokens).scan();
  const flushUse = () => t.app.get(LastUsedRecorder).flush();
  const setPolicy = (ws: WorkspaceFixture, days: number | null) =>
    t
      .http()
      .put(`/v1/workspaces/${ws.id}/token-policy`)
      .set(bearer(ws.owner.personalToken))
      .send({ maxLifetimeDays: null, allowPersonalTokens: true, revokeUnusedAfterDays: days })
      .expect(200);

  it('only the owner sets it: a member, an admin, an API user and an owner token without the scope are refused, nothing changes', async () => {
    const ws = await newWorkspace(t);
    const member = await ws.member('member');
    const admin = await ws.member('admin');
    const bot = await ws.apiUser({ roles: ['admin'] });
    const readOnly = await createNamedToken(t, ws.owner.personalToken, { scopes: ['workspace:read'], workspaceIds: [ws.id] });
    const body = { maxLifetimeDays: null, allowPersonalTokens: true, revokeUnusedAfterDays: 14 };
    for (const secret of [member.personalToken, admin.personalToken, bot.token, readOnly.secret]) {
      const res = await t.http().put(`/v1/workspaces/${ws.id}/token-policy`).set(bearer(secret)).send(body);
      expect(res.status).toBe(403);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    }
    const other = await newWorkspace(t);
    const res = await t.http().put(`/v1/workspaces/${ws.id}/token-policy`).set(bearer(other.owner.personalToken)).send(body);
    expectProblem(res, 404, 'not_found');
    const policy = await t.http().get(`/v1/workspaces/${ws.id}/token-policy`).set(bearer(ws.owner.personalToken)).expect(200);
    expect(policy.body.revokeUnusedAfterDays).toBeNull();
  });

  it('cutting off a warned token in its rotation grace does not take its fresh successor', async () => {
    const ws = await newWorkspace(t);
    const old = await createNamedToken(t, ws.owner.personalToken, { name: 'ci', scopes: ['workspace:read'], workspaceIds: [ws.id] });
    await setPolicy(ws, 14);
    t.clock.advanceSeconds(8 * DAY_S);
    await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(ws.owner.personalToken)).expect(200);
    await flushUse();
    await scan(); // the named token is warned (8 days idle of 14)
    // Told it stops working, the owner rotates it (from their own token) with a day of grace.
    t.clock.advanceSeconds(6 * DAY_S + 12 * 3600);
    const rotated = await t
      .http()
      .post(`/v1/me/tokens/${old.id}/rotate`)
      .set(bearer(ws.owner.personalToken))
      .send({ graceSeconds: 86_400 })
      .expect(200);
    await flushUse();
    // Past its due day and a week after its warning, the old secret is still inside its grace.
    t.clock.advanceSeconds(18 * 3600);
    await scan();
    expect(await alive(rotated.body.secret)).toBe(true);
    await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(rotated.body.secret)).expect(200);
  });

  it("one workspace's policy leaves another workspace's API users and members alone, and mails no one there", async () => {
    const strict = await newWorkspace(t);
    const lax = await newWorkspace(t);
    const laxBot = await lax.apiUser({ roles: ['viewer'] });
    const laxMember = await lax.member('member');
    await setPolicy(strict, 14);
    await drain();
    const mailsBefore = { owner: smtp.to(lax.owner.email).length, member: smtp.to(laxMember.email).length };
    t.clock.advanceSeconds(30 * DAY_S);
    await t.http().get(`/v1/workspaces/${strict.id}`).set(bearer(strict.owner.personalToken)).expect(200);
    await flushUse();
    await scan();
    t.clock.advanceSeconds(8 * DAY_S);
    await t.http().get(`/v1/workspaces/${strict.id}`).set(bearer(strict.owner.personalToken)).expect(200);
    await flushUse();
    await scan();
    await drain();
    expect(await alive(laxBot.token)).toBe(true);
    await t.http().get(`/v1/workspaces/${lax.id}`).set(bearer(laxMember.personalToken)).expect(200);
    expect(smtp.to(lax.owner.email).length).toBe(mailsBefore.owner);
    expect(smtp.to(laxMember.email).length).toBe(mailsBefore.member);
  });
  it('a policy lengthened after a warning warns again a week before the new day, instead of cutting off on the old warning', async () => {
    const ws = await newWorkspace(t);
    const bot = await ws.apiUser({ roles: ['viewer'] });
    const revokedAt = async () =>
      (await t.dataSource.query(`SELECT revoked_at AS "at" FROM tokens WHERE id = $1`, [bot.tokenId]))[0].at as Date | null;
    await setPolicy(ws, 14);
    t.clock.advanceSeconds(8 * DAY_S);
    await scan(); // warned: "stops working on day 15"
    t.clock.advanceSeconds(1 * DAY_S);
    await setPolicy(ws, 60);
    await drain();
    const warnings = () => smtp.to(ws.owner.email).filter((m) => /stops working on/.test(m.subject) && /of the API user/.test(m.text));
    expect(warnings()).toHaveLength(1);
    // Day 60 and a half: due under the new policy, but the only warning named day 15, 52 days ago.
    t.clock.advanceSeconds(51 * DAY_S + 12 * 3600);
    await scan();
    expect(await revokedAt()).toBeNull();
    await drain();
    expect(warnings()).toHaveLength(2);
    // A week after the new warning it goes.
    t.clock.advanceSeconds(7 * DAY_S + 60);
    await scan();
    expect(await revokedAt()).not.toBeNull();
  });
  it('more idle tokens than a batch (501): each is warned once and cut off once, none skipped', async () => {
    const ws = await newWorkspace(t);
    // One token made through the API, and 500 copies of its row (each its own id, hash and name): the
    // scan is under test here, not 501 creations through HTTP (20 s of the run).
    const first = await createNamedToken(t, ws.owner.personalToken, { name: 'bulk-0', scopes: ['workspace:read'], workspaceIds: [ws.id] });
    const columns = (
      (await t.dataSource.query(
        `SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'tokens'`,
      )) as Array<{ name: string }>
    )
      .map((column) => column.name)
      .filter((name) => !['id', 'token_hash', 'name'].includes(name))
      .join(', ');
    const copies = (await t.dataSource.query(
      `INSERT INTO tokens (id, token_hash, name, ${columns})
       SELECT gen_random_uuid(), md5(random()::text || n), 'bulk-' || n, ${columns} FROM tokens, generate_series(1, 500) n WHERE tokens.id = $1
       RETURNING id`,
      [first.id],
    )) as Array<{ id: string }>;
    const created = [first.id, ...copies.map((copy) => copy.id)];
    await setPolicy(ws, 14);
    const states = async () =>
      (await t.dataSource.query(
        `SELECT count(*)::int AS "all", count(revoked_at)::int AS revoked,
                (SELECT count(DISTINCT token_id)::int FROM unused_token_warnings WHERE scope = $2 AND token_id = ANY($1::uuid[])) AS warned
           FROM tokens WHERE id = ANY($1::uuid[])`,
        [created, ws.id],
      )) as Array<{ all: number; revoked: number; warned: number }>;
    const use = async () => {
      await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(ws.owner.personalToken)).expect(200);
      await flushUse();
    };
    t.clock.advanceSeconds(8 * DAY_S);
    await use();
    await scan();
    expect(await states()).toEqual([{ all: 501, revoked: 0, warned: 501 }]);
    t.clock.advanceSeconds(7 * DAY_S + 60);
    await use();
    await scan();
    expect(await states()).toEqual([{ all: 501, revoked: 501, warned: 501 }]);
  }, 180_000);
});

describe('unused tokens with the shortest retention (LATCHKEY_RETENTION_DAYS=2)', () => {
  let short: TestApp;
  beforeAll(async () => {
    short = await startTestApp({ LATCHKEY_RETENTION_DAYS: '2' });
  });
  afterAll(async () => {
    await short.close();
  });

  it('a purge between the warning and the cut-off neither re-warns nor spares the token', async () => {
    const ws = await newWorkspace(short);
    const bot = await ws.apiUser({ roles: ['viewer'] });
    await short
      .http()
      .put(`/v1/workspaces/${ws.id}/token-policy`)
      .set(bearer(ws.owner.personalToken))
      .send({ maxLifetimeDays: null, allowPersonalTokens: true, revokeUnusedAfterDays: 14 })
      .expect(200);
    const scan = () => short.app.get(UnusedTokens).scan();
    short.clock.advanceSeconds(8 * DAY_S);
    expect(await scan()).toMatchObject({ warned: 2 }); // the bot's token and the owner's own
    short.clock.advanceSeconds(3 * DAY_S);
    await short.app.get(Retention).purgeAll();
    short.clock.advanceSeconds(4 * DAY_S);
    expect(await scan()).toEqual({ warned: 0, cutOff: 2 });
    expect(await alive(bot.token, short)).toBe(false);
  });
});

describe('/metrics while every database connection is busy', () => {
  // A long acquire timeout (allowed up to 60 s): the outbox gauges must not hold the scrape that long,
  // or the scraper times out and loses every metric, the pool's included, when they matter most.
  const ACQUIRE_TIMEOUT_MS = 5000;
  let busy: TestApp;
  let dataDir: string | undefined;
  beforeAll(async () => {
    const env = { LATCHKEY_DB_ACQUIRE_TIMEOUT_MS: String(ACQUIRE_TIMEOUT_MS) };
    if (process.env.DATABASE_URL) {
      busy = await startTestApp({ ...env, LATCHKEY_DB_POOL_SIZE: '1' });
    } else {
      // The app's own embedded database (one connection), as in test/resilience/pool-exhausted.e2e-spec.ts.
      dataDir = mkdtempSync(join(tmpdir(), 'latchkey-busy-'));
      busy = await startTestApp({ ...env, LATCHKEY_DATA_DIR: dataDir }, null);
    }
  }, 120_000);
  afterAll(async () => {
    await busy?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers quickly with the pool metrics, the outbox gauges without samples', async () => {
    const held = busy.dataSource.createQueryRunner();
    await held.connect();
    try {
      const started = Date.now();
      const metrics = await scrapeMetrics(busy);
      expect(Date.now() - started).toBeLessThan(2500);
      expect(metrics).toMatch(/^latchkey_db_pool_connections\{state="in_use"\} 1$/m);
      expect(metrics).not.toMatch(/^latchkey_outbox_jobs\{/m);
    } finally {
      await held.release();
    }
    // The connection free again, the gauges read the database again (the sign-up's mail waits there).
    await registerUser(busy);
    expect(await scrapeMetrics(busy)).toMatch(/^latchkey_outbox_jobs\{kind="mail",status="pending"\} [1-9]/m);
  }, 60_000);
});
