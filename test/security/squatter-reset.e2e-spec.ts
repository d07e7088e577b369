// A password reset that takes a squatted address back ends what the squatter made, and what that made in
// turn, recorded by maker (src/authorization/made-by.ts; review 15a S1–S3 are in review-fifteenth-a):
// webhook endpoints (left open in stop 38), a secret rotated for a colleague's API user, and what the
// squatter's API user made for the colleague's; what the colleague made stays.
import { bearer, markEmailVerified, registerUser, uniqueEmail } from '../support/api';
import { MailCatcher, mailEnv, resetByMail } from '../support/mail-catcher';
import { squattedWorkspace as squatted } from '../support/squatted';
import { startTestApp, TestApp } from '../support/test-app';
import { WEBHOOK_TEST_ENV } from '../support/webhook-receiver';

let t: TestApp;
let smtp: MailCatcher;

beforeAll(async () => {
  smtp = await MailCatcher.start();
  t = await startTestApp({
    ...WEBHOOK_TEST_ENV,
    ...mailEnv(smtp),
  });
}, 60_000);

afterAll(async () => {
  await t?.close();
  await smtp?.stop();
});

const realOwnerResets = (victimEmail: string) => resetByMail(t, smtp, victimEmail);

/** The squatter's workspace, a verified colleague (admin) in it with an API user of their own. */

const squattedWorkspace = () => squatted(t);

describe('a reset that takes a squatted address back', () => {
  it('disables the webhook endpoints the squatter and its API users made, and not the colleague’s; the audit entry counts them', async () => {
    const { victimEmail, squatter, ws, colleague } = await squattedWorkspace();
    const squattersBot = await ws.apiUser({ roles: ['admin'] });
    const hook = async (secret: string) =>
      (
        await t
          .http()
          .post(`/v1/workspaces/${ws.id}/webhooks`)
          .set(bearer(secret))
          .send({ url: 'https://hooks.example.com/x', events: ['device.created'] })
          .expect(201)
      ).body.endpoint.id as string;
    const [bySquatter, byItsBot, byColleague] = [
      await hook(squatter.personalToken),
      await hook(squattersBot.token),
      await hook(colleague.personalToken),
    ];
    await realOwnerResets(victimEmail);

    const listed = await t.http().get(`/v1/workspaces/${ws.id}/webhooks`).set(bearer(colleague.personalToken)).expect(200);
    const enabled = (id: string) => listed.body.items.find((e: { id: string }) => e.id === id);
    expect([bySquatter, byItsBot, byColleague].map((id) => enabled(id).enabled)).toEqual([false, false, true]);
    expect(enabled(bySquatter).disabledReason).toMatch(/taken back by a password reset/);

    const audit = await t.dataSource.query(`SELECT details FROM audit_events WHERE action = 'user.password_reset' AND account_id = $1`, [
      squatter.id,
    ]);
    expect(audit[0].details).toMatchObject({ tokensEnded: 'all', apiUsersDisabled: 1, webhooksDisabled: 2 });
  });

  it('revokes a secret the squatter rotated for the colleague’s API user, and what its own API user made for the colleague’s', async () => {
    const { victimEmail, squatter, ws, colleaguesBot } = await squattedWorkspace();
    const rotated = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users/${colleaguesBot.id}/tokens/${colleaguesBot.tokenId}/rotate`)
      .set(bearer(squatter.personalToken))
      .send({ graceSeconds: 0 })
      .expect(200);
    const squattersBot = await ws.apiUser({ roles: ['admin'] });
    const issuedByItsBot = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users/${colleaguesBot.id}/tokens`)
      .set(bearer(squattersBot.token))
      .send({ name: 'made by the squatter’s bot' })
      .expect(201);
    const madeWithItsSecret = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users/${colleaguesBot.id}/tokens`)
      .set(bearer(rotated.body.secret))
      .send({ name: 'made with the rotated secret' })
      .expect(201);
    await realOwnerResets(victimEmail);

    const members = (secret: string) => t.http().get(`/v1/workspaces/${ws.id}/members`).set(bearer(secret));
    expect({
      rotatedBySquatter: (await members(rotated.body.secret)).status,
      issuedByItsBot: (await members(issuedByItsBot.body.secret)).status,
      // Made with a secret the squatter held (the one it rotated), whoever it acted as: ended too (review 16a, S1).
      madeWithItsSecret: (await members(madeWithItsSecret.body.secret)).status,
    }).toEqual({ rotatedBySquatter: 401, issuedByItsBot: 401, madeWithItsSecret: 401 });
  });

  it('revokes an invitation sent with a secret the squatter issued for the colleague’s API user', async () => {
    const { victimEmail, squatter, ws, colleaguesBot } = await squattedWorkspace();
    const issued = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users/${colleaguesBot.id}/tokens`)
      .set(bearer(squatter.personalToken))
      .send({ name: 'kept by the squatter' })
      .expect(201);
    const accomplice = await registerUser(t, uniqueEmail('accomplice'));
    const invitation = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/invitations`)
      .set(bearer(issued.body.secret))
      .send({ email: accomplice.email, roleIds: [ws.roles.admin], deviceAccess: { mode: 'all' } })
      .expect(201);
    await realOwnerResets(victimEmail);
    await markEmailVerified(t, accomplice.id);
    const accept = await t
      .http()
      .post('/v1/invitations/accept')
      .set(bearer(accomplice.personalToken))
      .send({ token: invitation.body.secret });
    expect({ status: accept.status, detail: accept.body.detail }).toEqual({ status: 409, detail: 'The invitation is revoked.' });
  });
});
