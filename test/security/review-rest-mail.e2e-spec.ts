// Independent review of the mailed links and the sessions routes, as an outside attacker would try
// them: links that outlive the address they proved, addresses written to reach another mailbox, links
// of deactivated accounts, and sessions of someone else or from tokens that must not end them.
import { OutboxWorker } from '../../src/outbox/outbox-worker';
import { bearer, createNamedToken, expectProblem, login, PASSWORD, registerUser, uniqueEmail } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { CaughtMail, MailCatcher, mailEnv } from '../support/mail-catcher';
import { ADMIN_EMAIL, startTestApp, TestApp } from '../support/test-app';

let t: TestApp;
let smtp: MailCatcher;

beforeAll(async () => {
  smtp = await MailCatcher.start();
  t = await startTestApp({
    ...mailEnv(smtp),
  });
});

afterAll(async () => {
  await t?.close();
  await smtp?.stop();
});

async function mailsTo(address: string): Promise<CaughtMail[]> {
  await t.app.get(OutboxWorker).drainDue();
  return smtp.to(address);
}
const requestReset = (email: unknown) => t.http().post('/v1/auth/password-reset').send({ email });
const confirmReset = (token: unknown, newPassword = 'an attacker chosen passphrase') =>
  t.http().post('/v1/auth/password-reset/confirm').send({ token, newPassword });
const resetLinkOf = async (address: string) => (await mailsTo(address)).filter((m) => m.subject === 'Reset your password').pop();

