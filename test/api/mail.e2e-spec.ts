// Mail through a real SMTP server (smtp-server on the loopback, mailparser): every mail Latchkey sends
// is received, parsed, and its link followed through HTTP. Email verification, password reset,
// invitations, security notices and token expiry notices, with the attacks on each link.
import { randomBytes } from 'node:crypto';
import { generateToken } from '../../src/auth/token-format';
import { OutboxWorker } from '../../src/outbox/outbox-worker';
import { TokenExpiryNotices } from '../../src/tokens/token-expiry-notices';
import { bearer, createNamedToken, expectProblem, login, PASSWORD, registerUser, RegisteredUser, uniqueEmail } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { CaughtMail, lastMailTo, MailCatcher, mailEnv } from '../support/mail-catcher';
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

/** Delivers what is due, then the last mail to `address` (its count must have grown by `expect` mails). */
const mailTo = (address: string) => lastMailTo(t, smtp, address);

async function mailsTo(address: string): Promise<CaughtMail[]> {
  await t.app.get(OutboxWorker).drainDue();
  return smtp.to(address);
}

const me = async (user: RegisteredUser) => (await t.http().get('/v1/me').set(bearer(user.personalToken)).expect(200)).body;
const verify = (token: unknown) => t.http().post('/v1/auth/verify-email').send({ token });
const requestReset = (email: unknown) => t.http().post('/v1/auth/password-reset').send({ email });
const confirmReset = (token: unknown, newPassword: unknown = 'a brand new passphrase') =>
  t.http().post('/v1/auth/password-reset/confirm').send({ token, newPassword });

