// Invitation mail floods: whoever manages members of a workspace (any self-registered user, in their own)
// chooses the invitee's address, and the mail carries the text they wrote. Past 5 mails to one address an
// hour, from every workspace together, or 500 from one workspace, creating and resending answer 429 and
// change nothing: no row written or renewed, no mail queued. Mails are counted as a real SMTP server
// receives them.
import { OutboxWorker } from '../../src/outbox/outbox-worker';
import { INVITATION_MAILS_PER_WORKSPACE_PER_HOUR, InvitationMailLimits } from '../../src/workspaces/invitation-mail-limits';
import { bearer, expectProblem, registerUser, uniqueEmail } from '../support/api';
import { newWorkspace, WorkspaceFixture } from '../support/fixtures';
import type { MailCatcher } from '../support/mail-catcher';
import { startMailingApp, type MailingApp } from '../support/mailing-app';
import type { TestApp } from '../support/test-app';

let app: MailingApp;
let t: TestApp;
let smtp: MailCatcher;

beforeAll(async () => {
  app = await startMailingApp();
  ({ t, smtp } = app);
});

afterAll(async () => {
  await app?.close();
});

const anHourPasses = () => app.anHourPasses();

const invite = (ws: WorkspaceFixture, email: string) =>
  t
    .http()
    .post(`/v1/workspaces/${ws.id}/invitations`)
    .set(bearer(ws.owner.personalToken))
    .send({ email, roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } });

const resend = (ws: WorkspaceFixture, invitationId: string) =>
  t.http().post(`/v1/workspaces/${ws.id}/invitations/${invitationId}/resend`).set(bearer(ws.owner.personalToken)).send({});

/** The invitation mails `address` has received, once everything due is delivered. */
async function mailsTo(address: string): Promise<number> {
  await t.app.get(OutboxWorker).drainDue();
  return smtp.to(address).filter((m) => m.subject.startsWith('You are invited to')).length;
}

async function row(invitationId: string): Promise<Record<string, unknown>> {
  const rows = await t.dataSource.query(
    `SELECT token_hash, hint, expires_at, declined_at, invited_by_user_id FROM invitations WHERE id = $1`,
    [invitationId],
  );
  return rows[0];
}

const queuedJobs = async () => Number((await t.dataSource.query(`SELECT count(*) AS n FROM outbox_jobs`))[0].n);
const invitationsOf = async (ws: WorkspaceFixture) =>
  Number((await t.dataSource.query(`SELECT count(*) AS n FROM invitations WHERE workspace_id = $1`, [ws.id]))[0].n);

function expectMailLimited(res: { status: number; headers: Record<string, string>; body: Record<string, unknown> }, policy: string): void {
  const problem = expectProblem(res, 429, 'rate_limited');
  expect(problem.detail).toMatch(/too many invitation mails/i);
  const retryAfter = Number(res.headers['retry-after']);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(3600);
  expect(res.headers['ratelimit-policy']).toContain(`"${policy}"`);
}

describe('invitation mail per address', () => {
  it('refuses a resend flood after 5 mails an hour with 429, renewing nothing and queuing no mail; an hour later it sends again', async () => {
    const ws = await newWorkspace(t, await registerUser(t), 'Your bank: verify at evil.example');
    const target = uniqueEmail('target');
    const created = await invite(ws, target).expect(201);
    const id: string = created.body.invitation.id;
    // The invitee turns it down; a decline does not stop resends, so the limit is what does.
    const invitee = await registerUser(t, target);
    await t
      .http()
      .post(`/v1/invitations/${id}/decline`)
      .set(bearer(invitee.personalToken))
      .send({ token: created.body.secret })
      .expect(204);
    let last = created.body;
    for (let i = 0; i < 4; i++) last = (await resend(ws, id).expect(200)).body;
    expect(await mailsTo(target)).toBe(5);

    const before = await row(id);
    const jobs = await queuedJobs();
    for (let i = 0; i < 46; i++) expectMailLimited(await resend(ws, id), 'invitation-mail-address');
    expect(await row(id)).toEqual(before);
    expect(await queuedJobs()).toBe(jobs);
    expect(await mailsTo(target)).toBe(5);
    // The secret of the last mail that went out still opens the invitation: nothing was renewed.
    await t.http().post('/v1/invitations/preview').send({ token: last.secret }).expect(200);
    const resent = await t
      .http()
      .get(`/v1/workspaces/${ws.id}/audit-events?action=invitation.resent`)
      .set(bearer(ws.owner.personalToken))
      .expect(200);
    expect(resent.body.items).toHaveLength(4);

    anHourPasses();
    const again = await resend(ws, id).expect(200);
    expect(again.body.invitation.status).toBe('pending');
    expect(await mailsTo(target)).toBe(6);
  });

  it('counts an address across workspaces; other addresses and other workspaces are unaffected', async () => {
    const [a, b] = [await newWorkspace(t), await newWorkspace(t)];
    const target = uniqueEmail('target');
    const id: string = (await invite(a, target).expect(201)).body.invitation.id;
    for (let i = 0; i < 4; i++) await resend(a, id).expect(200);

    // A new invitation from another workspace is refused and leaves no row behind.
    expectMailLimited(await invite(b, target), 'invitation-mail-address');
    expect(await invitationsOf(b)).toBe(0);
    expectMailLimited(await resend(a, id), 'invitation-mail-address');
    expect(await mailsTo(target)).toBe(5);

    const other = uniqueEmail('other');
    await invite(a, other).expect(201);
    await invite(b, uniqueEmail('other')).expect(201);
    expect(await mailsTo(other)).toBe(1);
  });

  it('counts sub-addresses of one mailbox together (victim+1@…, victim+2@…): a tag is not a new budget', async () => {
    const ws = await newWorkspace(t);
    const [local, domain] = uniqueEmail('victim').split('@');
    for (let i = 1; i <= 5; i++) await invite(ws, `${local}+${i}@${domain}`).expect(201);
    expectMailLimited(await invite(ws, `${local}+6@${domain}`), 'invitation-mail-address');
    expectMailLimited(await invite(ws, `${local}@${domain}`), 'invitation-mail-address');
    // Another mailbox of the same domain is its own.
    await invite(ws, `${local}x@${domain}`).expect(201);
  });
});

describe('invitation mail per workspace', () => {
  it(`refuses a workspace's mail past ${INVITATION_MAILS_PER_WORKSPACE_PER_HOUR} an hour; another workspace still invites the same address`, async () => {
    const ws = await newWorkspace(t);
    // All but the last of the hour's mails counted as the invitations would count them (without as many
    // requests), the last one sent through HTTP.
    const limits = t.app.get(InvitationMailLimits);
    for (let i = 1; i < INVITATION_MAILS_PER_WORKSPACE_PER_HOUR; i++) await limits.consume(ws.id, uniqueEmail('bulk'));
    await invite(ws, uniqueEmail('bulk')).expect(201);
    const target = uniqueEmail('target');
    const jobs = await queuedJobs();
    expectMailLimited(await invite(ws, target), 'invitation-mail-workspace');
    expect(await invitationsOf(ws)).toBe(1);
    expect(await queuedJobs()).toBe(jobs);
    // The refusal did not use up the address's own limit: five mails still reach it from elsewhere.
    const elsewhere = await newWorkspace(t);
    const id: string = (await invite(elsewhere, target).expect(201)).body.invitation.id;
    for (let i = 0; i < 4; i++) await resend(elsewhere, id).expect(200);
    expect(await mailsTo(target)).toBe(5);

    anHourPasses();
    await invite(ws, uniqueEmail('bulk')).expect(201);
  });
});
