// Token notices to an address nobody has proven draw on a budget of 5 an hour (src/tokens/notice-budget.ts,
// review 18b M1); a proven address gets every notice about its own tokens.
import { OutboxWorker } from '../../src/outbox/outbox-worker';
import { TokenExpiryNotices } from '../../src/tokens/token-expiry-notices';
import { createNamedToken, markEmailVerified, registerUser, uniqueEmail } from '../support/api';
import { MailCatcher, mailEnv } from '../support/mail-catcher';
import { startTestApp, TestApp } from '../support/test-app';

let t: TestApp;
let smtp: MailCatcher;

beforeAll(async () => {
  smtp = await MailCatcher.start();
  t = await startTestApp({ ...mailEnv(smtp) });
}, 60_000);

afterAll(async () => {
  await t?.close();
  await smtp?.stop();
});

/** An account with `count` named tokens expiring tomorrow, its address proven or not; the expiry notices it got in one scan. */
async function expiryNotices(count: number, verified: boolean): Promise<number> {
  const email = uniqueEmail(verified ? 'proven' : 'unproven');
  const user = await registerUser(t, email);
  if (verified) await markEmailVerified(t, user.id);
  for (let i = 0; i < count; i++)
    await createNamedToken(t, user.personalToken, { name: `ci ${i}`, scopes: ['account:read'], expiresInDays: 1 });
  await t.app.get(TokenExpiryNotices).scan();
  await t.app.get(OutboxWorker).drainDue();
  return smtp.to(email).filter((mail) => mail.subject.startsWith('A token expires')).length;
}

describe('token notices and the budget of an unproven address', () => {
  it('an unproven address gets 5 of 8 notices in an hour; a proven one all 8', async () => {
    expect({ unproven: await expiryNotices(8, false), proven: await expiryNotices(8, true) }).toEqual({ unproven: 5, proven: 8 });
  });
});
