// Review 13b: identity lifecycle. What happens to access when identities change over time: an email
// address changed and not proven, an address squatted and taken back by a reset, a workspace deleted.
// Each test asserts the behaviour SPEC.md and docs/security.md promise and fails on the code it was
// written against (see the report of review 13b).
import { LastUsedRecorder } from '../../src/auth/last-used.recorder';
import { OutboxWorker } from '../../src/outbox/outbox-worker';
import { TokenUsageRecorder } from '../../src/tokens/token-usage.recorder';
import { bearer, createNamedToken, markEmailVerified, PASSWORD, registerUser, uniqueEmail } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { lastMailTo, MailCatcher, mailEnv, resetByMail } from '../support/mail-catcher';
import { startTestApp, TestApp } from '../support/test-app';

let t: TestApp;
let smtp: MailCatcher;

beforeAll(async () => {
  smtp = await MailCatcher.start();
  t = await startTestApp({
    ...mailEnv(smtp),
    // The test client is the one proxy in front: the client address is the last X-Forwarded-For entry.
    LATCHKEY_TRUST_PROXY: '1',
  });
}, 60_000);

afterAll(async () => {
  await t?.close();
  await smtp?.stop();
});

const mailTo = (address: string) => lastMailTo(t, smtp, address);

describe("review 13b: an address changed and not proven is nobody's identity in a workspace", () => {
  async function memberTakesAlicesAddress() {
    const ws = await newWorkspace(t);
    const bob = await ws.member('member');
    // Alice has no account yet; Bob (a member, signed in with his own password) takes her address, unproven.
    const alice = uniqueEmail('alice');
    await t.http().patch('/v1/me').set(bearer(bob.personalToken)).send({ email: alice, currentPassword: PASSWORD }).expect(200);
    const me = await t.http().get('/v1/me').set(bearer(bob.personalToken)).expect(200);
    // (The fix: the change waits for the link mailed to Alice's address; Bob keeps his proven one.)
    expect(me.body).toMatchObject({ email: bob.email, emailVerified: true, pendingEmail: alice });

    return { ws, bob, alice };
  }

  it('I1: a member who changes to an unproven address does not block an invitation to it (409 "a member already")', async () => {
    const { ws, alice } = await memberTakesAlicesAddress();
    // The owner invites Alice as admin: an unproven address is not "a member already" (409), the invitation goes out.
    const invited = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/invitations`)
      .set(bearer(ws.owner.personalToken))
      .send({ email: alice, roleIds: [ws.roles.admin], deviceAccess: { mode: 'all' } });
    expect(invited.status).toBe(201);
  });

  it("I2: the members list does not present the member as the unproven address's owner", async () => {
    const { ws, bob, alice } = await memberTakesAlicesAddress();
    for (const path of [`/v1/workspaces/${ws.id}/members/${bob.id}`, `/v1/workspaces/${ws.id}/members?limit=200`]) {
      const res = await t.http().get(path).set(bearer(ws.owner.personalToken)).expect(200);
      const member = res.body.items ? res.body.items.find((m: { userId: string }) => m.userId === bob.id) : res.body;
      // Either the address is not shown as his, or it is shown as unproven.
      const presentedAsAlice = member.email === alice && member.emailVerified !== false;
      expect(presentedAsAlice).toBe(false);
    }
  });

  it("I3: the holder of the unproven address (a typo's domain) does not get the member's workspaces by a password reset", async () => {
    const { ws, alice } = await memberTakesAlicesAddress();
    // Whoever reads the mailbox Bob mistyped asks for a reset of "their" address.
    await t.http().post('/v1/auth/password-reset').send({ email: alice }).expect(202);
    await t.app.get(OutboxWorker).drainDue();
    const reset = smtp.to(alice).find((m) => m.secret?.startsWith('lkr_'));
    if (reset) {
      await t.http().post('/v1/auth/password-reset/confirm').send({ token: reset.secret, newPassword: 'the typo owner passphrase' });
    }
    const signIn = await t.http().post('/v1/auth/login').send({ email: alice, password: 'the typo owner passphrase' });
    if (signIn.status === 200) {
      // Bob was let in with a proven address; the stranger was invited by nobody.
      const res = await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(signIn.body.token.secret));
      expect(res.status).toBe(404);
    }
  });
});

describe('review 13b (fix): an address asked for waits for its link', () => {
  it('taken by a sign-up meanwhile, its link answers 409 and the account keeps its proven address; asking for the current one again withdraws it', async () => {
    const ws = await newWorkspace(t);
    const bob = await ws.member('member');
    const wanted = uniqueEmail('wanted');
    await t.http().patch('/v1/me').set(bearer(bob.personalToken)).send({ email: wanted, currentPassword: PASSWORD }).expect(200);
    const link = await mailTo(wanted);
    // Pending reserves nothing: the address's real owner signs up with it.
    await registerUser(t, wanted);
    const res = await t.http().post('/v1/auth/verify-email').send({ token: link.secret });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 409, code: 'conflict' });
    const me = await t.http().get('/v1/me').set(bearer(bob.personalToken)).expect(200);
    expect(me.body).toMatchObject({ email: bob.email, emailVerified: true, pendingEmail: wanted });
    // Withdrawing needs no password: it takes nothing away from the account's proven address.
    await t.http().patch('/v1/me').set(bearer(bob.personalToken)).send({ email: bob.email }).expect(200);
    expect((await t.http().get('/v1/me').set(bearer(bob.personalToken)).expect(200)).body.pendingEmail).toBeNull();
  });
});

describe('review 13b (fix): a withdrawn address', () => {
  it("asked for again, its old link does not come back: only the new one makes it the account's", async () => {
    const ws = await newWorkspace(t);
    const bob = await ws.member('member');
    const wanted = uniqueEmail('again');
    const ask = () =>
      t.http().patch('/v1/me').set(bearer(bob.personalToken)).send({ email: wanted, currentPassword: PASSWORD }).expect(200);
    await ask();
    const first = await mailTo(wanted);
    await t.http().patch('/v1/me').set(bearer(bob.personalToken)).send({ email: bob.email }).expect(200);
    await ask();
    const second = await mailTo(wanted);
    expect(second.secret).not.toBe(first.secret);
    expect((await t.http().post('/v1/auth/verify-email').send({ token: first.secret })).status).toBe(404);
    await t.http().post('/v1/auth/verify-email').send({ token: second.secret }).expect(204);
    expect((await t.http().get('/v1/me').set(bearer(bob.personalToken)).expect(200)).body.email).toBe(wanted);
  });
});

describe('review 13b: a reset that takes a squatted address back leaves the squatter nothing', () => {
  /** A squatter registers the victim's address, makes a workspace, an admin API user and an invitation for a helper. */
  async function squat() {
    const victimEmail = uniqueEmail('victim');
    const squatted = await registerUser(t, victimEmail, 'Squatter');
    await mailTo(victimEmail);
    const ws = await newWorkspace(t, squatted, 'Victim Corp');
    const bot = await ws.apiUser({ roles: ['admin'] });
    const helper = await registerUser(t, uniqueEmail('helper'));
    await markEmailVerified(t, helper.id);
    const invitation = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/invitations`)
      .set(bearer(squatted.personalToken))
      .send({ email: helper.email, roleIds: [ws.roles.owner], deviceAccess: { mode: 'all' } })
      .expect(201);
    // The real owner of the mailbox takes the account back.
    await resetByMail(t, smtp, victimEmail);
    await t.http().get('/v1/me').set(bearer(squatted.personalToken)).expect(401);
    return { ws, bot, helper, invitationSecret: invitation.body.secret as string };
  }

  it("S1: the API-user token the squatter made in the account's workspace stops working", async () => {
    const { ws, bot } = await squat();
    const res = await t.http().get(`/v1/workspaces/${ws.id}/members`).set(bearer(bot.token));
    expect(res.status).toBe(401);
  });

  it("S2: an invitation the squatter sent in the account's name (owner role, to a helper) no longer admits anyone", async () => {
    const { ws, helper, invitationSecret } = await squat();
    const res = await t.http().post('/v1/invitations/accept').set(bearer(helper.personalToken)).send({ token: invitationSecret });
    expect(res.status).not.toBe(200);
    const members = await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(helper.personalToken));
    expect(members.status).toBe(404);
  });
});