describe('email verification', () => {
  it('mails a link at registration whose secret verifies the address, once', async () => {
    const user = await registerUser(t, uniqueEmail('verify'), 'Ada Lovelace');
    expect(await me(user)).toMatchObject({ emailVerified: false, emailVerifiedAt: null });
    const mail = await mailTo(user.email);
    expect(mail.rcptTo).toEqual([user.email]);
    expect(mail.mailFrom).toBe('no-reply@latchkey.example');
    expect(mail.subject).toBe('Verify your email address');
    // No name: the address is not proven, so whoever typed it (and the name) may be a stranger to it.
    expect(mail.text).toContain('Hello,');
    expect(mail.text).not.toContain('Ada Lovelace');
    expect(mail.html).toContain(`href="${mail.link}"`);
    expect(mail.link).toMatch(/^https:\/\/latchkey\.example\/console\/verify-email#token=lkv_[0-9A-Za-z]{38}$/);
    expect(mail.parsed.messageId).toMatch(/^<[0-9a-f-]{36}@latchkey\.example>$/);
    expect(mail.parsed.headers.get('auto-submitted')).toBe('auto-generated');

    await verify(mail.secret).expect(204);
    const after = await me(user);
    expect(after.emailVerified).toBe(true);
    expect(new Date(after.emailVerifiedAt).getTime()).toBe(t.clock.now().getTime());
    // Used: the same link again is refused, and says nothing more.
    expectProblem(await verify(mail.secret), 404, 'not_found');
    const events = await t.http().get('/v1/me/audit-events?action=user.email_verified').set(bearer(user.personalToken)).expect(200);
    expect(events.body.items).toHaveLength(1);
  });

  it('resends on request until verified, then answers 409', async () => {
    const user = await registerUser(t);
    await mailTo(user.email);
    await t.http().post('/v1/me/email-verification').set(bearer(user.personalToken)).expect(202);
    const mails = await mailsTo(user.email);
    expect(mails).toHaveLength(2);
    expect(mails[1].secret).not.toBe(mails[0].secret);
    await verify(mails[1].secret).expect(204);
    // The first link died with the second's use.
    expectProblem(await verify(mails[0].secret), 404, 'not_found');
    expectProblem(await t.http().post('/v1/me/email-verification').set(bearer(user.personalToken)), 409, 'conflict');
  });

  it('refuses an expired link, junk, another kind of secret, and huge or unicode input', async () => {
    const user = await registerUser(t);
    const mail = await mailTo(user.email);
    t.clock.advanceSeconds(24 * 3600 + 1);
    expectProblem(await verify(mail.secret), 404, 'not_found');
    for (const junk of ['', 'lkv_', 'x'.repeat(1000), 'lkv_ÄÖÜ'.repeat(8), user.personalToken, 42, null, ['lkv_'], { $ne: '' }]) {
      const res = await verify(junk);
      expect(res.status).toBe(400);
    }
    // Past the anonymous routes' 8 KiB the body is not even read.
    expectProblem(await verify('x'.repeat(10_000)), 413, 'payload_too_large');
    expect((await me(user)).emailVerified).toBe(false);
    // A random string shaped like a secret (its checksum fails), and a well-formed secret nobody issued.
    expectProblem(await verify(`lkv_${randomBytes(19).toString('hex')}`), 400, 'validation_failed');
    expectProblem(await verify(generateToken('lkv_')), 404, 'not_found');
  });

  it('one link opened twice at once verifies once', async () => {
    const user = await registerUser(t);
    const mail = await mailTo(user.email);
    const answers = await Promise.all([verify(mail.secret), verify(mail.secret), verify(mail.secret)]);
    expect(answers.map((a) => a.status).sort()).toEqual([204, 404, 404]);
    const events = await t.http().get('/v1/me/audit-events?action=user.email_verified').set(bearer(user.personalToken)).expect(200);
    expect(events.body.items).toHaveLength(1);
  });

  it('review 7a: two links of one account opened at once: one verifies, the other is used up (no deadlock, no 409 or 500)', async () => {
    for (let round = 0; round < 5; round++) {
      const user = await registerUser(t);
      await t.http().post('/v1/me/email-verification').set(bearer(user.personalToken)).expect(202);
      const [first, second] = await mailsTo(user.email);
      const answers = await Promise.all([verify(first.secret), verify(second.secret)]);
      expect(answers.map((a) => a.status).sort()).toEqual([204, 404]);
      expect((await me(user)).emailVerified).toBe(true);
    }
  });

  it('an email change needs the password; a verified account keeps its address until the link mailed to the new one is opened, and the old one is told; old links die', async () => {
    const user = await registerUser(t, uniqueEmail('changer'), 'Changer');
    const first = await mailTo(user.email);
    const newEmail = uniqueEmail('moved');
    expectProblem(await t.http().patch('/v1/me').set(bearer(user.personalToken)).send({ email: newEmail }), 400, 'validation_failed');
    expectProblem(
      await t.http().patch('/v1/me').set(bearer(user.personalToken)).send({ email: newEmail, currentPassword: 'wrong password!' }),
      400,
      'validation_failed',
    );
    await verify(first.secret).expect(204);
    const changed = await t
      .http()
      .patch('/v1/me')
      .set(bearer(user.personalToken))
      .send({ email: newEmail, currentPassword: PASSWORD })
      .expect(200);
    // The account's address was proven: it stays the account's until the new one's link is opened (review 13b).
    expect(changed.body).toMatchObject({ email: user.email, emailVerified: true, pendingEmail: newEmail });
    const notice = await mailTo(user.email);
    expect(notice.subject).toBe('A new email address was asked for your account');
    // The address left was proven: the notice greets its owner by name.
    expect(notice.text).toContain('Hello Changer,');
    expect(notice.text).toContain(newEmail);
    expect(notice.secret).toBeNull();
    // Until then, the old address signs in and the new one does not.
    await t.http().post('/v1/auth/login').send({ email: user.email, password: PASSWORD }).expect(200);
    expectProblem(await t.http().post('/v1/auth/login').send({ email: newEmail, password: PASSWORD }), 401, 'invalid_credentials');
    const link = await mailTo(newEmail);
    expect(link.subject).toBe('Verify your email address');
    await verify(link.secret).expect(204);
    expect(await me(user)).toMatchObject({ email: newEmail, emailVerified: true, pendingEmail: null });
    await t.http().post('/v1/auth/login').send({ email: newEmail, password: PASSWORD }).expect(200);
    // The link is spent with the change.
    expectProblem(await verify(link.secret), 404, 'not_found');
    // Taken addresses answer 409 as at sign-up.
    const other = await registerUser(t);
    expectProblem(
      await t.http().patch('/v1/me').set(bearer(other.personalToken)).send({ email: newEmail, currentPassword: PASSWORD }),
      409,
      'conflict',
    );
  });

  it('review 7a F2: mails that anyone can cause greet an unproven address by no name (reset, the notice to an address left)', async () => {
    const squatter = await registerUser(t, uniqueEmail('unproven'), 'Your account is locked: call +1 555 0100');
    await requestReset(squatter.email).expect(202);
    const reset = await mailTo(squatter.email);
    expect(reset.subject).toBe('Reset your password');
    expect(reset.text).toContain('Hello,');
    await t
      .http()
      .patch('/v1/me')
      .set(bearer(squatter.personalToken))
      .send({ email: uniqueEmail('away'), currentPassword: PASSWORD })
      .expect(200);
    const notice = await mailTo(squatter.email);
    expect(notice.subject).toBe('The email address of your account was changed');
    expect(notice.text).toContain('Hello,');
    for (const mail of [reset, notice]) expect(`${mail.subject}${mail.text}${mail.html}`).not.toMatch(/call \+1 555/);
  });

  it('a link sent to an address the account has left proves nothing', async () => {
    const user = await registerUser(t);
    const old = await mailTo(user.email);
    const newEmail = uniqueEmail('left');
    await t.http().patch('/v1/me').set(bearer(user.personalToken)).send({ email: newEmail, currentPassword: PASSWORD }).expect(200);
    expectProblem(await verify(old.secret), 404, 'not_found');
    expect((await me(user)).emailVerified).toBe(false);
  });

  it('a link verifies the account it was sent for, whoever opens it', async () => {
    const a = await registerUser(t);
    const b = await registerUser(t);
    const mailA = await mailTo(a.email);
    await t.http().post('/v1/auth/verify-email').set(bearer(b.personalToken)).send({ token: mailA.secret }).expect(204);
    expect((await me(a)).emailVerified).toBe(true);
    expect((await me(b)).emailVerified).toBe(false);
  });

  it('a deactivated account is not verified by its link', async () => {
    const user = await registerUser(t, uniqueEmail('deactivated-verify'));
    const link = await mailTo(user.email);
    await t.dataSource.query(`UPDATE users SET status = 'deactivated', deactivated_at = now() WHERE id = $1`, [user.id]);
    expectProblem(await verify(link.secret), 404, 'not_found');
    const [row] = await t.dataSource.query(`SELECT email_verified_at FROM users WHERE id = $1`, [user.id]);
    expect(row.email_verified_at).toBeNull();
  });

  it('platform admin by email waits for the verified address', async () => {
    const admin = await registerUser(t, ADMIN_EMAIL, 'Admin');
    expectProblem(await t.http().get('/v1/admin/users').set(bearer(admin.personalToken)), 403, 'forbidden');
    await verify((await mailTo(ADMIN_EMAIL)).secret).expect(204);
    await t.http().get('/v1/admin/users').set(bearer(admin.personalToken)).expect(200);
  });
});

describe('password reset', () => {
  it('mails a one-time link to an account, nothing to an unknown address, with the same answer', async () => {
    const user = await registerUser(t, uniqueEmail('reset'), 'Resetter');
    await verify((await mailTo(user.email)).secret).expect(204);
    const session = await login(t, user.email);
    const unknown = uniqueEmail('nobody');
    const a = await requestReset(unknown).expect(202);
    const b = await requestReset(user.email).expect(202);
    expect(a.body).toEqual(b.body);
    expect(a.text).toBe(b.text);
    const mails = await mailsTo(user.email);
    expect(smtp.to(unknown)).toEqual([]);
    const mail = mails[mails.length - 1];
    expect(mail.subject).toBe('Reset your password');
    expect(mail.text).toContain('Hello Resetter,');
    expect(mail.link).toMatch(/\/reset-password#token=lkr_/);

    await confirmReset(mail.secret, 'a brand new passphrase').expect(204);
    // Every session ended, as a password change ends them; the personal token stays.
    expect((await t.http().get('/v1/me').set(bearer(session))).status).toBe(401);
    await t.http().get('/v1/me').set(bearer(user.personalToken)).expect(200);
    await t.http().post('/v1/auth/login').send({ email: user.email, password: PASSWORD }).expect(401);
    await t.http().post('/v1/auth/login').send({ email: user.email, password: 'a brand new passphrase' }).expect(200);
    expect((await me(user)).emailVerified).toBe(true);
    // Told, without a link.
    const notice = await mailTo(user.email);
    expect(notice.subject).toBe('Your password was changed');
    expect(notice.secret).toBeNull();
    // Used once.
    expectProblem(await confirmReset(mail.secret, 'yet another passphrase'), 404, 'not_found');
  });

  it('review 7a: two reset links of one account confirmed at once: one sets the password, the other is used up (no deadlock)', async () => {
    for (let round = 0; round < 3; round++) {
      const user = await registerUser(t);
      await mailTo(user.email);
      await requestReset(user.email).expect(202);
      await requestReset(user.email).expect(202);
      const [first, second] = (await mailsTo(user.email)).filter((m) => m.subject === 'Reset your password');
      const answers = await Promise.all([
        confirmReset(first.secret, 'first new passphrase'),
        confirmReset(second.secret, 'second new passphrase'),
      ]);
      expect(answers.map((a) => a.status).sort()).toEqual([204, 404]);
    }
  });

  it('a reset of an unverified account verifies it and ends every token of whoever registered the address', async () => {
    // A squatter registered the address before its owner, and made tokens; the owner asks for a reset.
    const squatted = await registerUser(t, uniqueEmail('squatted'), 'Squatter');
    await mailTo(squatted.email);
    const named = await createNamedToken(t, squatted.personalToken, { scopes: ['*'] });
    const session = await login(t, squatted.email);
    await requestReset(squatted.email).expect(202);
    const link = await mailTo(squatted.email);
    await confirmReset(link.secret, 'the real owner passphrase').expect(204);
    for (const secret of [squatted.personalToken, named.secret, session]) {
      expect((await t.http().get('/v1/me').set(bearer(secret))).status).toBe(401);
    }
    const owner = await t.http().post('/v1/auth/login').send({ email: squatted.email, password: 'the real owner passphrase' }).expect(200);
    const profile = await t.http().get('/v1/me').set(bearer(owner.body.token.secret)).expect(200);
    expect(profile.body.emailVerified).toBe(true);
    const events = await t.http().get('/v1/me/audit-events').set(bearer(owner.body.token.secret)).expect(200);
    const reset = events.body.items.find((e: { action: string }) => e.action === 'user.password_reset');
    expect(reset.details).toEqual({
      tokensEnded: 'all',
      apiUsersDisabled: 0,
      tokensRevoked: 0,
      trustRulesDeleted: 0,
      webhooksDisabled: 0,
      invitationsRevoked: 0,
    });
  });

  it('an expired link, a verification secret, junk and weak passwords are refused', async () => {
    const user = await registerUser(t);
    const verification = await mailTo(user.email);
    await requestReset(user.email).expect(202);
    const mail = await mailTo(user.email);
    expectProblem(await confirmReset(mail.secret, 'short'), 400, 'validation_failed');
    expectProblem(await confirmReset(mail.secret, 'x'.repeat(2000)), 400, 'validation_failed');
    expectProblem(await confirmReset(verification.secret), 400, 'validation_failed');
    for (const junk of ['', 'lkr_', 'z'.repeat(1000), 7, null, { token: 'x' }]) expect((await confirmReset(junk)).status).toBe(400);
    expectProblem(await confirmReset('z'.repeat(100_000)), 413, 'payload_too_large');
    t.clock.advanceSeconds(31 * 60);
    expectProblem(await confirmReset(mail.secret), 404, 'not_found');
    await t.http().post('/v1/auth/login').send({ email: user.email, password: PASSWORD }).expect(200);
  });

  it('a newer password (changed or reset) kills the links still in the inbox', async () => {
    const user = await registerUser(t);
    await requestReset(user.email).expect(202);
    const mail = await mailTo(user.email);
    await t
      .http()
      .patch('/v1/me')
      .set(bearer(user.personalToken))
      .send({ password: 'changed the usual way', currentPassword: PASSWORD })
      .expect(200);
    expect((await mailTo(user.email)).subject).toBe('Your password was changed');
    expectProblem(await confirmReset(mail.secret), 404, 'not_found');
  });

  it('one link used twice at once sets one password', async () => {
    const user = await registerUser(t);
    await requestReset(user.email).expect(202);
    const mail = await mailTo(user.email);
    const answers = await Promise.all([
      confirmReset(mail.secret, 'first passphrase wins'),
      confirmReset(mail.secret, 'second passphrase wins'),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([204, 404]);
    const winner = answers[0].status === 204 ? 'first passphrase wins' : 'second passphrase wins';
    await t.http().post('/v1/auth/login').send({ email: user.email, password: winner }).expect(200);
  });

  it('a deactivated account gets no link; a request for a huge, unicode or malformed address is answered alike or refused clearly', async () => {
    const user = await registerUser(t);
    await t.app.get(OutboxWorker).drainDue();
    await t.dataSource.query(`UPDATE users SET status = 'deactivated' WHERE id = $1`, [user.id]);
    const before = smtp.to(user.email).length;
    await requestReset(user.email).expect(202);
    expect(await mailsTo(user.email)).toHaveLength(before);
    await requestReset('ÄDA@Exämple.com').expect(202);
    await requestReset('not an address').expect(202);
    expectProblem(await requestReset(`${'a'.repeat(300)}@example.com`), 400, 'validation_failed');
    expectProblem(await requestReset(['x@example.com']), 400, 'validation_failed');
    expectProblem(await requestReset(undefined), 400, 'validation_failed');
  });

  it('sends at most three links an hour to one account, whoever asks', async () => {
    const user = await registerUser(t);
    await t.app.get(OutboxWorker).drainDue();
    const before = smtp.to(user.email).length;
    for (let i = 0; i < 5; i++) await requestReset(user.email).expect(202);
    expect(await mailsTo(user.email)).toHaveLength(before + 3);
  });

  it('answers an unknown and a known address in the same time, give or take', async () => {
    const user = await registerUser(t);
    const timed = async (email: string) => {
      const started = process.hrtime.bigint();
      await requestReset(email).expect(202);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 15; i++) {
      known.push(await timed(user.email));
      unknown.push(await timed(uniqueEmail('ghost')));
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    // Both write one outbox row and nothing else: the lookup happens in the worker.
    expect(Math.abs(median(known) - median(unknown))).toBeLessThan(Math.max(5, median(unknown)));
    await t.app.get(OutboxWorker).drainDue();
  });
});

describe('invitations', () => {
  it('mails the accept link; an unverified invitee cannot accept until the address is verified', async () => {
    const ws = await newWorkspace(t, undefined, 'Acme Robotics');
    const invitee = await registerUser(t, uniqueEmail('invitee'), 'Invitee');
    const created = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/invitations`)
      .set(bearer(ws.owner.personalToken))
      .send({ email: invitee.email, roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } })
      .expect(201);
    const mail = await mailTo(invitee.email);
    expect(mail.subject).toBe('You are invited to Acme Robotics');
    expect(mail.text).toContain('Test User invited you to the workspace "Acme Robotics"');
    expect(mail.link).toMatch(/\/invitations\/accept#token=lki_/);
    expect(mail.secret).toBe(created.body.secret);

    const accept = (secret: string | null) =>
      t.http().post('/v1/invitations/accept').set(bearer(invitee.personalToken)).send({ token: secret });
    expectProblem(await accept(mail.secret), 403, 'forbidden');
    await verify(smtp.to(invitee.email).find((m) => m.subject === 'Verify your email address')?.secret).expect(204);
    await accept(mail.secret).expect(200);
  });

  it('review 7a F3: names stored with bidirectional controls (before names refused them) reach no mail with them', async () => {
    const ws = await newWorkspace(t);
    // As written before the fix: the API refuses such names now (test/api/names.e2e-spec.ts).
    await t.dataSource.query(`UPDATE workspaces SET name = $1 WHERE id = $2`, ['Payroll \u202efdp.exe\u2066', ws.id]);
    await t.dataSource.query(`UPDATE users SET name = $1 WHERE id = $2`, ['IT support \u202b\u2067', ws.owner.id]);
    const invitee = uniqueEmail('bidi');
    await t
      .http()
      .post(`/v1/workspaces/${ws.id}/invitations`)
      .set(bearer(ws.owner.personalToken))
      .send({ email: invitee, roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } })
      .expect(201);
    const mail = await mailTo(invitee);
    expect(mail.subject).toBe('You are invited to Payroll fdp.exe');
    expect(mail.text).toContain('IT support invited you to the workspace "Payroll fdp.exe"');
    for (const part of [mail.subject, mail.text, mail.html]) expect(part).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
  });

  it('resend mails a new link and the old one dies', async () => {
    const ws = await newWorkspace(t);
    const email = uniqueEmail('resent');
    const created = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/invitations`)
      .set(bearer(ws.owner.personalToken))
      .send({ email, roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } })
      .expect(201);
    const first = await mailTo(email);
    await t
      .http()
      .post(`/v1/workspaces/${ws.id}/invitations/${created.body.invitation.id}/resend`)
      .set(bearer(ws.owner.personalToken))
      .send({})
      .expect(200);
    const second = await mailTo(email);
    expect(second.secret).not.toBe(first.secret);
    const invitee = await registerUser(t, email);
    await verify((await mailTo(email)).secret).expect(204);
    expectProblem(
      await t.http().post('/v1/invitations/accept').set(bearer(invitee.personalToken)).send({ token: first.secret }),
      404,
      'not_found',
    );
    await t.http().post('/v1/invitations/accept').set(bearer(invitee.personalToken)).send({ token: second.secret }).expect(200);
  });

  it('an invitation that rolled back (a 409) mails nothing', async () => {
    const ws = await newWorkspace(t);
    const email = uniqueEmail('once');
    const body = { email, roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } };
    await t.http().post(`/v1/workspaces/${ws.id}/invitations`).set(bearer(ws.owner.personalToken)).send(body).expect(201);
    expectProblem(
      await t.http().post(`/v1/workspaces/${ws.id}/invitations`).set(bearer(ws.owner.personalToken)).send(body),
      409,
      'conflict',
    );
    expect(await mailsTo(email)).toHaveLength(1);
  });

  it('keeps CR/LF in names out of the headers and the envelope', async () => {
    const evil = await registerUser(t, uniqueEmail('evil'), 'Mallory\r\nBcc: victim@evil.example');
    const ws = await newWorkspace(t, evil, 'Evil\r\nBcc: victim@evil.example\r\nX-Injected: yes');
    const email = uniqueEmail('target');
    await t
      .http()
      .post(`/v1/workspaces/${ws.id}/invitations`)
      .set(bearer(evil.personalToken))
      .send({ email, roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } })
      .expect(201);
    const mail = await mailTo(email);
    expect(mail.rcptTo).toEqual([email]);
    expect(mail.parsed.bcc).toBeUndefined();
    expect(mail.parsed.headers.has('x-injected')).toBe(false);
    expect(mail.subject).toBe('You are invited to Evil Bcc: victim@evil.example X-Injected: yes');
    expect(smtp.mails.some((m) => m.rcptTo.includes('victim@evil.example'))).toBe(false);
    expect(mail.html).not.toContain('<script');
  });

  it('escapes HTML from names in the HTML part', async () => {
    const owner = await registerUser(t, uniqueEmail('html'), '<script>alert(1)</script>');
    const ws = await newWorkspace(t, owner, '<img src=x onerror=alert(1)> ünïcødé 🚀');
    const email = uniqueEmail('htmltarget');
    await t
      .http()
      .post(`/v1/workspaces/${ws.id}/invitations`)
      .set(bearer(owner.personalToken))
      .send({ email, roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } })
      .expect(201);
    const mail = await mailTo(email);
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<img');
    expect(mail.html).toContain('&#60;script&#62;');
    expect(mail.subject).toContain('ünïcødé 🚀');
    expect(mail.text).toContain('<script>alert(1)</script> invited you');
  });
});

