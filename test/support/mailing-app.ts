// An app that mails through a real SMTP server on the loopback (MailCatcher), for the mail-limit tests,
// with a way to let an hour pass: the limits' windows run on Date.now (ExactLimit's store and
// rate-limiter-flexible read it), the service's expiries on t.clock, so an hour moves both.
import { MailCatcher } from './mail-catcher';
import { startTestApp, type TestApp } from './test-app';

export interface MailingApp {
  t: TestApp;
  smtp: MailCatcher;
  anHourPasses(): void;
  close(): Promise<void>;
}

export async function startMailingApp(): Promise<MailingApp> {
  const realNow = Date.now.bind(Date);
  let shiftMs = 0;
  const now = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + shiftMs);
  const smtp = await MailCatcher.start();
  const t = await startTestApp({ LATCHKEY_SMTP_URL: smtp.url, LATCHKEY_PUBLIC_URL: 'https://latchkey.example/console' });
  return {
    t,
    smtp,
    anHourPasses: () => {
      t.clock.advanceSeconds(3601);
      shiftMs += 3_601_000;
    },
    close: async () => {
      await t.close();
      await smtp.stop();
      now.mockRestore();
    },
  };
}
