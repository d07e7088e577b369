// The console's mail and webhook screens in Chromium, at 1280 and 390 px (see web-ui.support.ts):
// the webhooks page as an owner (create with the secret shown once, a test event delivered to a
// receiver on the loopback, deliveries, redeliver, edit, delete) and as a viewer (no entry, not
// allowed); the verify-your-address banner and a verification link followed from a real SMTP server;
// a password reset end to end; an invitation mail's link. Every link is taken from the mail the
// app sent (test/support/mail-catcher.ts), never from the database. Skipped, saying so, without Chromium.
import { isIP } from 'node:net';
import type { Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { WebhookSender, type Connector } from '../../src/webhooks/webhook-sender';
import { bearer, login, PASSWORD, registerUser, uniqueEmail } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { MailCatcher, type CaughtMail } from '../support/mail-catcher';
import { WebhookReceiver } from '../support/webhook-receiver';
import { BROWSER_TESTS_RUN, expectHeading, secretShownOnce, startHarness, type Harness, warnWithoutChromium } from './web-ui.support';

warnWithoutChromium('the web UI mail and webhooks test');

/** Where the app's links point; the test opens the same path and fragment on the app it started. */
const PUBLIC_URL = 'http://console.latchkey.test';

(BROWSER_TESTS_RUN ? describe : describe.skip)('web UI: mailed links and webhooks in a browser', () => {
  let h: Harness;
  let smtp: MailCatcher;
  let receiver: WebhookReceiver;
  const opened: string[] = [];

  beforeAll(async () => {
    smtp = await MailCatcher.start();
    receiver = await WebhookReceiver.start();
    h = await startHarness('web-ui-mail', {
      LATCHKEY_SMTP_URL: smtp.url,
      LATCHKEY_PUBLIC_URL: PUBLIC_URL,
      // Mail and webhooks delivered in the background, as in production.
      LATCHKEY_OUTBOX_WORKER: 'on',
      LATCHKEY_OUTBOX_POLL_SECONDS: '1',
      // The receiver on the loopback, as test/api/webhooks.e2e-spec.ts does (WEBHOOK_TEST_ENV).
      LATCHKEY_WEBHOOK_ALLOW_HTTP: 'true',
      LATCHKEY_WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
      LATCHKEY_WEBHOOK_SECRETS_KEY: 'test-webhook-secrets-key-0123456789abcdef',
      LATCHKEY_WEBHOOK_CONNECT_TIMEOUT_MS: '1000',
      LATCHKEY_WEBHOOK_TIMEOUT_MS: '1500',
      // The password-reset test makes three requests, and sees the fourth refused with the wait.
      LATCHKEY_PASSWORD_RESETS_PER_IP: '3',
    });
    // Nothing ever connects off the loopback, even by mistake.
    const sender = h.t.app.get(WebhookSender);
    const real: Connector = sender.connector;
    sender.connector = (target) => {
      opened.push(target.address);
      if (!(isIP(target.address) === 4 ? target.address.startsWith('127.') : target.address === '::1')) {
        throw new Error(`test guard: refused to connect to ${target.address}`);
      }
      return real(target);
    };
  }, 120_000);

  afterEach(() => {
    expect(h.problems).toEqual([]);
  });

  afterAll(async () => {
    await h?.close();
    await receiver?.close();
    await smtp?.stop();
    expect(opened.every((a) => a.startsWith('127.'))).toBe(true);
  });

  async function until<T>(what: string, probe: () => T | undefined | null, ms = 15_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const value = probe();
      if (value !== undefined && value !== null) return value;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The newest mail to `address` with this subject, once it has come (after `before` mails to it). */
  function mailTo(address: string, subject: string | RegExp, before = 0): Promise<CaughtMail> {
    return until(`a "${String(subject)}" mail to ${address}`, () =>
      smtp
        .to(address)
        .slice(before)
        .reverse()
        .find((m) => (typeof subject === 'string' ? m.subject === subject : subject.test(m.subject))),
    );
  }

  /** The mailed link, on the app this test started: same path and fragment. */
  function onThisApp(mail: CaughtMail): string {
    expect(mail.link).not.toBeNull();
    const link = new URL(mail.link!);
    expect(link.origin).toBe(PUBLIC_URL);
    expect(link.hash).toMatch(/^#token=[A-Za-z0-9_]+$/);
    return `${h.base}${link.pathname}${link.hash}`;
  }

  async function signIn(page: Page, email: string, password = PASSWORD, heading: string | RegExp = 'Your profile'): Promise<void> {
    await h.go(page, '/login');
    await expectHeading(page, 'Sign in to Latchkey');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectHeading(page, heading);
  }

  it('the webhooks page: create (secret once), test event, deliveries, redeliver, edit, delete', async () => {
    const ws = await newWorkspace(h.t);
    const url = `http://127.0.0.1:${receiver.port}/hooks/console`;
    const { page, context } = await h.newPage();
    try {
      await signIn(page, ws.owner.email);
      await h.go(page, `/w/${ws.id}`);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click();
      await expectHeading(page, 'Webhooks');
      await page.getByText('No webhook endpoints yet.').waitFor();
      await h.checkPage(page, 'webhooks-empty', 'Webhooks');

      // A URL the server refuses (a private address, outside the loopback this test allows): its 400
      // field error beside the field.
      const form = page.getByRole('form', { name: 'Add a webhook endpoint' });
      await form.getByLabel('URL').fill('http://10.0.0.1/hook');
      await form.getByRole('checkbox', { name: 'device.created' }).check();
      await form.getByRole('button', { name: 'Add endpoint' }).click();
      const urlError = form.locator('.field-error').first();
      await urlError.waitFor();
      expect(await urlError.textContent()).toMatch(/URL/);
      await h.checkPage(page, 'webhooks-refused-url', 'Webhooks');

      await form.getByLabel('URL').fill(url);
      await form.getByLabel('Description').fill('Console test receiver');
      await form.getByRole('button', { name: 'Add endpoint' }).click();
      const secret = await secretShownOnce(page, 'Signing secret');
      expect(secret).toMatch(/^whsec_/);
      await page.getByRole('row', { name: new RegExp(url.replace(/[.]/g, '\\.')) }).waitFor();
      await h.checkPage(page, 'webhooks-created', 'Webhooks');
      await page.getByRole('button', { name: 'I have stored it' }).click();
      expect(await page.getByTestId('secret-once').count()).toBe(0);
      // Never again: the list and the endpoint's read hold no secret.
      const listed = await h.t.http().get(`/v1/workspaces/${ws.id}/webhooks`).set(bearer(ws.owner.personalToken)).expect(200);
      expect(JSON.stringify(listed.body)).not.toContain(secret);

      // Send a test event: it reaches the receiver, signed with the secret shown.
      await page.getByRole('button', { name: `Send test to ${url}` }).click();
      const received = await until('the test event', () => receiver.on('/hooks/console')[0]);
      const event = new Webhook(secret).verify(received.body, received.headers) as { type: string };
      expect(event.type).toBe('webhook.test');
      const deliveries = page.locator('section[aria-labelledby="webhook-deliveries"]');
      await deliveries.waitFor();
      // The list refreshes until the delivery shows as succeeded with its answer.
      for (let i = 0; i < 50; i++) {
        if ((await deliveries.getByRole('row', { name: /webhook\.test.*Succeeded/ }).count()) > 0) break;
        await deliveries.getByRole('button', { name: 'Refresh' }).click();
        await page.waitForTimeout(200);
      }
      const row = deliveries.getByRole('row', { name: /webhook\.test.*Succeeded/ }).first();
      await row.waitFor();
      expect(await row.textContent()).toContain('200');
      await row.getByText('Payload and answer').click();
      await row.getByText('"type": "webhook.test"').waitFor();
      await h.checkPage(page, 'webhooks-deliveries', 'Webhooks');

      // Redeliver: the same message (webhook-id) again.
      await row.getByRole('button', { name: /^Redeliver/ }).click();
      const again = await until('the redelivery', () => receiver.on('/hooks/console')[1]);
      expect(again.headers['webhook-id']).toBe(received.headers['webhook-id']);

      // Edit: description, events, paused.
      await page.getByRole('button', { name: `Edit webhook ${url}` }).click();
      const edit = page.getByRole('dialog', { name: 'Edit webhook' });
      await edit.getByLabel('Description').fill('Renamed receiver');
      await edit.getByRole('checkbox', { name: 'member.added' }).check();
      await edit.getByRole('checkbox', { name: 'Enabled', exact: true }).uncheck();
      await h.checkDialog(page, edit, 'webhook-edit');
      await edit.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('row', { name: /Renamed receiver.*2 events.*Paused/ }).waitFor();

      // Rotate, the old secret kept for a day: the new one shown once.
      await page.getByRole('button', { name: `Rotate secret of ${url}` }).click();
      const rotate = page.getByRole('dialog', { name: 'Rotate the signing secret' });
      await h.checkDialog(page, rotate, 'webhook-rotate');
      await rotate.getByRole('button', { name: 'Rotate secret' }).click();
      const rotated = await secretShownOnce(page, 'Signing secret');
      expect(rotated).toMatch(/^whsec_/);
      expect(rotated).not.toBe(secret);
      await page.getByRole('button', { name: 'I have stored it' }).click();

      // Delete, after confirming.
      await page.getByRole('button', { name: `Delete webhook ${url}` }).click();
      const confirm = page.getByRole('dialog', { name: 'Delete this webhook?' });
      await h.checkDialog(page, confirm, 'webhook-delete');
      await confirm.getByRole('button', { name: 'Delete webhook' }).click();
      await page.getByText('No webhook endpoints yet.').waitFor();
      const after = await h.t.http().get(`/v1/workspaces/${ws.id}/webhooks`).set(bearer(ws.owner.personalToken)).expect(200);
      expect(after.body.items).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a viewer has no webhooks entry, and the page says it is not allowed', async () => {
    const ws = await newWorkspace(h.t);
    const viewer = await ws.member('viewer');
    const { page, context } = await h.newPage();
    try {
      await signIn(page, viewer.email);
      await h.go(page, `/w/${ws.id}`);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).waitFor();
      expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).count()).toBe(0);
      await h.go(page, `/w/${ws.id}/webhooks`);
      await expectHeading(page, 'Webhooks');
      await page.getByText(/do not allow you to see this workspace's webhooks/).waitFor();
      expect(await page.getByRole('button', { name: 'Add endpoint' }).count()).toBe(0);
      await h.checkPage(page, 'webhooks-viewer', 'Webhooks');
    } finally {
      await context.close();
    }
  });

  it('the banner sends a new link; the mailed link verifies the address and leaves the address bar', async () => {
    const user = await registerUser(h.t, uniqueEmail('verify'), 'Vera Verify');
    await mailTo(user.email, 'Verify your email address');
    const { page, context } = await h.newPage();
    try {
      await signIn(page, user.email);
      const banner = page.locator('.verify-banner');
      await banner.getByText('Verify your address:').waitFor();
      await h.checkPage(page, 'verify-banner', 'Your profile');
      const count = smtp.to(user.email).length;
      await banner.getByRole('button', { name: 'Send a new link' }).click();
      await banner.getByText('A new link is on its way.').waitFor();
      const mail = await mailTo(user.email, 'Verify your email address', count);

      // The same tab (still signed in) opens the link.
      await page.goto(onThisApp(mail));
      await expectHeading(page, 'Verify your email address');
      await page.getByText('Your address is verified.').waitFor();
      expect(new URL(page.url()).hash).toBe('#/verify-email');
      expect(page.url()).not.toContain('token');
      await page.locator('.verify-banner').waitFor({ state: 'detached' });
      await h.checkPage(page, 'verify-email-done', 'Verify your email address');
      const me = await h.t.http().get('/v1/me').set(bearer(user.personalToken)).expect(200);
      expect(me.body.emailVerified).toBe(true);

      // The same link again: used.
      await page.goto(onThisApp(mail));
      await page.getByText('This link does not work any more').waitFor();
      await h.checkPage(page, 'verify-email-used', 'Verify your email address');
    } finally {
      await context.close();
    }
  });

  it('a password reset from "Forgot your password?" to signing in with the new password', async () => {
    const user = await registerUser(h.t, uniqueEmail('reset'), 'Remy Reset');
    const newPassword = 'a brand new passphrase 42';
    const earlier = await login(h.t, user.email);
    const { page, context } = await h.newPage();
    try {
      await h.go(page, '/login');
      await expectHeading(page, 'Sign in to Latchkey');
      await page.getByRole('link', { name: 'Forgot your password?' }).click();
      await expectHeading(page, 'Reset your password');
      await h.checkPage(page, 'forgot-password', 'Reset your password');
      const count = smtp.to(user.email).length;
      await page.getByLabel('Email').fill(user.email);
      await page.getByRole('button', { name: 'Send the link' }).click();
      await page.getByText(/a link to reset its password is on its way/).waitFor();
      await h.checkPage(page, 'forgot-password-sent', 'Reset your password');
      // An address without an account: the same words.
      await page.goto(`${h.base}/#/login`);
      await h.go(page, '/forgot-password');
      await page.getByLabel('Email').fill(uniqueEmail('nobody'));
      await page.getByRole('button', { name: 'Send the link' }).click();
      await page.getByText(/a link to reset its password is on its way/).waitFor();

      const mail = await mailTo(user.email, 'Reset your password', count);
      await page.goto(onThisApp(mail));
      await expectHeading(page, 'Choose a new password');
      expect(new URL(page.url()).hash).toBe('#/reset-password');
      await page.getByLabel('New password', { exact: true }).fill(newPassword);
      await page.getByLabel('New password again').fill(`${newPassword}!`);
      await page.getByRole('button', { name: 'Set the new password' }).click();
      await page.getByText('New password again is not the same as the new password').waitFor();
      await h.checkPage(page, 'reset-password-mismatch', 'Choose a new password');
      await page.getByLabel('New password again').fill(newPassword);
      await page.getByRole('button', { name: 'Set the new password' }).click();
      await expectHeading(page, 'Sign in to Latchkey');
      await page.getByText(/Your password is changed/).waitFor();
      await h.checkPage(page, 'reset-password-done', 'Sign in to Latchkey');
      // Every session ended; the new password signs in.
      await h.t.http().get('/v1/me').set(bearer(earlier)).expect(401);

      // Past the limit of requests from one address: 429, and the page says how long to wait.
      for (const attempt of [3, 4]) {
        await h.go(page, '/login');
        await page.getByRole('link', { name: 'Forgot your password?' }).click();
        await expectHeading(page, 'Reset your password');
        await page.getByLabel('Email').fill(user.email);
        await page.getByRole('button', { name: 'Send the link' }).click();
        if (attempt === 3) await page.getByText(/a link to reset its password is on its way/).waitFor();
      }
      await page.getByText('Too many attempts').waitFor();
      await page.getByText(/Try again in \d+ minutes?\./).waitFor();
      await h.checkPage(page, 'forgot-password-429', 'Reset your password');
      await signIn(page, user.email, newPassword);
    } finally {
      await context.close();
    }
  });

  it("an invitation mail's link opens the invitation page", async () => {
    const ws = await newWorkspace(h.t);
    const email = uniqueEmail('invitee');
    await h.t
      .http()
      .post(`/v1/workspaces/${ws.id}/invitations`)
      .set(bearer(ws.owner.personalToken))
      .send({ email, roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } })
      .expect(201);
    const mail = await mailTo(email, /invited/);
    const { page, context } = await h.newPage();
    try {
      await page.goto(onThisApp(mail));
      await expectHeading(page, `Join ${ws.name}`);
      expect(new URL(page.url()).pathname).toBe('/');
      await h.checkPage(page, 'invitation-link', `Join ${ws.name}`);
    } finally {
      await context.close();
    }
  });
});