describe('security notices', () => {
  it('tells the account about a password change, a regenerated personal token, an admin revocation and a deactivation', async () => {
    const ws = await newWorkspace(t, undefined, 'Notices Inc');
    const member = await ws.member('viewer');
    await t.app.get(OutboxWorker).drainDue();
    const count = () => smtp.to(member.email).length;

    const before = count();
    await t.http().patch('/v1/me').set(bearer(member.personalToken)).send({ name: 'Renamed' }).expect(200);
    expect(await mailsTo(member.email)).toHaveLength(before);

    await t
      .http()
      .patch('/v1/me')
      .set(bearer(member.personalToken))
      .send({ password: 'another long passphrase', currentPassword: PASSWORD })
      .expect(200);
    expect((await mailTo(member.email)).subject).toBe('Your password was changed');

    const regenerated = await t
      .http()
      .post('/v1/me/personal-token/regenerate')
      .set(bearer(member.personalToken))
      .send({ currentPassword: 'another long passphrase' })
      .expect(200);
    const regenMail = await mailTo(member.email);
    expect(regenMail.subject).toBe('Your personal token was regenerated');
    expect(regenMail.text).toContain(regenerated.body.hint);
    expect(regenMail.raw).not.toContain(regenerated.body.secret);

    const named = await createNamedToken(t, regenerated.body.secret, {
      name: 'ci-deploy',
      scopes: ['devices:read'],
      workspaceIds: [ws.id],
    });
    await t.http().delete(`/v1/workspaces/${ws.id}/tokens/${named.id}`).set(bearer(ws.owner.personalToken)).expect(204);
    const revoked = await mailTo(member.email);
    expect(revoked.subject).toBe('A workspace admin revoked one of your tokens');
    expect(revoked.text).toContain('"Notices Inc" revoked your token "ci-deploy"');
    expect(revoked.raw).not.toContain(named.secret);
  });

  it('tells a deactivated account; a refused deactivation mails nothing', async () => {
    // The platform admin of every test app is ADMIN_EMAIL, once its address is verified.
    const [existing] = await t.dataSource.query(`SELECT id FROM users WHERE email = $1`, [ADMIN_EMAIL]);
    if (!existing) await registerUser(t, ADMIN_EMAIL);
    await t.dataSource.query(`UPDATE users SET email_verified_at = now() WHERE email = $1`, [ADMIN_EMAIL]);
    const adminToken = await login(t, ADMIN_EMAIL);
    const target = await registerUser(t, uniqueEmail('target'));
    const bystander = await registerUser(t);
    await t.app.get(OutboxWorker).drainDue();
    const before = smtp.to(target.email).length;
    expectProblem(await t.http().post(`/v1/admin/users/${target.id}/deactivate`).set(bearer(bystander.personalToken)), 403, 'forbidden');
    expect(await mailsTo(target.email)).toHaveLength(before);
    await t.http().post(`/v1/admin/users/${target.id}/deactivate`).set(bearer(adminToken)).expect(200);
    const mails = await mailsTo(target.email);
    expect(mails).toHaveLength(before + 1);
    expect(mails[mails.length - 1].subject).toBe('Your Latchkey account was deactivated');
  });
});

