// Rate limits and usage in the console (Chromium): the named tokens page shows each token's limit and
// its last 30 days as an inline chart, sets a limit through its dialog, and the workspace overview lists
// the tokens of the workspace nobody has used for 30 days. Skipped, saying so, without Chromium.
import type { Page } from 'playwright-core';
import { TokenUsageRecorder } from '../../src/tokens/token-usage.recorder';
import { bearer, createNamedToken, registerUser, uniqueEmail } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { BROWSER_TESTS_RUN, expectHeading, signInWithPassword, startHarness, type Harness, warnWithoutChromium } from './web-ui.support';

warnWithoutChromium('the web UI limits test');

(BROWSER_TESTS_RUN ? describe : describe.skip)('web UI: rate limits and usage in a browser', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness('web-ui-limits');
  }, 120_000);

  afterEach(() => {
    expect(h.problems).toEqual([]);
  });

  afterAll(async () => {
    await h?.close();
  });

  const signIn = (page: Page, email: string) => signInWithPassword(h, page, email);

  it("shows a token's usage chart and limit, sets the limit in its dialog, and lists unused tokens", async () => {
    const user = await registerUser(h.t, uniqueEmail('limits'), 'Lee Limits');
    const token = await createNamedToken(h.t, user.personalToken, { name: 'ci deploy', scopes: ['*'] });
    for (let i = 0; i < 3; i++) await h.t.http().get('/v1/me').set(bearer(token.secret)).expect(200);
    await h.t.app.get(TokenUsageRecorder).flush();
    const ws = await newWorkspace(h.t, user);
    const bot = await ws.apiUser({ roles: ['viewer'], name: 'idle bot' });
    const { page, context } = await h.newPage();
    try {
      await signIn(page, user.email);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Named tokens' }).click();
      await expectHeading(page, 'Named tokens');
      const row = page.getByRole('row', { name: /ci deploy/ });
      // No limit of its own: the Restrictions column shows none.
      expect(await row.getByText(/^Limit:/).count()).toBe(0);
      await row.getByRole('img', { name: '3 requests, 0 refused, in the last 30 days' }).waitFor();

      await row.getByRole('button', { name: 'Rate limit of ci deploy' }).click();
      const dialog = page.getByRole('dialog', { name: 'Rate limit of "ci deploy"' });
      await dialog.getByLabel('Requests').fill('0');
      await dialog.getByLabel('Window (seconds)').fill('60');
      await dialog.getByRole('button', { name: 'Save limit' }).click();
      // The server's refusal, next to the field.
      await dialog
        .getByText(/Requests/)
        .first()
        .waitFor();
      await dialog.locator('[aria-invalid="true"]').first().waitFor();
      await dialog.getByLabel('Requests').fill('600');
      await dialog.getByRole('button', { name: 'Save limit' }).click();
      await row.getByText('600 per minute').waitFor();
      const stored = await h.t.http().get(`/v1/me/tokens/${token.id}`).set(bearer(user.personalToken)).expect(200);
      expect(stored.body.rateLimit).toEqual({ limit: 600, windowSeconds: 60 });

      // The workspace overview: an API user's token nobody used for 30 days (a new sign-in: the first
      // session does not live that long).
      h.t.clock.advance(31 * 86_400_000);
      await signIn(page, user.email);
      await h.go(page, `/w/${ws.id}`);
      await expectHeading(page, ws.name);
      const unused = page.getByRole('table', { name: 'Tokens unused for 30 days' });
      await unused.getByRole('row', { name: /API user/ }).waitFor();
      expect(await unused.getByRole('row').count()).toBe(2);
      expect(bot.tokenId).toBeTruthy();
    } finally {
      await context.close();
    }
  });
});