describe('review 13b: a workspace deleted does not hand its uses to another', () => {
  // Left open (docs/security.md, Known limits): the deletion narrows the restriction to W1 alone, which
  // W1 then reads as a token of its own. Kept as a skipped test until the restriction remembers it.
  it.skip("L1: after W2 is deleted, W1's admins do not see the last use the member's token made in W2", async () => {
    const ws1 = await newWorkspace(t);
    const ws2 = await newWorkspace(t);
    const user = await registerUser(t);
    await ws1.member('member', { user });
    await ws2.member('member', { user });
    const token = await createNamedToken(t, user.personalToken, { scopes: ['workspace:read'], workspaceIds: [ws1.id, ws2.id] });
    // Used in W2 only, from the user's address there.
    await t.http().get(`/v1/workspaces/${ws2.id}`).set('X-Forwarded-For', '198.51.100.77').set(bearer(token.secret)).expect(200);
    await t.app.get(LastUsedRecorder).flush();
    await t.app.get(TokenUsageRecorder).flush();

    const rowIn1 = async () => {
      const rows: Array<{ id: string; lastUsedAt: string | null; lastUsedIp: string | null }> = (
        await t.http().get(`/v1/workspaces/${ws1.id}/tokens?limit=200`).set(bearer(ws1.owner.personalToken)).expect(200)
      ).body.items;
      return rows.find((r) => r.id === token.id);
    };
    // While it reaches both, W1 sees no last use (L5).
    expect(await rowIn1()).toMatchObject({ lastUsedAt: null, lastUsedIp: null });

    await t.http().delete(`/v1/workspaces/${ws2.id}`).set(bearer(ws2.owner.personalToken)).expect(204);
    // The use was made in W2; W2's deletion does not make it W1's business.
    const after = await rowIn1();
    expect(after?.lastUsedIp ?? null).not.toBe('198.51.100.77');
    expect(after?.lastUsedAt ?? null).toBeNull();
    // Nor its hours of use there.
    const usage = await t.http().get(`/v1/workspaces/${ws1.id}/tokens/${token.id}/usage`).set(bearer(ws1.owner.personalToken)).expect(200);
    expect(usage.body.hidden || usage.body.totals.requests === 0).toBe(true);
  });
});
