// Review 14: attacks on the review 13a/13b fixes (pending email change, what a reset of an unproven
// account ends). Each test asserts the behaviour SPEC.md and docs/security.md promise and fails on the
// code it was written against (see the report of review 14).
import { bearer, login, markEmailVerified, PASSWORD, registerUser, uniqueEmail } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { lastMailTo, MailCatcher, mailEnv, resetByMail } from '../support/mail-catcher';
import { startTestApp, TestApp } from '../support/test-app';

let t: TestApp;
let smtp: MailCatcher;

beforeAll(async () => {
  smtp = await MailCatcher.start();
  t = await startTestApp({
    ...mailEnv(smtp),
    LATCHKEY_TRUST_PROXY: '1',
  });
}, 60_000);

afterAll(async () => {
  await t?.close();
  await smtp?.stop();
});

const mailTo = (address: string) => lastMailTo(t, smtp, address);

describe('review 14: an address change someone else asked for dies with the password the owner replaces', () => {
  /** A verified owner; an intruder holding the password (and a session) asks for the intruder's own address. */
  async function intruderAsksForOwnAddress() {
    const owner = await registerUser(t, uniqueEmail('owner'));
    await markEmailVerified(t, owner.id);
    const intruderBox = uniqueEmail('intruder');
    await t.http().patch('/v1/me').set(bearer(owner.personalToken)).send({ email: intruderBox, currentPassword: PASSWORD }).expect(200);
    const link = await mailTo(intruderBox);
    expect(link.secret).toMatch(/^lkv_/);
    // The owner is told ("If this was not you, change your password and review your tokens now.").
    const warning = await mailTo(owner.email);
    expect(warning.text).toContain(intruderBox);
    return { owner, intruderBox, pendingLink: link.secret as string };
  }

  async function expectOwnerKeepsAddress(ownerEmail: string, newPassword: string, pendingLink: string) {
    const session = await login(t, ownerEmail, newPassword);
    const res = await t.http().post('/v1/auth/verify-email').send({ token: pendingLink });
    const me = await t.http().get('/v1/me').set(bearer(session)).expect(200);
    expect({ status: res.status, email: me.body.email, pendingEmail: me.body.pendingEmail }).toEqual({
      status: 404,
      email: ownerEmail,
      pendingEmail: null,
    });
  }

  it('P1: after a password reset, the link to the address the intruder asked for no longer makes it the account’s', async () => {
    const { owner, pendingLink } = await intruderAsksForOwnAddress();
    await t.http().post('/v1/auth/password-reset').send({ email: owner.email }).expect(202);
    const reset = await mailTo(owner.email);
    expect(reset.secret).toMatch(/^lkr_/);
    await t.http().post('/v1/auth/password-reset/confirm').send({ token: reset.secret, newPassword: 'the owner took it back' }).expect(204);
    await expectOwnerKeepsAddress(owner.email, 'the owner took it back', pendingLink);
  });

  it('P2: after a password change (PATCH /v1/me), the link to the address the intruder asked for no longer makes it the account’s', async () => {
    const { owner, pendingLink } = await intruderAsksForOwnAddress();
    await t
      .http()
      .patch('/v1/me')
      .set(bearer(owner.personalToken))
      .send({ password: 'the owner changed it', currentPassword: PASSWORD })
      .expect(200);
    await expectOwnerKeepsAddress(owner.email, 'the owner changed it', pendingLink);
  });
});

describe('review 14: a reset that takes a squatted address back leaves the squatter no API user', () => {
  it("N1: an API user made by the squatter's API user stops working too", async () => {
    const victimEmail = uniqueEmail('victim');
    const squatted = await registerUser(t, victimEmail, 'Squatter');
    await mailTo(victimEmail);
    const ws = await newWorkspace(t, squatted, 'Victim Corp');
    const bot = await ws.apiUser({ roles: ['admin'] });
    // The squatter's API user makes another, which names no user as its maker.
    const nested = await ws.apiUser({ roles: ['admin'], by: bot.token });
    await t.http().get(`/v1/workspaces/${ws.id}/members`).set(bearer(nested.token)).expect(200);
    // The real owner of the mailbox takes the account back.
    await resetByMail(t, smtp, victimEmail);
    await t.http().get(`/v1/workspaces/${ws.id}/members`).set(bearer(bot.token)).expect(401);
    const res = await t.http().get(`/v1/workspaces/${ws.id}/members`).set(bearer(nested.token));
    expect(res.status).toBe(401);
  });
});
