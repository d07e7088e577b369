// The web console served at /, driven through Debian's Chromium (playwright-core): an owner's first
// hour, through the browser only, with the API checked behind it. Every page and dialog is checked at
// 1280 and 390 px (web-ui.support.ts: no sideways scrolling, dialogs centred, labels beside their
// controls, axe-core clean) and kept as a screenshot in test-artifacts/web-ui/. Skipped, saying so,
// where Chromium is not installed (bash .ci/run installs it).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import type { BrowserContext, Page } from 'playwright-core';
import { APP_CONFIG, type AppConfig } from '../../src/config/app-config';
import { OutboxWorker } from '../../src/outbox/outbox-worker';
import { bearer, login, PASSWORD, uniqueEmail } from '../support/api';
import {
  BROWSER_TESTS_RUN,
  expectHeading,
  hasFocus,
  NARROW,
  secretShownOnce,
  startHarness,
  type Harness,
  warnWithoutChromium,
  WIDE,
} from './web-ui.support';

warnWithoutChromium('the web UI test');

(BROWSER_TESTS_RUN ? describe : describe.skip)('web UI in a browser', () => {
  let h: Harness;
  let a: Page;
  let b: Page;
  let contextB: BrowserContext;

  const emailA = uniqueEmail('ada');
  const emailB = uniqueEmail('grace');
  const workspaceName = 'Acme Greenhouses';
  const passwordA = 'a new and longer passphrase';
  let personalTokenA: string;
  let workspaceId: string;
  let invitationLink: string;

  beforeAll(async () => {
    h = await startHarness('web-ui');
    a = (await h.newPage()).page;
    ({ page: b, context: contextB } = await h.newPage());
  }, 120_000);

  afterEach(() => {
    expect(h.problems).toEqual([]);
  });

  afterAll(async () => {
    await h?.close();
  });

  const checkPage = (page: Page, name: string, heading: string | RegExp) => h.checkPage(page, name, heading);
  const go = (page: Page, path: string) => h.go(page, path);

  it('sends a signed-out visitor to sign-in, and shows a server validation error next to its field', async () => {
    await go(a, '/');
    await checkPage(a, 'login', 'Sign in to Latchkey');
    expect(a.url()).toMatch(/#\/login$/);
    // Limits are known while typing: maxlength from the API's schema.
    expect(await a.getByLabel('Email').getAttribute('maxlength')).toBe('254');

    await a.getByRole('link', { name: 'Create an account' }).click();
    await expectHeading(a, 'Create your Latchkey account');
    await a.getByLabel('Name').fill('Ada Lovelace');
    await a.getByLabel('Email').fill(emailA);
    await a.getByLabel('Password').fill('too short');
    await a.getByRole('button', { name: 'Create account' }).click();

    // The API's 400 names "password": the message sits under that field, which is marked and focused.
    const password = a.getByLabel('Password');
    const error = a.locator('.field-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/Password must be at least 12 characters long/);
    expect(await password.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await password.getAttribute('aria-describedby')) ?? '';
    expect(describedBy.split(' ')).toContain(await error.getAttribute('id'));
    expect(await hasFocus(password)).toBe(true);
    await expect(a.getByRole('alert').textContent()).resolves.toContain('One field needs attention');
    // A request id is for support: folded away, not in the message.
    expect(
      await a
        .getByRole('alert')
        .getByText(/Request id/)
        .isVisible(),
    ).toBe(false);
    await checkPage(a, 'register', 'Create your Latchkey account');
  });

  it('registers, signs in with a session and shows the personal token once, with a copy button', async () => {
    await a.getByLabel('Password').fill(PASSWORD);
    await a.getByRole('button', { name: 'Create account' }).click();
    await expectHeading(a, 'Personal token');
    personalTokenA = await secretShownOnce(a, 'Personal token secret');
    expect(personalTokenA).toMatch(/^lkp_/);
    const me = await h.t.http().get('/v1/me').set(bearer(personalTokenA)).expect(200);
    expect(me.body.email).toBe(emailA);

    // The page keeps a login session (lks_) in sessionStorage, never the personal token.
    const stored = (await a.evaluate('JSON.stringify(Object.entries(sessionStorage))')) as string;
    expect(stored).toMatch(/lks_/);
    expect(stored).not.toContain(personalTokenA);
    await a.getByRole('button', { name: 'Copy' }).click();
    await a.getByText(/Copied to the clipboard|The text is selected/).waitFor();
    await checkPage(a, 'personal-token', 'Personal token');

    // Shown once: after a reload the details stay, the secret is gone.
    await a.reload();
    await expectHeading(a, 'Personal token');
    await a.getByRole('heading', { name: 'Token details' }).waitFor();
    expect(await a.getByTestId('secret-once').count()).toBe(0);
    expect(await a.content()).not.toContain(personalTokenA);
  });

  it('changes the password on the profile page and stays signed in with a new session', async () => {
    await a.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Profile' }).click();
    await checkPage(a, 'profile', 'Your profile');
    expect(await a.getByLabel('Name').inputValue()).toBe('Ada Lovelace');

    const before = (await a.evaluate('sessionStorage.getItem("latchkey.session")')) as string;
    await a.getByLabel('Current password').fill(PASSWORD);
    await a.getByLabel('New password', { exact: true }).fill(passwordA);
    await a.getByLabel('Repeat the new password').fill(`${passwordA}?`);
    await a.getByRole('button', { name: 'Change password' }).click();
    const repeat = a.getByLabel('Repeat the new password');
    await a.getByText('Repeat the new password does not match the new password').waitFor();
    expect(await hasFocus(repeat)).toBe(true);

    await repeat.fill(passwordA);
    await a.getByRole('button', { name: 'Change password' }).click();
    await a.getByText('Password changed. Your other sessions have been signed out.').waitFor();
    const after = (await a.evaluate('sessionStorage.getItem("latchkey.session")')) as string;
    expect(after).toMatch(/^lks_/);
    expect(after).not.toBe(before);
    await h.t.http().get('/v1/me').set(bearer(before)).expect(401);
    await h.t.http().get('/v1/me').set(bearer(after)).expect(200);
  });

  it('creates a workspace and switches to it', async () => {
    await go(a, '/workspaces');
    await expectHeading(a, 'Workspaces');
    await a.getByLabel('Workspace name').fill(workspaceName);
    await a.getByRole('button', { name: 'Create workspace' }).click();
    await expectHeading(a, workspaceName);
    workspaceId = /#\/w\/([0-9a-f-]{36})$/.exec(a.url())?.[1] ?? '';
    const listed = await h.t.http().get('/v1/workspaces').set(bearer(personalTokenA)).expect(200);
    expect(listed.body.items.map((w: { id: string; name: string }) => [w.id, w.name])).toEqual([[workspaceId, workspaceName]]);
    expect(await a.getByLabel('Workspace', { exact: true }).inputValue()).toBe(workspaceId);
    await checkPage(a, 'workspace-overview', workspaceName);
    await go(a, '/workspaces');
    await checkPage(a, 'workspaces', 'Workspaces');
  });

  it('adds devices, shows a taken serial next to its field, renames one in a dialog, and wraps a long unbroken name', async () => {
    await go(a, `/w/${workspaceId}/devices`);
    await expectHeading(a, 'Devices');
    const long = `Greenhouse${'X'.repeat(150)}`;
    for (const [name, serial] of [
      ['Sensor 1', 'SN-001'],
      ['Sensor 2', 'SN-002'],
      [long, 'SN-LONG'],
    ]) {
      await a.getByLabel('Device name').fill(name);
      await a.getByLabel('Serial').fill(serial);
      await a.getByRole('button', { name: 'Add device' }).click();
      await a.getByRole('rowheader', { name }).waitFor();
    }
    expect(await a.getByLabel('Device name').getAttribute('maxlength')).toBe('200');
    await a.getByLabel('Device name').fill('Sensor 1 again');
    await a.getByLabel('Serial').fill('SN-001');
    await a.getByRole('button', { name: 'Add device' }).click();
    const serial = a.getByLabel('Serial');
    await a.getByText('A device with serial "SN-001" exists in this workspace.').waitFor();
    expect(await serial.getAttribute('aria-invalid')).toBe('true');

    // Edit from the row: the dialog is drawn outside the table, centred, each field with its label.
    await a.getByRole('button', { name: 'Edit device Sensor 2' }).click();
    const dialog = a.getByRole('dialog', { name: 'Edit device "Sensor 2"' });
    await h.checkDialog(a, dialog, 'edit-device');
    await dialog.getByLabel('Device name').fill('Sensor 2 (greenhouse)');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await a.getByText('Device "Sensor 2 (greenhouse)" saved.').waitFor();
    const devices = await h.t.http().get(`/v1/workspaces/${workspaceId}/devices`).set(bearer(personalTokenA)).expect(200);
    expect(devices.body.items.map((d: { name: string }) => d.name).sort()).toEqual([long, 'Sensor 1', 'Sensor 2 (greenhouse)'].sort());
    await checkPage(a, 'devices', 'Devices');
  });

  it('refuses an invitation to "selected devices" with none ticked, then invites a second person and shows the link once', async () => {
    await go(a, `/w/${workspaceId}/invitations`);
    await expectHeading(a, 'Invitations');
    await a.getByLabel('Email address').fill(emailB);
    await a.getByLabel('Only selected devices').check();
    await a.getByRole('button', { name: 'Create invitation' }).click();
    await a.getByText(/Devices must have at least one ticked/).waitFor();
    const none = await h.t.http().get(`/v1/workspaces/${workspaceId}/invitations`).set(bearer(personalTokenA)).expect(200);
    expect(none.body.items).toEqual([]);

    await a.getByLabel('All devices').check();
    await a.getByRole('button', { name: 'Create invitation' }).click();
    invitationLink = await secretShownOnce(a, 'Invitation link');
    expect(invitationLink).toMatch(new RegExp(`^${h.base}/#/accept\\?token=lki_`));
    await a.getByRole('rowheader', { name: new RegExp(emailB) }).waitFor();
    await checkPage(a, 'invitations', 'Invitations');

    // A pending invitation is changed in place (roles, devices), from its row: the link stays.
    await a.getByRole('button', { name: `Edit the invitation for ${emailB}` }).click();
    const dialog = a.getByRole('dialog', { name: `Edit the invitation for ${emailB}` });
    await h.checkDialog(a, dialog, 'edit-invitation');
    await dialog.getByLabel('Only selected devices').check();
    await dialog.getByLabel('Sensor 1', { exact: true }).check();
    await dialog.getByLabel('Sensor 2 (greenhouse)', { exact: true }).check();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await a.getByText(`The invitation for ${emailB} is saved. Its link is unchanged.`).waitFor();
    await a
      .getByRole('row', { name: new RegExp(emailB) })
      .getByText(/2 devices: .*Sensor 1/)
      .waitFor();
  });

  it('lets the invited person sign up from the link and accept; Continue comes after the secret and its Copy button', async () => {
    await b.goto(invitationLink);
    // The landing page says what the link is: the workspace, who sent it, to which address, roles and devices by name.
    await checkPage(b, 'invitation-landing', `Join ${workspaceName}`);
    const details = (await b.locator('dl.details').textContent()) ?? '';
    expect(details).toContain('Ada Lovelace');
    expect(details).toContain(`${emailB[0]}***@example.com`);
    expect(details).toMatch(/Rolesmember/);
    expect(details).toMatch(/Sensor 1, Sensor 2 \(greenhouse\)|Sensor 2 \(greenhouse\), Sensor 1/);
    await b.getByRole('link', { name: 'Create an account' }).click();
    await expectHeading(b, 'Create your Latchkey account');
    await b.getByLabel('Name').fill('Grace Hopper');
    await b.getByLabel('Email').fill(emailB);
    await b.getByLabel('Password').fill(PASSWORD);
    await b.getByRole('button', { name: 'Create account' }).click();
    await expectHeading(b, 'Personal token');
    expect(await secretShownOnce(b, 'Personal token secret')).toMatch(/^lkp_/);
    const copy = await b.getByRole('button', { name: 'Copy' }).boundingBox();
    const next = await b.getByRole('link', { name: 'Continue' }).boundingBox();
    expect(next!.y).toBeGreaterThan(copy!.y + copy!.height);

    await b.getByRole('link', { name: 'Continue' }).click();
    await expectHeading(b, `Join ${workspaceName}`);
    // Accepting needs a verified address: the banner says so, and the link of the mail the app wrote
    // (an .eml file in its data directory, without SMTP) is followed in this tab, still signed in.
    await b.locator('.verify-banner').getByText('Verify your address:').waitFor();
    await h.t.app.get(OutboxWorker).drainDue();
    const folder = h.t.app.get<AppConfig>(APP_CONFIG).mail.dropDir;
    let link: URL | undefined;
    for (const file of readdirSync(folder).filter((f) => f.includes('verify-email'))) {
      const mail = await simpleParser(readFileSync(join(folder, file)));
      const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
      if (to?.value[0]?.address === emailB) link = new URL(/https?:\/\/\S+/.exec(mail.text ?? '')![0]);
    }
    await b.goto(`${h.base}${link!.pathname}${link!.hash}`);
    await b.getByText('Your address is verified.').waitFor();
    await b.goto(invitationLink);
    await checkPage(b, 'accept-invitation', `Join ${workspaceName}`);
    await b.getByRole('button', { name: 'Accept invitation' }).click();
    await expectHeading(b, workspaceName);
    expect(b.url()).toContain(`#/w/${workspaceId}`);
  });

  it('shows a member only what the server says they may use', async () => {
    const nav = b.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Members' }).waitFor();
    const links = await nav.getByRole('list', { name: workspaceName }).getByRole('link').allTextContents();
    expect(links).toEqual(['Overview', 'Members', 'Invitations', 'Roles', 'Devices']);
    await checkPage(b, 'member-overview', workspaceName);
    await go(b, `/w/${workspaceId}/devices`);
    await expectHeading(b, 'Devices');
    expect(await b.getByRole('heading', { name: 'Add a device' }).count()).toBe(0);
    expect(await b.getByRole('button', { name: /^Delete device/ }).count()).toBe(0);
    await checkPage(b, 'member-devices', 'Devices');
    // Invitations are listed to whoever may read members, without the buttons to change them.
    await go(b, `/w/${workspaceId}/invitations`);
    await expectHeading(b, 'Invitations');
    expect(await b.getByRole('heading', { name: 'Invite someone' }).count()).toBe(0);
    expect(await b.getByRole('button', { name: /^Revoke the invitation/ }).count()).toBe(0);
    await checkPage(b, 'member-invitations', 'Invitations');
    await go(b, '/account/invitations');
    await checkPage(b, 'my-invitations', 'Invitations');
  });

  it('shows the new member to the owner, and edits their access in a dialog whose labels sit beside their boxes', async () => {
    await go(a, `/w/${workspaceId}/members`);
    await expectHeading(a, 'Members');
    const row = a.getByRole('row', { name: new RegExp(emailB) });
    await row.waitFor();
    expect(await row.textContent()).toMatch(
      /Grace Hopper.*member.*2 devices: (Sensor 1, Sensor 2 \(greenhouse\)|Sensor 2 \(greenhouse\), Sensor 1)/,
    );
    await checkPage(a, 'members', 'Members');

    await row.getByRole('button', { name: 'Edit Grace Hopper' }).click();
    const dialog = a.getByRole('dialog', { name: 'Edit Grace Hopper' });
    await h.checkDialog(a, dialog, 'edit-member');
    await dialog.getByRole('checkbox', { name: 'admin' }).check();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await a.getByText("Grace Hopper's access is saved.").waitFor();
    const members = await h.t.http().get(`/v1/workspaces/${workspaceId}/members`).set(bearer(personalTokenA)).expect(200);
    const grace = members.body.items.find((m: { email: string }) => m.email === emailB);
    expect(grace.roles.map((r: { name: string }) => r.name).sort()).toEqual(['admin', 'member']);

    await go(a, `/w/${workspaceId}/roles`);
    await expectHeading(a, 'Roles');
    await a.getByLabel('Role name').fill('Operator');
    await a.getByRole('checkbox', { name: 'devices:read' }).check();
    await a.getByRole('checkbox', { name: 'devices:update' }).check();
    await a.getByRole('button', { name: 'Create role' }).click();
    await a.getByText('Role "Operator" created.').waitFor();
    await checkPage(a, 'roles', 'Roles');
    await a.getByRole('button', { name: 'Edit role Operator' }).click();
    const roleDialog = a.getByRole('dialog', { name: 'Edit role "Operator"' });
    await h.checkDialog(a, roleDialog, 'edit-role');
    await roleDialog.getByRole('button', { name: 'Cancel' }).click();
  });

  it('creates an API user limited to one device, edits it, and offers its tokens only the scopes its roles grant', async () => {
    await go(a, `/w/${workspaceId}/api-users`);
    await expectHeading(a, 'API users');
    await a.getByLabel('Name', { exact: true }).fill('Dashboard');
    await a.getByLabel('Only selected devices').check();
    await a.getByLabel('Sensor 1', { exact: true }).check();
    await a.getByRole('button', { name: 'Create API user' }).click();
    const secret = await secretShownOnce(a, 'API user token secret');
    expect(secret).toMatch(/^lka_/);
    await a
      .getByRole('row', { name: /Dashboard/ })
      .getByText('Only Sensor 1')
      .waitFor();

    const devices = await h.t.http().get(`/v1/workspaces/${workspaceId}/devices`).set(bearer(personalTokenA)).expect(200);
    const id = (serial: string) => devices.body.items.find((d: { serial: string }) => d.serial === serial).id;
    const check = (deviceId: string) =>
      h.t.http().get('/v1/authorize').query({ workspaceId, permission: 'devices:read', deviceId }).set(bearer(secret));
    expect((await check(id('SN-001'))).status).toBe(204);
    expect((await check(id('SN-002'))).status).toBe(403);
    await checkPage(a, 'api-users', 'API users');

    await a.getByRole('button', { name: 'Edit Dashboard' }).click();
    const dialog = a.getByRole('dialog', { name: 'Edit API user "Dashboard"' });
    await h.checkDialog(a, dialog, 'edit-api-user');
    await dialog.getByLabel('Name', { exact: true }).fill('Dashboard ingest');
    await dialog.getByLabel('Disabled').check();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await a.getByText('API user "Dashboard ingest" saved.').waitFor();
    expect((await check(id('SN-001'))).status).toBe(401);

    await a.getByRole('link', { name: 'Dashboard ingest', exact: true }).click();
    await expectHeading(a, 'API user: Dashboard ingest');
    // A viewer: the token form offers what viewer grants, nothing it cannot.
    await a.getByRole('checkbox', { name: /devices:read/ }).waitFor();
    expect(await a.getByRole('checkbox', { name: /devices:delete/ }).count()).toBe(0);
    expect(await a.getByRole('checkbox', { name: /api_users:manage/ }).count()).toBe(0);
    await checkPage(a, 'api-user', 'API user: Dashboard ingest');
  });

  it("adds a trust rule to an API user's page (errors beside their fields), lists it and deletes it", async () => {
    await go(a, `/w/${workspaceId}/api-users`);
    await a.getByRole('link', { name: 'Dashboard ingest', exact: true }).click();
    await expectHeading(a, 'API user: Dashboard ingest');
    await a.getByText('No trust rules.').waitFor();
    expect(await a.getByLabel('Issuer').inputValue()).toBe('https://token.actions.githubusercontent.com');
    expect(await a.getByLabel('Issuer').getAttribute('maxlength')).toBe('512');
    await a.getByLabel('Audience').fill('https://latchkey.example.com');
    // Only wildcards would trust every repository: the server says so under the conditions.
    await a.getByLabel(/^Claim conditions/).fill('repository=*');
    await a.getByRole('button', { name: 'Add trust rule' }).click();
    const error = a.locator('.field-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/must pin the token down/);
    expect(await a.getByLabel(/^Claim conditions/).getAttribute('aria-invalid')).toBe('true');

    await a.getByLabel(/^Claim conditions/).fill('repository=acme/greenhouse\nref=refs/heads/*');
    await a.getByRole('button', { name: 'Add trust rule' }).click();
    await a.getByText('Trust rule added.').waitFor();
    const row = a.getByRole('row', { name: /token\.actions\.githubusercontent\.com/ });
    // jsonb keeps keys in its own order (shorter first).
    await row.getByText('ref=refs/heads/*, repository=acme/greenhouse').waitFor();
    const session = await login(h.t, emailA, passwordA);
    const apiUsers = await h.t.http().get(`/v1/workspaces/${workspaceId}/api-users`).set(bearer(session)).expect(200);
    const dashboard = apiUsers.body.items.find((u: { name: string }) => u.name === 'Dashboard ingest');
    const rules = await h.t
      .http()
      .get(`/v1/workspaces/${workspaceId}/api-users/${dashboard.id}/trust-rules`)
      .set(bearer(session))
      .expect(200);
    expect(rules.body.items).toEqual([
      expect.objectContaining({ audience: 'https://latchkey.example.com', claims: { repository: 'acme/greenhouse', ref: 'refs/heads/*' } }),
    ]);
    await checkPage(a, 'api-user-trust-rules', 'API user: Dashboard ingest');

    await row.getByRole('button', { name: 'Delete trust rule for https://token.actions.githubusercontent.com' }).click();
    const dialog = a.getByRole('dialog', { name: 'Delete this trust rule?' });
    await dialog.getByRole('button', { name: 'Delete rule' }).click();
    await a.getByText('Trust rule deleted.').waitFor();
    await a.getByText('No trust rules.').waitFor();
  });

  it('creates a named token from the catalog (a fresh 7-day token is not "expiring soon"), and revokes it', async () => {
    await go(a, '/account/tokens');
    await expectHeading(a, 'Named tokens');
    await a.getByLabel('Name', { exact: true }).fill('CI deploy');
    await a.getByRole('checkbox', { name: /account:read/ }).check();
    await a.getByRole('checkbox', { name: /devices:read/ }).check();
    await a.getByLabel('Expires in').selectOption('7');
    await a.getByRole('button', { name: 'Create token' }).click();
    const secret = await secretShownOnce(a, 'Token secret');
    expect(secret).toMatch(/^lkp_/);
    await h.t.http().get('/v1/me').set(bearer(secret)).expect(200);
    const listed = await h.t.http().get('/v1/me/tokens').query({ kind: 'named' }).set(bearer(personalTokenA)).expect(200);
    expect(listed.body.items).toEqual([expect.objectContaining({ name: 'CI deploy', scopes: ['account:read', 'devices:read'] })]);

    const row = a.getByRole('row', { name: /CI deploy/ });
    await row.waitFor();
    expect(await row.getByText('Expires soon').count()).toBe(0);
    expect((await row.getAttribute('class')) ?? '').not.toContain('row-warning');
    await checkPage(a, 'named-tokens', 'Named tokens');

    // Dismissing the secret removes it and hands the focus back to the page's heading.
    await a.getByRole('button', { name: 'I have stored it' }).click();
    await a.getByTestId('secret-once').waitFor({ state: 'detached' });
    expect(await hasFocus(a.getByRole('heading', { level: 1, name: 'Named tokens' }))).toBe(true);

    await row.getByRole('button', { name: 'Revoke CI deploy' }).click();
    const dialog = a.getByRole('dialog', { name: 'Revoke "CI deploy"?' });
    // The dialog opens on Cancel; confirming is a deliberate second step.
    await dialog.waitFor();
    expect(await hasFocus(dialog.getByRole('button', { name: 'Cancel' }))).toBe(true);
    await h.checkDialog(a, dialog, 'revoke-token');
    await dialog.getByRole('button', { name: 'Revoke token' }).click();
    await a.getByText('Token "CI deploy" revoked.').waitFor();
    await a.getByText('No named tokens yet').waitFor();
    await h.t.http().get('/v1/me').set(bearer(secret)).expect(401);
  });

  it('ROT: shows a rotated-out secret as rotated, "stops working in 60 minutes", with a Revoke that ends the whole chain', async () => {
    const created = await h.t
      .http()
      .post('/v1/me/tokens')
      .set(bearer(personalTokenA))
      .send({ name: 'Old deploy', scopes: ['account:read'] })
      .expect(201);
    const rotated = await h.t
      .http()
      .post(`/v1/me/tokens/${created.body.id}/rotate`)
      .set(bearer(personalTokenA))
      .send({ graceSeconds: 3600 })
      .expect(200);
    // Away and back, so the list is loaded afresh (the previous test ends on it).
    await go(a, `/w/${workspaceId}/policy`);
    await expectHeading(a, 'Token policy');
    await go(a, '/account/tokens');
    await expectHeading(a, 'Named tokens');
    const oldRow = a.getByRole('row', { name: /Old deploy/ }).filter({ hasText: 'Rotated' });
    await oldRow.getByText(/old secret stops working in /).waitFor();
    expect(await oldRow.getByRole('button', { name: /^Rotate/ }).count()).toBe(0);
    await oldRow.getByRole('button', { name: 'Revoke Old deploy' }).click();
    const dialog = a.getByRole('dialog', { name: 'Revoke "Old deploy"?' });
    await dialog.getByText(/the secret that replaced it both stop working/).waitFor();
    await dialog.getByRole('button', { name: 'Revoke token' }).click();
    await a.getByText('Token "Old deploy" revoked.').waitFor();
    await h.t.http().get('/v1/me').set(bearer(created.body.secret)).expect(401);
    await h.t.http().get('/v1/me').set(bearer(rotated.body.secret)).expect(401);
  });

  it('changes the token policy, saying rightly what "personal tokens" covers', async () => {
    await go(a, `/w/${workspaceId}/policy`);
    await expectHeading(a, 'Token policy');
    await a.getByText(/named tokens too/).waitFor();
    await a.getByLabel(/Maximum token lifetime/).fill('30');
    // First what it would do, from the server: the never-expiring personal tokens would be cut off.
    await a.getByRole('button', { name: 'Preview the change' }).click();
    const preview = a.getByTestId('policy-preview');
    await preview.getByText(/tokens? that works? here now would stop working here/).waitFor();
    await preview.getByRole('list', { name: 'Tokens that would stop working here' }).getByText(emailA).waitFor();
    await checkPage(a, 'token-policy-preview', 'Token policy');
    const unchanged = await h.t.http().get(`/v1/workspaces/${workspaceId}/token-policy`).set(bearer(personalTokenA)).expect(200);
    expect(unchanged.body.maxLifetimeDays).toBeNull();
    await a.getByRole('button', { name: /^Save and cut off/ }).click();
    await a.getByText('Token policy saved.').waitFor();
    // The personal token never expires, so from now on this workspace refuses it: a login session asks.
    await h.t.http().get(`/v1/workspaces/${workspaceId}/token-policy`).set(bearer(personalTokenA)).expect(403);
    const session = await login(h.t, emailA, passwordA);
    const policy = await h.t.http().get(`/v1/workspaces/${workspaceId}/token-policy`).set(bearer(session)).expect(200);
    expect(policy.body).toEqual({ maxLifetimeDays: 30, allowPersonalTokens: true, revokeUnusedAfterDays: null });
    await a
      .getByRole('row', { name: /API user/ })
      .first()
      .waitFor();
    await checkPage(a, 'token-policy', 'Token policy');

    // Under a 30-day maximum the API user's token form offers nothing longer, and no "Never".
    await go(a, `/w/${workspaceId}/api-users`);
    await a.getByRole('link', { name: 'Dashboard ingest', exact: true }).click();
    await expectHeading(a, 'API user: Dashboard ingest');
    const options = await a.getByLabel('Expires in').locator('option').allTextContents();
    expect(options).toEqual(['7 days', '30 days (the longest this workspace allows)']);

    // A new API user's first token too: offered only lifetimes the policy accepts, and made with one.
    await go(a, `/w/${workspaceId}/api-users`);
    await expectHeading(a, 'API users');
    const firstToken = a.getByLabel('Its first token expires in');
    expect(await firstToken.locator('option').allTextContents()).toEqual(['7 days', '30 days (the longest this workspace allows)']);
    await a.getByLabel('Name', { exact: true }).fill('Nightly export');
    await a.getByRole('button', { name: 'Create API user' }).click();
    expect(await secretShownOnce(a, 'API user token secret')).toMatch(/^lka_/);
    const apiUsers = await h.t.http().get(`/v1/workspaces/${workspaceId}/api-users`).set(bearer(session)).expect(200);
    const nightlyUser = apiUsers.body.items.find((u: { name: string }) => u.name === 'Nightly export');
    const nightlyTokens = await h.t
      .http()
      .get(`/v1/workspaces/${workspaceId}/api-users/${nightlyUser.id}/tokens`)
      .set(bearer(session))
      .expect(200);
    const lifetime = Date.parse(nightlyTokens.body.items[0].expiresAt) - Date.parse(nightlyTokens.body.items[0].createdAt);
    expect(lifetime).toBe(30 * 86_400_000);

    // A named token restricted to this workspace is offered the same: nothing the policy would refuse.
    await go(a, '/account/tokens');
    await expectHeading(a, 'Named tokens');
    expect(await a.getByLabel('Expires in').locator('option').allTextContents()).toContain('Never');
    await a.getByRole('checkbox', { name: workspaceName }).check();
    await a.getByText(`The workspaces ticked below accept tokens of at most 30 days.`).waitFor();
    expect(await a.getByLabel('Expires in').locator('option').allTextContents()).toEqual([
      '7 days',
      '30 days (the longest this workspace allows)',
    ]);
  });

  it('shows the audit log with names, expandable details, filters and an export', async () => {
    await go(a, `/w/${workspaceId}/audit`);
    await expectHeading(a, 'Audit log');
    await a.getByRole('rowheader', { name: 'member.joined' }).waitFor();
    await a.getByRole('rowheader', { name: 'api_user.created' }).first().waitFor();
    await checkPage(a, 'audit-log', 'Audit log');

    // Details fold out in full, not cut off.
    const created = a.getByRole('row', { name: /api_user\.created.*Dashboard/ });
    await created.locator('summary').click();
    await created.getByText(/"deviceAccess"/).waitFor();

    // Every device event, by an action prefix; then one device, by what it is about.
    await a.getByLabel('Action').fill('device.');
    await a.getByRole('button', { name: 'Apply filters' }).click();
    await a.getByRole('rowheader', { name: 'api_user.created' }).first().waitFor({ state: 'detached' });
    const deviceActions = await a.getByRole('rowheader').allTextContents();
    expect(deviceActions.length).toBeGreaterThanOrEqual(4);
    expect(deviceActions.every((action) => action.startsWith('device.'))).toBe(true);
    await a.getByLabel('About').selectOption('device');
    await a.getByLabel('Which one').selectOption({ label: 'Sensor 2 (greenhouse)' });
    await a.getByRole('button', { name: 'Apply filters' }).click();
    // Down to two rows: a third one gone.
    await a.locator('main tbody th[scope="row"]').nth(2).waitFor({ state: 'detached' });
    expect((await a.getByRole('rowheader').allTextContents()).sort()).toEqual(['device.created', 'device.updated']);
    await a.getByRole('button', { name: 'Clear filters' }).click();

    // Filtered by who did it and when: Grace joined today, nothing else of hers.
    const today = new Date().toISOString().slice(0, 10);
    await a.getByLabel('By').selectOption({ label: `Grace Hopper (${emailB})` });
    await a.getByLabel('From').fill(today);
    await a.getByLabel('Until (included)').fill(today);
    await a.getByRole('button', { name: 'Apply filters' }).click();
    await a.getByRole('rowheader', { name: 'api_user.created' }).first().waitFor({ state: 'detached' });
    expect(await a.getByRole('rowheader').allTextContents()).toEqual(['member.joined']);

    // Exported by the server as the filters select them.
    const [download] = await Promise.all([a.waitForEvent('download'), a.getByRole('button', { name: 'Export JSON' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^audit-acme-greenhouses-\d{4}-\d{2}-\d{2}\.json$/);
    const exported = JSON.parse(readFileSync((await download.path()) as string, 'utf8')) as { items: Array<{ action: string }> };
    expect(exported.items.map((e) => e.action)).toEqual(['member.joined']);
    const [csv] = await Promise.all([a.waitForEvent('download'), a.getByRole('button', { name: 'Export CSV' }).click()]);
    const lines = readFileSync((await csv.path()) as string, 'utf8')
      .trim()
      .split(/\r?\n/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('member.joined');
    await checkPage(a, 'audit-log-filtered', 'Audit log');
  });

  it('switches workspace on the same page, and deletes a workspace only once its name is typed', async () => {
    await go(a, '/workspaces');
    await expectHeading(a, 'Workspaces');
    await a.getByLabel('Workspace name').fill('Scratch');
    await a.getByRole('button', { name: 'Create workspace' }).click();
    await expectHeading(a, 'Scratch');
    const scratchId = /#\/w\/([0-9a-f-]{36})$/.exec(a.url())?.[1] ?? '';

    await go(a, `/w/${workspaceId}/devices`);
    await expectHeading(a, 'Devices');
    await a.getByLabel('Workspace', { exact: true }).selectOption(scratchId);
    await a.getByRole('button', { name: 'Switch' }).click();
    await expectHeading(a, 'Devices');
    expect(a.url()).toContain(`#/w/${scratchId}/devices`);

    await go(a, `/w/${scratchId}`);
    await expectHeading(a, 'Scratch');
    await a.getByRole('button', { name: 'Delete workspace' }).click();
    const dialog = a.getByRole('dialog', { name: 'Delete Scratch?' });
    await dialog.getByLabel(/to confirm/).fill('Scratc');
    await dialog.getByRole('button', { name: 'Delete workspace' }).click();
    await dialog.getByText('What you typed is not the name. Nothing was deleted.').waitFor();
    await h.checkDialog(a, dialog, 'delete-workspace');
    await h.t
      .http()
      .get(`/v1/workspaces/${scratchId}`)
      .set(bearer(await login(h.t, emailA, passwordA)))
      .expect(200);
    await dialog.getByLabel(/to confirm/).fill('Scratch');
    await dialog.getByRole('button', { name: 'Delete workspace' }).click();
    await expectHeading(a, 'Workspaces');
    await a.getByText('Scratch was deleted.').waitFor();
  });

  it('at 390 px: a Menu button folds the navigation, and row actions open dialogs that fit', async () => {
    await a.setViewportSize(NARROW);
    try {
      await go(a, `/w/${workspaceId}/members`);
      await expectHeading(a, 'Members');
      const nav = a.getByRole('navigation', { name: 'Main' });
      const menu = nav.getByRole('button', { name: /Menu/ });
      expect(await menu.getAttribute('aria-expanded')).toBe('false');
      expect(await nav.getByRole('link', { name: 'Devices' }).isVisible()).toBe(false);
      await menu.click();
      await nav.getByRole('link', { name: 'Devices' }).click();
      await expectHeading(a, 'Devices');
      expect(await menu.getAttribute('aria-expanded')).toBe('false');
      await a.getByRole('button', { name: 'Delete device Sensor 1' }).click();
      const dialog = a.getByRole('dialog', { name: 'Delete "Sensor 1"?' });
      await h.checkDialog(a, dialog, 'delete-device');
      await a.setViewportSize(NARROW);
      await dialog.getByRole('button', { name: 'Cancel' }).click();
    } finally {
      await a.setViewportSize(WIDE);
    }
  });

  it('signs in with the keyboard alone, and signing out ends the session', async () => {
    const { context, page } = await h.newPage();
    try {
      await go(page, '/login');
      await expectHeading(page, 'Sign in to Latchkey');
      // The heading has the focus on arrival; the form comes next in the tab order.
      await page.keyboard.press('Tab');
      expect(await page.evaluate('document.activeElement.getAttribute("autocomplete")')).toBe('username');
      await page.keyboard.type(emailA);
      await page.keyboard.press('Tab');
      expect(await page.evaluate('document.activeElement.type')).toBe('password');
      await page.keyboard.type(passwordA);
      await page.keyboard.press('Enter');
      await expectHeading(page, 'Your profile');
      const session = (await page.evaluate('sessionStorage.getItem("latchkey.session")')) as string;
      expect(session).toMatch(/^lks_/);
      await h.t.http().get('/v1/me').set(bearer(session)).expect(200);

      await page.getByRole('button', { name: 'Sign out' }).focus();
      await page.keyboard.press('Enter');
      await expectHeading(page, 'Sign in to Latchkey');
      await page.getByText('You have signed out.').waitFor();
      await h.t.http().get('/v1/me').set(bearer(session)).expect(401);
      expect(await page.evaluate('sessionStorage.getItem("latchkey.session")')).toBeNull();
    } finally {
      await context.close();
    }
  });

  it('keeps B signed in until the end (one context per person)', async () => {
    expect(contextB.pages()).toHaveLength(1);
  });
});
