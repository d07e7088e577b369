// Eighth security review, part B (mail to a mailbox): the reviewer's tests B1 and B2, taken from
// test/security/review-eighth.e2e-spec.ts (part A, the caller hold, lives elsewhere). Each asserts the
// secure behaviour and failed on the commit reviewed.
// Run: npx jest --ci test/security/review-eighth-mail.e2e-spec.ts
import type { Response } from 'supertest';
import { OutboxWorker } from '../../src/outbox/outbox-worker';
import { bearer, expectProblem, PASSWORD, registerUser, RegisteredUser, uniqueEmail } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import type { MailCatcher } from '../support/mail-catcher';
import { startMailingApp, type MailingApp } from '../support/mailing-app';
import type { TestApp } from '../support/test-app';

jest.setTimeout(90_000);

describe('review 8, part B: mail to a mailbox', () => {
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

  const resendTo = (user: RegisteredUser) => t.http().post('/v1/me/email-verification').set(bearer(user.personalToken));

  /** Mails of this subject every one of these addresses received, once everything due is delivered. */
  async function mailsTo(subject: RegExp, ...addresses: string[]): Promise<number> {
    await t.app.get(OutboxWorker).drainDue();
    return addresses.flatMap((a) => smtp.to(a)).filter((m) => subject.test(m.subject)).length;
  }

  // B1: the mailbox is counted by mailboxOf(), which folds +tags only. A quoted local part ("victim")
  // and its quoted-pair escapes ("v\ictim") are the same mailbox (RFC 5321 4.1.2), are accepted, and
  // each gets a budget of its own: 2^n more verification mails an hour to one mailbox.
  it('B1: quoted forms of an address share its mailbox budget (at most 5 verification mails an hour in all)', async () => {
    const victim = uniqueEmail('quoted');
    const [local, domain] = victim.split('@');
    const holder = await registerUser(t, victim);
    for (let i = 0; i < 4; i++) await resendTo(holder).expect(202);
    expect(await mailsTo(/verify your email/i, victim)).toBe(5);

    const variants = [`"${local}"@${domain}`, `"\\${local}"@${domain}`, `"${local[0]}\\${local.slice(1)}"@${domain}`];
    const answers: number[] = [];
    for (const variant of variants) {
      const res = await t.http().post('/v1/auth/register').send({ email: variant, password: PASSWORD, name: 'Flood' });
      if (res.status !== 201) {
        answers.push(res.status);
        continue;
      }
      answers.push((await resendTo({ personalToken: res.body.personalToken.secret } as RegisteredUser)).status);
    }
    // Each variant that was accepted must find the mailbox's budget spent.
    expect(answers.every((status) => status === 429 || status === 400)).toBe(true);
    expect(await mailsTo(/verify your email/i, victim, ...variants)).toBe(5);
  });

  // B1, the fix: one rule (emailProblem) refuses the quoting for every address that is stored, with a
  // 400 that says why; a lookup (login, reset request) canonicalises it and matches nobody.
  it('B1: a quoted local part or a backslash is refused at sign-up, email change and invitation, and matches nobody at login', async () => {
    const victim = await registerUser(t, uniqueEmail('quoting'));
    const [local, domain] = victim.email.split('@');
    const quoted = [
      `"${local}"@${domain}`,
      `"\\${local}"@${domain}`,
      `${local[0]}\\${local.slice(1)}@${domain}`,
      `\uff02${local}\uff02@${domain}`, // fullwidth quotation marks, folded to " by NFKC
    ];
    const refusesQuoting = (res: Response) =>
      expect(expectProblem(res, 400, 'validation_failed').errors).toContainEqual({
        field: 'email',
        message: 'must not use a quoted local part or a backslash before the @',
      });
    const mover = await registerUser(t);
    const ws = await newWorkspace(t);
    for (const email of quoted) {
      refusesQuoting(await t.http().post('/v1/auth/register').send({ email, password: PASSWORD, name: 'Quoted' }));
      refusesQuoting(await t.http().patch('/v1/me').set(bearer(mover.personalToken)).send({ email, currentPassword: PASSWORD }));
      refusesQuoting(
        await t
          .http()
          .post(`/v1/workspaces/${ws.id}/invitations`)
          .set(bearer(ws.owner.personalToken))
          .send({ email, roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } }),
      );
      await t.http().post('/v1/auth/login').send({ email, password: PASSWORD }).expect(401);
    }
  });

  // B2: anyone can spend a mailbox's verification budget (5 sign-ups of +tags an hour) and the account's
  // reset budget (3 anonymous reset requests an hour): the owner's resend then answers 429 and the reset
  // path the 429 points to sends nothing. Eight anonymous requests an hour keep an address unverified
  // (it cannot accept invitations) for as long as the attacker likes.
  it('B2: an owner whose mailbox budget others spent still gets a way to prove the address', async () => {
    const victim = uniqueEmail('lockout');
    const [local, domain] = victim.split('@');
    const owner = await registerUser(t, victim);
    await t.app.get(OutboxWorker).drainDue();
    const before = smtp.to(victim).length;
    // The attacker, anonymously: sign-ups of +tags spend the mailbox's verification budget...
    for (let i = 1; i <= 5; i++) await registerUser(t, `${local}+x${i}@${domain}`);
    // ...and reset requests for the owner's address spend the account's reset budget.
    for (let i = 0; i < 3; i++) await t.http().post('/v1/auth/password-reset').send({ email: victim }).expect(202);
    await t.app.get(OutboxWorker).drainDue();
    const spent = smtp.to(victim).length;

    // The owner, within the same hour: a resend, then the reset the 429 suggests.
    const resend = await resendTo(owner);
    await t.http().post('/v1/auth/password-reset').send({ email: victim }).expect(202);
    await t.app.get(OutboxWorker).drainDue();
    const reachedOwner = smtp
      .to(victim)
      .slice(spent)
      .filter((m) => /verify your email|reset/i.test(m.subject));
    expect({ resend: resend.status === 202, ownerGotALink: reachedOwner.length > 0, before }).toEqual({
      resend: expect.any(Boolean),
      ownerGotALink: true,
      before,
    });
  });
});
