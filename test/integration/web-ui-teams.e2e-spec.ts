// The Teams page of the web console in Chromium, at 1280 and 390 px (see web-ui.support.ts): create a
// team, put a member in it (who then holds its role, as /v1/authorize says), edit it, take the member
// out and delete it. Skipped, saying so, without Chromium.
import type { Page } from 'playwright-core';
import { bearer, uniqueEmail, registerUser, markEmailVerified } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { BROWSER_TESTS_RUN, expectHeading, signInWithPassword, startHarness, type Harness, warnWithoutChromium } from './web-ui.support';

warnWithoutChromium('the web UI teams test');

(BROWSER_TESTS_RUN ? describe : describe.skip)('web UI: teams in a browser', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness('web-ui-teams');
  }, 120_000);

  afterEach(() => {
    expect(h.problems).toEqual([]);
  });

  afterAll(async () => {
    await h?.close();
  });

  const signIn = (page: Page, email: string) => signInWithPassword(h, page, email);

  it('creates a team, adds a member who then holds its role, edits it, removes the member and deletes it', async () => {
    const owner = await registerUser(h.t, uniqueEmail('teams-owner'), 'Tess Owner');
    await markEmailVerified(h.t, owner.id);
    const ws = await newWorkspace(h.t, owner, 'Team Works');
    await ws.role(['workspace:read', 'audit:read'], 'Auditor');
    const member = await ws.member('viewer');
    const authorize = () =>
      h.t.http().get('/v1/authorize').query({ workspaceId: ws.id, permission: 'audit:read' }).set(bearer(member.personalToken));
    await authorize().expect(403);

    const { page, context } = await h.newPage();
    try {
      await signIn(page, owner.email);
      await h.go(page, `/w/${ws.id}`);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Teams' }).click();
      await expectHeading(page, 'Teams');
      await page.getByText('No teams yet.').waitFor();

      const create = page.getByRole('form', { name: 'Create a team' });
      await create.getByLabel('Name', { exact: true }).fill('Field auditors');
      await create.getByRole('checkbox', { name: /^Auditor/ }).check();
      await create.getByRole('button', { name: 'Create team' }).click();
      const row = page.getByRole('row', { name: /Field auditors/ });
      await row.waitFor();
      // The owner role is not offered: ownership stays personal.
      expect(await create.getByRole('checkbox', { name: /^owner/ }).count()).toBe(0);

      await row.getByRole('button', { name: 'Add to Field auditors' }).click();
      const add = page.getByRole('dialog', { name: 'Add to "Field auditors"' });
      await add.getByLabel('Member or API user').selectOption({ label: member.email });
      await h.checkDialog(page, add, 'add-to-team');
      await add.getByRole('button', { name: 'Add to team' }).click();
      await row.getByText(member.email).waitFor();
      await authorize().expect(204);
      await h.checkPage(page, 'teams', 'Teams');

      await row.getByRole('button', { name: 'Edit Field auditors' }).click();
      const edit = page.getByRole('dialog', { name: 'Edit team "Field auditors"' });
      await h.checkDialog(page, edit, 'edit-team');
      await edit.getByRole('checkbox', { name: /^viewer/ }).check();
      await edit.getByRole('button', { name: 'Save' }).click();
      await page.getByText('Team "Field auditors" saved.').waitFor();
      await row.getByRole('list', { name: 'Roles' }).getByText('viewer').waitFor();

      await row.getByRole('button', { name: `Remove ${member.email} from Field auditors` }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Remove from team' }).click();
      await page.getByText(`${member.email} is out of "Field auditors".`).waitFor();
      await authorize().expect(403);

      await page
        .getByRole('row', { name: /Field auditors/ })
        .getByRole('button', { name: 'Delete Field auditors' })
        .click();
      await page.getByRole('dialog').getByRole('button', { name: 'Delete team' }).click();
      await page.getByText('No teams yet.').waitFor();
    } finally {
      await context.close();
    }
  });

  it('hides the Teams link from a viewer, who lacks teams:read', async () => {
    const owner = await registerUser(h.t, uniqueEmail('teams-owner2'));
    const ws = await newWorkspace(h.t, owner);
    const viewer = await ws.member('viewer');
    await markEmailVerified(h.t, viewer.id);
    const { page, context } = await h.newPage();
    try {
      await signIn(page, viewer.email);
      await h.go(page, `/w/${ws.id}`);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Members' }).waitFor();
      expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Teams' }).count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});
