// Verification mail floods (review 7a, F2): an address gets a link whenever an account takes it (sign-up,
// email change) or asks again, and accounts can take turns holding it or hold its +tag variants. So an
// address gets at most 5 verification mails an hour from every account together, and its +tag variants
// at most 5 together (apart, review 8 B2: strangers holding +tags must not spend the owner's budget).
// Past that, a resend and an email change answer 429 and change nothing; a sign-up stands, without a
// link. Mails are counted as a real SMTP server receives them.
import { OutboxWorker } from '../../src/outbox/outbox-worker';
import { bearer, expectProblem, PASSWORD, registerUser, RegisteredUser, uniqueEmail } from '../support/api';
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

/** The verification mails these addresses have received, once everything due is delivered. */
async function verificationMailsTo(...addresses: string[]): Promise<number> {
  await t.app.get(OutboxWorker).drainDue();
  return addresses.flatMap((a) => smtp.to(a)).filter((m) => m.subject === 'Verify your email address').length;
}

const resendTo = (user: RegisteredUser) => t.http().post('/v1/me/email-verification').set(bearer(user.personalToken));
const changeEmail = (user: RegisteredUser, email: string) =>
  t.http().patch('/v1/me').set(bearer(user.personalToken)).send({ email, currentPassword: PASSWORD });
const me = async (user: RegisteredUser) => (await t.http().get('/v1/me').set(bearer(user.personalToken)).expect(200)).body;

function expectVerificationLimited(res: { status: number; headers: Record<string, string>; body: Record<string, unknown> }): void {
  const problem = expectProblem(res, 429, 'rate_limited');
  expect(problem.detail).toMatch(/too many verification mails to this address/i);
  const retryAfter = Number(res.headers['retry-after']);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(3600);
  expect(res.headers['ratelimit-policy']).toContain('"verification-mail-address"');
}

describe('verification mail per mailbox', () => {
  it('counts +tags together; past 5 an hour a resend and an email change answer 429 and change nothing, a sign-up stands without a link', async () => {
    const victim = uniqueEmail('victim');
    const [local, domain] = victim.split('@');
    const tagged = `${local}+1@${domain}`;
    const holder = await registerUser(t, tagged, 'Your account is locked: call +1 555 0100');
    for (let i = 0; i < 4; i++) await resendTo(holder).expect(202);
    expect(await verificationMailsTo(tagged)).toBe(5);

    // The sixth: refused, nothing queued.
    expectVerificationLimited(await resendTo(holder));
    // An email change to another tag: refused, the account keeps its address, the address it would leave is not told.
    const mover = await registerUser(t);
    await t.app.get(OutboxWorker).drainDue();
    const moverMails = smtp.to(mover.email).length;
    expectVerificationLimited(await changeEmail(mover, `${local}+2@${domain}`));
    expect(await me(mover)).toMatchObject({ email: mover.email });
    await t.app.get(OutboxWorker).drainDue();
    expect(smtp.to(mover.email)).toHaveLength(moverMails);
    // A sign-up stands (nobody keeps anyone from signing up by spending the budget), without a link.
    const late = `${local}+3@${domain}`;
    const latecomer = await registerUser(t, late, 'Late');
    expect(await me(latecomer)).toMatchObject({ email: late, emailVerified: false });
    expect(await verificationMailsTo(tagged, `${local}+2@${domain}`, late)).toBe(5);
    expectVerificationLimited(await resendTo(latecomer));

    anHourPasses();
    await resendTo(latecomer).expect(202);
    await t.app.get(OutboxWorker).drainDue();
    const link = smtp.last(late);
    expect(link.subject).toBe('Verify your email address');
    await t.http().post('/v1/auth/verify-email').send({ token: link.secret }).expect(204);
    expect(await me(latecomer)).toMatchObject({ emailVerified: true });
  });

  it('accounts taking turns holding the untagged address share its budget: 5 an hour in all (F2 stays closed after review 8 B2)', async () => {
    const victim = uniqueEmail('turns');
    const first = await registerUser(t, victim, 'Your account is locked: call +1 555 0100');
    for (let i = 0; i < 4; i++) await resendTo(first).expect(202);
    expectVerificationLimited(await resendTo(first));
    // The first lets the address go; the next account to take it finds its budget spent.
    await changeEmail(first, uniqueEmail('elsewhere')).expect(200);
    const second = await registerUser(t);
    expectVerificationLimited(await changeEmail(second, victim));
    expect(await me(second)).toMatchObject({ email: second.email });
    const third = await registerUser(t, victim, 'Turn three');
    expect(await me(third)).toMatchObject({ email: victim, emailVerified: false });
    expectVerificationLimited(await resendTo(third));
    expect(await verificationMailsTo(victim)).toBe(5);
  });

  it("strangers holding +tags do not spend the untagged address's budget (review 8 B2)", async () => {
    const victim = uniqueEmail('owner');
    const [local, domain] = victim.split('@');
    for (let i = 1; i <= 5; i++) await registerUser(t, `${local}+x${i}@${domain}`);
    const owner = await registerUser(t, victim, 'Owner');
    await resendTo(owner).expect(202);
    expect(await verificationMailsTo(victim)).toBe(2);
  });

  it('other mailboxes are unaffected, and an email change under the limit still mails the link', async () => {
    const spent = uniqueEmail('spent');
    const holder = await registerUser(t, spent);
    for (let i = 0; i < 4; i++) await resendTo(holder).expect(202);
    expectVerificationLimited(await resendTo(holder));
    const mover = await registerUser(t);
    const elsewhere = uniqueEmail('elsewhere');
    await changeEmail(mover, elsewhere).expect(200);
    expect(await verificationMailsTo(elsewhere)).toBe(1);
  });
});
