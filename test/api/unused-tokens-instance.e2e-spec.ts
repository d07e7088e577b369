// The instance's rule for tokens nobody uses (LATCHKEY_REVOKE_UNUSED_AFTER_DAYS): every personal, named
// and API-user token idle that long is revoked, a week after its warning; sessions are left to expire.
import { LastUsedRecorder } from '../../src/auth/last-used.recorder';
import { OutboxWorker } from '../../src/outbox/outbox-worker';
import { UnusedTokens } from '../../src/tokens/unused-tokens';
import { bearer, createNamedToken, expectProblem, login, registerUser } from '../support/api';
import { MailCatcher } from '../support/mail-catcher';
import { startTestApp, TestApp } from '../support/test-app';

const DAY_S = 86_400;
let t: TestApp;
let smtp: MailCatcher;

beforeAll(async () => {
  smtp = await MailCatcher.start();
  t = await startTestApp({ LATCHKEY_SMTP_URL: smtp.url, LATCHKEY_REVOKE_UNUSED_AFTER_DAYS: '20' });
});
afterAll(async () => {
  await t.close();
  await smtp.stop();
});

it('revokes idle personal and named tokens a week after warning their owner; sessions and used tokens live on', async () => {
  const user = await registerUser(t);
  const busy = await registerUser(t);
  const named = await createNamedToken(t, user.personalToken, { name: 'ci', scopes: ['account:read'] });
  const session = await login(t, user.email);
  await t.app.get(LastUsedRecorder).flush();

  t.clock.advanceSeconds(14 * DAY_S);
  await t.http().get('/v1/me').set(bearer(busy.personalToken)).expect(200);
  await t.app.get(LastUsedRecorder).flush();
  const scan = () => t.app.get(UnusedTokens).scan();
  expect(await scan()).toEqual({ warned: 2, cutOff: 0 }); // the user's personal and named tokens
  await t.app.get(OutboxWorker).drainDue();
  const warnings = smtp.to(user.email).filter((m) => /stops working on/.test(m.subject));
  expect(warnings.map((m) => m.subject).sort()).toEqual([
    expect.stringContaining(': Personal access token'),
    expect.stringContaining(': ci'),
  ]);
  expect(warnings[0].text).toContain('Latchkey revokes tokens unused for 20 days');

  t.clock.advanceSeconds(7 * DAY_S);
  await t.http().get('/v1/me').set(bearer(busy.personalToken)).expect(200);
  await t.app.get(LastUsedRecorder).flush();
  expect(await scan()).toEqual({ warned: 0, cutOff: 2 });
  expectProblem(await t.http().get('/v1/me').set(bearer(named.secret)), 401, 'token_invalid');
  expectProblem(await t.http().get('/v1/me').set(bearer(user.personalToken)), 401, 'token_invalid');
  await t.http().get('/v1/me').set(bearer(busy.personalToken)).expect(200);
  // The login session (12 h) expired on its own long ago; it is never warned about.
  expect(smtp.to(user.email).filter((m) => /stops working on/.test(m.subject))).toHaveLength(2);
  expect(session).toMatch(/^lks_/);
  const audit = await t
    .http()
    .get('/v1/me/audit-events')
    .query({ action: 'token.revoked' })
    .set(bearer(await login(t, user.email)))
    .expect(200);
  expect(audit.body.items.map((e: { details: { reason: string } }) => e.details.reason)).toEqual(['unused', 'unused']);
});