describe('token expiry notices', () => {
  const scan = () => t.app.get(TokenExpiryNotices).scan();

  it('mails the owner of a named token 7 days and 1 day before, once each, and audits token.expiring', async () => {
    const user = await registerUser(t, uniqueEmail('expiring'), 'Owner');
    await t.app.get(OutboxWorker).drainDue();
    const token = await createNamedToken(t, user.personalToken, { name: 'nightly-backup', scopes: ['account:read'], expiresInDays: 10 });
    const count = () => smtp.to(user.email).length;
    const start = count();
    await scan();
    expect(await mailsTo(user.email)).toHaveLength(start);
    t.clock.advanceSeconds(3.5 * 86400);
    await scan();
    await scan();
    const seven = await mailsTo(user.email);
    expect(seven).toHaveLength(start + 1);
    expect(seven[seven.length - 1].subject).toBe('A token expires in 7 days: nightly-backup');
    t.clock.advanceSeconds(3 * 86400);
    await scan();
    expect(await mailsTo(user.email)).toHaveLength(start + 1);
    t.clock.advanceSeconds(2.6 * 86400);
    await scan();
    await scan();
    const one = await mailsTo(user.email);
    expect(one).toHaveLength(start + 2);
    expect(one[one.length - 1].subject).toBe('A token expires in 1 day: nightly-backup');
    expect(one[one.length - 1].raw).not.toContain(token.secret);
    const events = await t.http().get('/v1/me/audit-events?action=token.expiring').set(bearer(user.personalToken)).expect(200);
    expect(events.body.items.map((e: { target: { id: string }; details: { days: number } }) => [e.target.id, e.details.days])).toEqual([
      [token.id, 1],
      [token.id, 7],
    ]);
  });

  it('never again after a rotation (the new token starts afresh), and never for a revoked token', async () => {
    const user = await registerUser(t);
    await t.app.get(OutboxWorker).drainDue();
    const rotated = await createNamedToken(t, user.personalToken, { name: 'rotated', scopes: ['account:read'], expiresInDays: 5 });
    const revoked = await createNamedToken(t, user.personalToken, { name: 'revoked', scopes: ['account:read'], expiresInDays: 5 });
    await t.http().post(`/v1/me/tokens/${rotated.id}/rotate`).set(bearer(user.personalToken)).send({}).expect(200);
    await t.http().delete(`/v1/me/tokens/${revoked.id}`).set(bearer(user.personalToken)).expect(204);
    const start = smtp.to(user.email).length;
    await scan();
    const mails = await mailsTo(user.email);
    // The rotation's successor keeps the 5-day expiry: it alone is noticed.
    expect(mails.slice(start).map((m) => m.subject)).toEqual(['A token expires in 7 days: rotated']);
  });

  it("mails an API user's token to the workspace's owners and admins, and audits it in the workspace", async () => {
    const ws = await newWorkspace(t, undefined, 'Bots Ltd');
    const admin = await ws.member('admin');
    const viewer = await ws.member('viewer');
    const bot = await ws.apiUser({ roles: ['viewer'], name: 'deploy-bot' });
    await t.app.get(OutboxWorker).drainDue();
    const created = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens`)
      .set(bearer(ws.owner.personalToken))
      .send({ name: 'bot-key', expiresInDays: 3 })
      .expect(201);
    const counts = () => [ws.owner.email, admin.email, viewer.email].map((e) => smtp.to(e).length);
    const before = counts();
    await scan();
    await t.app.get(OutboxWorker).drainDue();
    expect(counts()).toEqual([before[0] + 1, before[1] + 1, before[2]]);
    const mail = smtp.last(admin.email);
    expect(mail.subject).toBe('A token expires in 7 days: bot-key');
    expect(mail.text).toContain('of the API user "deploy-bot" in the workspace "Bots Ltd"');
    const events = await t
      .http()
      .get(`/v1/workspaces/${ws.id}/audit-events?action=token.expiring`)
      .set(bearer(ws.owner.personalToken))
      .expect(200);
    expect(events.body.items).toEqual([expect.objectContaining({ workspaceId: ws.id, target: { type: 'token', id: created.body.id } })]);
  });

  it('two scans at once send each notice once', async () => {
    const user = await registerUser(t);
    await t.app.get(OutboxWorker).drainDue();
    await createNamedToken(t, user.personalToken, { name: 'raced', scopes: ['account:read'], expiresInDays: 2 });
    const start = smtp.to(user.email).length;
    await Promise.all([scan(), scan(), scan()]);
    expect(await mailsTo(user.email)).toHaveLength(start + 1);
  });
});

describe('outbox rows', () => {
  it('keep no link once delivered', async () => {
    await registerUser(t);
    await t.app.get(OutboxWorker).drainDue();
    const rows = await t.dataSource.query(`SELECT payload::text AS payload FROM outbox_jobs WHERE status = 'pending'`);
    expect(rows.filter((r: { payload: string }) => /lk[vri]_/.test(r.payload))).toEqual([]);
  });
});

describe('password reset requests per address', () => {
  it('answers 429 past LATCHKEY_PASSWORD_RESETS_PER_IP, and a refused request queues nothing', async () => {
    const limited = await startTestApp({ LATCHKEY_PASSWORD_RESETS_PER_IP: '2' });
    try {
      const send = () =>
        limited
          .http()
          .post('/v1/auth/password-reset')
          .send({ email: uniqueEmail('flood') });
      await send().expect(202);
      await send().expect(202);
      const queued = async () => Number((await limited.dataSource.query(`SELECT count(*) AS n FROM outbox_jobs`))[0].n);
      const before = await queued();
      const refused = expectProblem(await send(), 429, 'rate_limited');
      expect(refused.detail).toBe('Too many password reset requests from this address; try again later.');
      expect(await queued()).toBe(before);
    } finally {
      await limited.close();
    }
  });
});
