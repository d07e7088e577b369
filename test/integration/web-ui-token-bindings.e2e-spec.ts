// The console's token details in Chromium (docs/tokens.md): a named token made with a description,
// allowed networks and metadata; bad metadata named beside its field; disable and enable from the list,
// the same secret working again. Skipped, saying so, without Chromium.
import type { Page } from 'playwright-core';
import { bearer, registerUser, uniqueEmail } from '../support/api';
import {
  BROWSER_TESTS_RUN,
  expectHeading,
  secretShownOnce,
  signInWithPassword,
  startHarness,
  type Harness,
  warnWithoutChromium,
} from './web-ui.support';

warnWithoutChromium('the web UI token bindings test');

(BROWSER_TESTS_RUN ? describe : describe.skip)('web UI: token description, networks, metadata, disable and enable', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness('web-ui-token-bindings');
  }, 120_000);

  afterEach(() => {
    expect(h.problems).toEqual([]);
  });

  afterAll(async () => {
    await h?.close();
  });

  const signIn = (page: Page, email: string) => signInWithPassword(h, page, email);

  it('creates a described, network-bound token, disables it and enables it again', async () => {
    const user = await registerUser(h.t, uniqueEmail('bindings'), 'Bea Bindings');
    const { page, context } = await h.newPage();
    try {
      await signIn(page, user.email);
      await h.go(page, '/account/tokens');
      await expectHeading(page, 'Named tokens');
      await page.getByLabel('Name', { exact: true }).fill('Edge gateway');
      await page.getByRole('checkbox', { name: /account:read/ }).check();
      await page.getByLabel('Description').fill('Runs on the edge box — 東京');
      await page.getByLabel('Allowed networks').fill('127.0.0.0/8\n2001:db8::/32');
      // Not a JSON object: said beside the field, nothing sent.
      await page.getByLabel('Metadata (JSON object)').fill('[1, 2]');
      await page.getByRole('button', { name: 'Create token' }).click();
      await page.getByText('must be a JSON object').waitFor();
      await page.getByLabel('Metadata (JSON object)').fill('{"team": "ops"}');
      await page.getByRole('button', { name: 'Create token' }).click();
      const secret = await secretShownOnce(page, 'Token secret');
      await h.t.http().get('/v1/me').set(bearer(secret)).expect(200);
      const listed = await h.t.http().get('/v1/me/tokens').query({ kind: 'named' }).set(bearer(user.personalToken)).expect(200);
      expect(listed.body.items).toEqual([
        expect.objectContaining({
          name: 'Edge gateway',
          description: 'Runs on the edge box — 東京',
          allowedCidrs: ['127.0.0.0/8', '2001:db8::/32'],
          metadata: { team: 'ops' },
          enabled: true,
        }),
      ]);
      await page.getByRole('button', { name: 'I have stored it' }).click();

      const row = page.getByRole('row', { name: /Edge gateway/ });
      await row.getByText('Networks: 127.0.0.0/8, 2001:db8::/32').waitFor();
      await h.checkPage(page, 'named-tokens-bindings', 'Named tokens');

      await row.getByRole('button', { name: 'Disable Edge gateway' }).click();
      const dialog = page.getByRole('dialog', { name: 'Disable "Edge gateway"?' });
      await dialog.waitFor();
      await h.checkDialog(page, dialog, 'disable-token');
      await dialog.getByRole('button', { name: 'Disable token' }).click();
      await page.getByText('Token "Edge gateway" disabled.').waitFor();
      await row.getByText('Disabled').waitFor();
      // Not rotated while disabled; revoking stays possible.
      expect(await row.getByRole('button', { name: 'Rotate Edge gateway' }).count()).toBe(0);
      await row.getByRole('button', { name: 'Revoke Edge gateway' }).waitFor();
      await h.t.http().get('/v1/me').set(bearer(secret)).expect(401);

      await row.getByRole('button', { name: 'Enable Edge gateway' }).click();
      await page.getByText('Token "Edge gateway" enabled.').waitFor();
      await h.t.http().get('/v1/me').set(bearer(secret)).expect(200);

      // Edit: the dialog opens with the token's values; emptying the networks lifts the restriction.
      await row.getByRole('button', { name: 'Edit Edge gateway' }).click();
      const edit = page.getByRole('dialog', { name: 'Edit "Edge gateway"' });
      await edit.waitFor();
      expect(await edit.getByLabel('Allowed networks').inputValue()).toBe('127.0.0.0/8\n2001:db8::/32');
      await h.checkDialog(page, edit, 'edit-token');
      await edit.getByLabel('Allowed networks').fill('');
      await edit.getByLabel('Description').fill('Moved to the cloud');
      await edit.getByRole('button', { name: 'Save' }).click();
      await page.getByText('Token "Edge gateway" saved.').waitFor();
      const after = await h.t.http().get('/v1/me/tokens').query({ kind: 'named' }).set(bearer(user.personalToken)).expect(200);
      expect(after.body.items[0]).toMatchObject({ description: 'Moved to the cloud', allowedCidrs: null, metadata: { team: 'ops' } });
    } finally {
      await context.close();
    }
  });
});
