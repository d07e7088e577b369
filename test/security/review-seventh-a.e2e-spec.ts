// Seventh security review, part a (account lifecycle, mail links, web console, platform admin): each
// test asserts the SECURE behaviour and fails on the commit reviewed.
// Run: npx jest --ci test/security/review-seventh-a.e2e-spec.ts (and with DATABASE_URL for PostgreSQL).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { OutboxWorker } from '../../src/outbox/outbox-worker';
import { bearer, PASSWORD, registerUser, uniqueEmail } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { MailCatcher } from '../support/mail-catcher';
import { startTestApp, TestApp } from '../support/test-app';

let t: TestApp;
let smtp: MailCatcher;

beforeAll(async () => {
  smtp = await MailCatcher.start();
  t = await startTestApp({ LATCHKEY_SMTP_URL: smtp.url, LATCHKEY_PUBLIC_URL: 'https://latchkey.example/console' });
}, 120_000);

afterAll(async () => {
  await t?.close();
  await smtp?.stop();
});

async function mailsTo(address: string) {
  await t.app.get(OutboxWorker).drainDue();
  return smtp.to(address);
}

/**
 * U+FDFA is one character that NFKC turns into 18; as the domain of an address it is then handed to
 * UTS 46 (domainToASCII) at 6 million characters. About 349,000 of them fit in the 1 MiB body.
 */
const EXPANDING_EMAIL = `a@${'\ufdfa'.repeat(349_000)}`;

/** The longest the event loop is held while `work` runs, in ms. */
async function maxLoopDelayMs(work: () => Promise<unknown>): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  try {
    await work();
  } finally {
    histogram.disable();
  }
  return histogram.max / 1e6;
}

describe('F1: anonymous CPU burn through the email canonicalisation of a 1 MiB body', () => {
  it('F1: POST /v1/auth/password-reset with a 1 MiB address of U+FDFA does not hold the event loop (no NFKC + UTS 46 on a megabyte before the length check)', async () => {
    // Warm up the route (first request compiles the validators).
    await t.http().post('/v1/auth/password-reset').send({ email: 'nobody@example.com' }).expect(202);
    let status = 0;
    const delay = await maxLoopDelayMs(async () => {
      const res = await t.http().post('/v1/auth/password-reset').send({ email: EXPANDING_EMAIL });
      status = res.status;
    });
    // Refused either way (too long or too large); what matters is what refusing it cost.
    expect([400, 413]).toContain(status);
    // On the commit reviewed: about 350 ms of one core per request, anonymous, 300 a minute per address.
    expect(delay).toBeLessThan(100);
  });

  it('F1: PATCH /v1/me with a 1 MiB address does not hold the event loop either (the transform runs before the password check)', async () => {
    const user = await registerUser(t);
    let status = 0;
    const delay = await maxLoopDelayMs(async () => {
      const res = await t.http().patch('/v1/me').set(bearer(user.personalToken)).send({ email: EXPANDING_EMAIL });
      status = res.status;
    });
    expect([400, 413]).toContain(status);
    expect(delay).toBeLessThan(100);
  });
});

describe('F2: verification mail to one mailbox has no per-address bound', () => {
  it('F2: accounts taking turns holding a victim address (email change + resend) mail it at most 5 verification links an hour', async () => {
    const victim = uniqueEmail('victim');
    // Two throwaway accounts of the attacker; each may change its address and resend verification.
    const a = await registerUser(t, uniqueEmail('attacker-a'), 'Your account is locked: call +1 555 0100');
    const b = await registerUser(t, uniqueEmail('attacker-b'), 'Your account is locked: call +1 555 0100');
    for (const holder of [a, b, a]) {
      await t
        .http()
        .patch('/v1/me')
        .set(bearer(holder.personalToken))
        .send({ email: victim, currentPassword: PASSWORD })
        .expect((res) => expect([200, 429]).toContain(res.status));
      for (let i = 0; i < 5; i++) await t.http().post('/v1/me/email-verification').set(bearer(holder.personalToken));
      // Let go of the address for the next account.
      await t
        .http()
        .patch('/v1/me')
        .set(bearer(holder.personalToken))
        .send({ email: uniqueEmail('away'), currentPassword: PASSWORD })
        .expect((res) => expect([200, 429]).toContain(res.status));
    }
    const mails = (await mailsTo(victim)).filter((m) => m.subject === 'Verify your email address');
    // On the commit reviewed: 12 in a minute (6 per account's turn: the change and 5 resends), each
    // greeting the victim with text the attacker wrote; invitations are held to 5 per mailbox per hour.
    expect(mails.length).toBeLessThanOrEqual(5);
  });
});

describe('F3: bidirectional controls in names reach mails', () => {
  it('F3: an invitation mail carries no bidi override/embedding/isolate from a workspace or inviter name', async () => {
    const BIDI = /[\u202a-\u202e\u2066-\u2069]/;
    const ws = await newWorkspace(t);
    // The workspace name shows as "Payroll exe.pdf" style spoofs; the inviter name reorders the template's own text.
    const renamed = await t
      .http()
      .patch(`/v1/workspaces/${ws.id}`)
      .set(bearer(ws.owner.personalToken))
      .send({ name: 'Payroll \u202efdp.exe' });
    await t.http().patch('/v1/me').set(bearer(ws.owner.personalToken)).send({ name: 'IT support \u202e' });
    const invitee = uniqueEmail('invitee');
    const created = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/invitations`)
      .set(bearer(ws.owner.personalToken))
      .send({ email: invitee, roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } });
    // Secure either way: the names are refused (400), or the mail carries them without the controls.
    if (renamed.status === 400) return;
    expect(created.status).toBe(201);
    const [mail] = await mailsTo(invitee);
    expect(mail).toBeDefined();
    expect({ subject: BIDI.test(mail.subject), text: BIDI.test(mail.text), html: BIDI.test(mail.html) }).toEqual({
      subject: false,
      text: false,
      html: false,
    });
  });
});
