// The web console's account and platform screens in Chromium, at 1280 and 390 px (see
// web-ui.support.ts): the sessions page and "sign out others", a clear message when one's own
// session is revoked from a workspace, the lockout message with its wait, and the platform
// administration screens, shown to platform administrators only. Skipped, saying so, without Chromium.
import type { Page } from 'playwright-core';
import { bearer, createWorkspace, login, markEmailVerified, PASSWORD, registerUser, uniqueEmail } from '../support/api';
import { ADMIN_EMAIL } from '../support/test-app';
import { BROWSER_TESTS_RUN, expectHeading, startHarness, type Harness, warnWithoutChromium } from './web-ui.support';

warnWithoutChromium('the web UI account test');

(BROWSER_TESTS_RUN ? describe : describe.skip)('web UI: account and platform screens in a browser', () => {
  let h: Harness;

  beforeAll(async () => {
    // Two failures lock a sign-in from one address for the window (15 minutes), with no slow-down to wait through.
    h = await startHarness('web-ui-account', { LATCHKEY_LOGIN_MAX_FAILURES: '2', LATCHKEY_LOGIN_SLOWDOWN_MAX_MS: '0' });
  }, 120_000);

  afterEach(() => {
    expect(h.problems).toEqual([]);
  });

  afterAll(async () => {
    await h?.close();
  });

  async function signIn(page: Page, email: string, password = PASSWORD): Promise<void> {
    await h.go(page, '/login');
    await expectHeading(page, 'Sign in to Latchkey');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectHeading(page, 'Your profile');
  }

  it('lists the sessions with their browser, and signs out the others', async () => {
    const user = await registerUser(h.t, uniqueEmail('sessions'), 'Sam Sessions');
    const other = await login(h.t, user.email);
    const { page, context } = await h.newPage();
    try {
      await signIn(page, user.email);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sessions' }).click();
      await expectHeading(page, 'Sessions');
      const mine = page.getByRole('row', { name: /This browser/ });
      await mine.waitFor();
      expect(await mine.textContent()).toMatch(/ on Linux/);
      expect(await page.getByRole('row').count()).toBe(3);
      await h.checkPage(page, 'sessions', 'Sessions');

      await page.getByRole('button', { name: 'Sign out all other sessions' }).click();
      const dialog = page.getByRole('dialog', { name: 'Sign out all other sessions?' });
      await h.checkDialog(page, dialog, 'sign-out-others');
      await dialog.getByRole('button', { name: 'Sign out others' }).click();
      await page.getByText('One other session is signed out.').waitFor();
      await page.getByText('This browser is your only active session.').waitFor();
      await h.t.http().get('/v1/me').set(bearer(other)).expect(401);
    } finally {
      await context.close();
    }
  });

  it("says so when one's own session is revoked from a workspace's token list", async () => {
    const user = await registerUser(h.t, uniqueEmail('revoker'), 'Rae Revoker');
    const workspace = await createWorkspace(h.t, user.personalToken, 'Own Session Works');
    const { page, context } = await h.newPage();
    try {
      await signIn(page, user.email);
      await h.go(page, `/w/${workspace.id}/policy`);
      await expectHeading(page, 'Token policy');
      const row = page.getByRole('row', { name: /This browser/ });
      await row.getByRole('button', { name: /^Revoke here/ }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByText('This is the session this browser is using.').waitFor();
      await dialog.getByRole('button', { name: 'Revoke' }).click();
      await expectHeading(page, 'Sign in to Latchkey');
      await page.getByText(/You revoked the session this browser was using/).waitFor();
      await h.checkPage(page, 'signed-out-by-revoke', 'Sign in to Latchkey');
    } finally {
      await context.close();
    }
  });

  it('says how long to wait when sign-in is locked (Retry-After)', async () => {
    const user = await registerUser(h.t, uniqueEmail('locked'), 'Lee Locked');
    const { page, context } = await h.newPage();
    try {
      await h.go(page, '/login');
      await expectHeading(page, 'Sign in to Latchkey');
      await page.getByLabel('Email').fill(user.email);
      for (let attempt = 0; attempt < 3; attempt++) {
        await page.getByLabel('Password').fill(`wrong password ${attempt}`);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('alert').waitFor();
        if (attempt < 2) await page.getByRole('button', { name: 'Sign in' }).waitFor();
      }
      await page.getByRole('alert').getByText('Too many attempts').waitFor();
      // Said once: the server's detail carries the wait, or else the console reads it from Retry-After.
      await page
        .getByRole('alert')
        .getByText(/try again in 15 minutes/i)
        .waitFor();
      expect((await page.getByRole('alert').textContent())?.match(/try again in/gi)).toHaveLength(1);
      await h.checkPage(page, 'sign-in-locked', 'Sign in to Latchkey');
    } finally {
      await context.close();
    }
  });

  it('shows platform administration to a platform administrator only, with deactivate and reactivate', async () => {
    const admin = await registerUser(h.t, ADMIN_EMAIL, 'Pat Admin');
    await markEmailVerified(h.t, admin.id);
    const target = await registerUser(h.t, uniqueEmail('target'), 'Tia Target');
    const plain = await registerUser(h.t, uniqueEmail('plain'), 'Pia Plain');

    const { page: plainPage, context: plainContext } = await h.newPage();
    try {
      await signIn(plainPage, plain.email);
      const nav = plainPage.getByRole('navigation', { name: 'Main' });
      await nav.getByRole('link', { name: 'Sessions' }).waitFor();
      expect(await nav.getByRole('link', { name: 'Platform users' }).count()).toBe(0);
    } finally {
      await plainContext.close();
    }

    const { page, context } = await h.newPage();
    try {
      await signIn(page, admin.email);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Platform users' }).click();
      await expectHeading(page, 'Platform users');
      const row = page.getByRole('row', { name: new RegExp(target.email) });
      await row.waitFor();
      await h.checkPage(page, 'platform-users', 'Platform users');

      await row.getByRole('button', { name: `Deactivate ${target.email}` }).click();
      const dialog = page.getByRole('dialog', { name: `Deactivate ${target.email}?` });
      await h.checkDialog(page, dialog, 'deactivate-user');
      await dialog.getByRole('button', { name: 'Deactivate user' }).click();
      await page.getByText(`${target.email} is deactivated: their sessions and tokens stop working.`).waitFor();
      await h.t.http().get('/v1/me').set(bearer(target.personalToken)).expect(401);

      await row.getByRole('button', { name: `Reactivate ${target.email}` }).click();
      await page
        .getByRole('dialog', { name: `Reactivate ${target.email}?` })
        .getByRole('button', { name: 'Reactivate user' })
        .click();
      await page.getByText(`${target.email} can sign in again.`).waitFor();
      await login(h.t, target.email);
    } finally {
      await context.close();
    }
  });
});