describe('review: mailed links', () => {
  it('a reset request written to reach another mailbox (CR/LF, a second address, case) mails only the account, at its own address', async () => {
    const victim = await registerUser(t, uniqueEmail('victim'));
    const attacker = uniqueEmail('attacker');
    for (const email of [
      `${victim.email}\r\nBcc: ${attacker}`,
      `${victim.email}\nTo: ${attacker}`,
      `${victim.email},${attacker}`,
      `${victim.email} <${attacker}>`,
      `"${attacker}" <${victim.email}>`,
    ]) {
      const res = await requestReset(email);
      expect([202, 400]).toContain(res.status);
    }
    // The same address in capitals reaches the account, and the mail goes to the address it has.
    await requestReset(victim.email.toUpperCase()).expect(202);
    await t.app.get(OutboxWorker).drainDue();
    expect(smtp.mails.filter((m) => m.rcptTo.some((r) => r.toLowerCase().includes('attacker')))).toEqual([]);
    expect((await resetLinkOf(victim.email))?.secret).toMatch(/^lkr_/);
    for (const m of smtp.to(victim.email)) expect(m.rcptTo).toEqual([victim.email]);
  });

  it('a reset link of an address that changed hands resets neither the account that left it nor the one that took it', async () => {
    const leaver = await registerUser(t, uniqueEmail('leaver'));
    const address = leaver.email;
    await requestReset(address).expect(202);
    const link = await resetLinkOf(address);
    expect(link?.secret).toMatch(/^lkr_/);
    await t
      .http()
      .patch('/v1/me')
      .set(bearer(leaver.personalToken))
      .send({ email: uniqueEmail('moved'), currentPassword: PASSWORD })
      .expect(200);
    const taker = await registerUser(t, address);
    expectProblem(await confirmReset(link?.secret), 404, 'not_found');
    // Both keep their passwords.
    await login(t, taker.email);
    await t.http().get('/v1/me').set(bearer(leaver.personalToken)).expect(200);
    await t.http().post('/v1/auth/login').send({ email: address, password: 'an attacker chosen passphrase' }).expect(401);
  });

  it('a reset link mailed before a deactivation does not set a password afterwards', async () => {
    const user = await registerUser(t, uniqueEmail('deact'));
    await requestReset(user.email).expect(202);
    const link = await resetLinkOf(user.email);
    await t.dataSource.query(`UPDATE users SET status = 'deactivated' WHERE id = $1`, [user.id]);
    expectProblem(await confirmReset(link?.secret), 404, 'not_found');
    const [row] = await t.dataSource.query(`SELECT status FROM users WHERE id = $1`, [user.id]);
    expect(row.status).toBe('deactivated');
  });

  it('a reset secret in the verify route, and a verification secret in the reset route, are refused', async () => {
    const user = await registerUser(t, uniqueEmail('cross'));
    const verifyMail = (await mailsTo(user.email)).find((m) => m.subject === 'Verify your email address');
    await requestReset(user.email).expect(202);
    const resetMail = await resetLinkOf(user.email);
    expectProblem(await t.http().post('/v1/auth/verify-email').send({ token: resetMail?.secret }), 400, 'validation_failed');
    expectProblem(await confirmReset(verifyMail?.secret), 400, 'validation_failed');
    // Neither was spent by the misuse.
    await t.http().post('/v1/auth/verify-email').send({ token: verifyMail?.secret }).expect(204);
    await confirmReset(resetMail?.secret).expect(204);
  });

  it('a reset used twice at once with two passwords sets exactly one of them', async () => {
    const user = await registerUser(t, uniqueEmail('race'));
    await requestReset(user.email).expect(202);
    const link = await resetLinkOf(user.email);
    const answers = await Promise.all([
      confirmReset(link?.secret, 'first racing passphrase'),
      confirmReset(link?.secret, 'second racing passphrase'),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([204, 404]);
    const first = await t.http().post('/v1/auth/login').send({ email: user.email, password: 'first racing passphrase' });
    const second = await t.http().post('/v1/auth/login').send({ email: user.email, password: 'second racing passphrase' });
    expect([first.status, second.status].sort()).toEqual([200, 401]);
  });
  it('moving an account onto the platform admin address grants nothing until that address is verified; a link mailed to its old address does not', async () => {
    const user = await registerUser(t, uniqueEmail('climber'));
    const first = (await mailsTo(user.email)).find((m) => m.subject === 'Verify your email address');
    await t.http().patch('/v1/me').set(bearer(user.personalToken)).send({ email: ADMIN_EMAIL, currentPassword: PASSWORD }).expect(200);
    expectProblem(await t.http().get('/v1/admin/users').set(bearer(user.personalToken)), 403, 'forbidden');
    // The link mailed to the first address proves that address, not this one.
    expectProblem(await t.http().post('/v1/auth/verify-email').send({ token: first?.secret }), 404, 'not_found');
    expectProblem(await t.http().get('/v1/admin/users').set(bearer(user.personalToken)), 403, 'forbidden');
    const adminLink = (await mailsTo(ADMIN_EMAIL)).find((m) => m.subject === 'Verify your email address');
    await t.http().post('/v1/auth/verify-email').send({ token: adminLink?.secret }).expect(204);
    await t.http().get('/v1/admin/users').set(bearer(user.personalToken)).expect(200);
  });
});

describe('review: sessions', () => {
  it("another user's session id answers 404 and that session lives on", async () => {
    const alice = await registerUser(t);
    const mallory = await registerUser(t);
    await login(t, alice.email);
    const sessions = await t.http().get('/v1/me/sessions').set(bearer(alice.personalToken)).expect(200);
    const aliceSession = sessions.body.items[0].id as string;
    expectProblem(await t.http().delete(`/v1/me/sessions/${aliceSession}`).set(bearer(mallory.personalToken)), 404, 'not_found');
    // Alice's personal token is no session: not endable here either.
    expectProblem(await t.http().delete(`/v1/me/sessions/${alice.personalTokenId}`).set(bearer(alice.personalToken)), 404, 'not_found');
    const after = await t.http().get('/v1/me/sessions').set(bearer(alice.personalToken)).expect(200);
    expect(after.body.items.map((s: { id: string }) => s.id)).toContain(aliceSession);
    // Mallory signing out everywhere ends none of Alice's.
    await t.http().post('/v1/me/sessions/revoke-others').set(bearer(mallory.personalToken)).expect(200);
    expect((await t.http().get('/v1/me/sessions').set(bearer(alice.personalToken)).expect(200)).body.items).toHaveLength(1);
  });

  it('API users, workspace-restricted and read-only tokens cannot end sessions; junk ids are 400', async () => {
    const ws = await newWorkspace(t);
    const bot = await ws.apiUser({ roles: ['admin'] });
    const session = await login(t, ws.owner.email);
    const restricted = await createNamedToken(t, ws.owner.personalToken, { scopes: ['account:manage'], workspaceIds: [ws.id] });
    const readOnly = await createNamedToken(t, ws.owner.personalToken, { scopes: ['account:read'] });
    for (const token of [bot.token, restricted.secret, readOnly.secret]) {
      const res = await t.http().post('/v1/me/sessions/revoke-others').set(bearer(token));
      expect(res.status).toBe(403);
    }
    expectProblem(await t.http().get('/v1/me/sessions').set(bearer(bot.token)), 403, 'forbidden');
    for (const junk of ['not-a-uuid', '%00', 'x'.repeat(500)]) {
      expect((await t.http().delete(`/v1/me/sessions/${junk}`).set(bearer(ws.owner.personalToken))).status).toBe(400);
    }
    await t.http().get('/v1/me').set(bearer(session)).expect(200);
  });

  it('revoke-others from a session keeps that session; twice at once ends the others once', async () => {
    const user = await registerUser(t);
    const current = await login(t, user.email);
    await login(t, user.email);
    await login(t, user.email);
    const answers = await Promise.all([
      t.http().post('/v1/me/sessions/revoke-others').set(bearer(current)),
      t.http().post('/v1/me/sessions/revoke-others').set(bearer(current)),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(answers.map((a) => a.body.revoked as number).reduce((a, b) => a + b, 0)).toBe(2);
    await t.http().get('/v1/me').set(bearer(current)).expect(200);
    expect((await t.http().get('/v1/me/sessions').set(bearer(current)).expect(200)).body.items).toHaveLength(1);
  });
});
