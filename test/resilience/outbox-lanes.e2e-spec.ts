// One kind's deliveries never hold up another's: with tenants' webhook deliveries stuck on a receiver
// that never answers (a tarpit) in every slot of the webhook lane, another user's password-reset mail
// still goes out, through the real background worker, while every stuck delivery is still in flight.
import { registerUser } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { MailCatcher } from '../support/mail-catcher';
import { endpointsOnTarpit, startDeliveringApp, Tarpit } from '../support/tarpit';
import type { TestApp } from '../support/test-app';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Stuck deliveries: more than a lane's slots, so before the lanes they filled a whole batch ahead of the mail. */
const STUCK = 12;
/** Whose they are: a workspace takes no more than its share (3) of the webhook lane, so it takes four to fill it. */
const STUCK_TENANTS = 4;

describe('outbox lanes', () => {
  let t: TestApp;
  let smtp: MailCatcher;
  let tarpit: Tarpit;

  beforeAll(async () => {
    smtp = await MailCatcher.start();
    tarpit = await Tarpit.start();
    // An attempt on the tarpit ends only after 20 s: far longer than a mail takes.
    t = await startDeliveringApp(20_000, { LATCHKEY_SMTP_URL: smtp.url, LATCHKEY_MAIL_FROM: 'Latchkey <no-reply@latchkey.example>' });
  });
  afterAll(async () => {
    // Ends the stuck attempts first, so shutdown does not wait for them.
    await tarpit?.close();
    await t?.close();
    await smtp?.stop();
  });

  it("delivers a password-reset mail while other tenants' webhook deliveries fill the webhook lane, stuck on a receiver that never answers", async () => {
    const victim = await registerUser(t, undefined, 'Victim');
    for (let i = 0; i < 250 && smtp.to(victim.email).length === 0; i++) await sleep(20);
    expect(smtp.to(victim.email)).toHaveLength(1); // the verification mail

    // Other tenants: endpoints on the tarpit, and one event each of them is subscribed to.
    for (let n = 0; n < STUCK_TENANTS; n++) {
      const ws = await newWorkspace(t);
      await endpointsOnTarpit(t, ws, tarpit, STUCK / STUCK_TENANTS);
      await ws.device();
    }
    // The worker has taken as many as it runs at once, and every one of them is hanging.
    for (let i = 0; i < 250 && tarpit.taken < 10; i++) await sleep(20);
    expect(tarpit.taken).toBeGreaterThanOrEqual(10);

    await t.http().post('/v1/auth/password-reset').send({ email: victim.email }).expect(202);
    // Until the mail arrives or a stuck attempt ends, whichever comes first (no time limit decides).
    for (let i = 0; i < 2000 && smtp.to(victim.email).length < 2 && tarpit.ended === 0; i++) await sleep(20);
    expect(smtp.to(victim.email).map((m) => m.subject)).toEqual(['Verify your email address', 'Reset your password']);
    expect(tarpit.ended).toBe(0);
    const [{ pending }] = await t.dataSource.query(`SELECT count(*)::int AS pending FROM outbox_jobs WHERE kind = 'webhook'`);
    expect(pending).toBe(STUCK);
  });
});
