// The web UI served at /, driven through Debian's Chromium (playwright-core): what a person must be
// able to do, through the browser only, with the API checked behind it. Every page is
// run through axe-core and kept as a screenshot in test-artifacts/web-ui/. Skipped, saying so,
// where Chromium is not installed (bash .ci/run installs it).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { bearer, login, PASSWORD, uniqueEmail } from '../support/api';
import { startTestApp, TestApp } from '../support/test-app';

const ROOT = join(__dirname, '../..');
const WEB = join(ROOT, 'web');
const DIST = join(WEB, 'dist');
const ARTIFACTS = join(ROOT, 'test-artifacts', 'web-ui');
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
// Without the background-networking flags Chromium's own connections are refused on a closed network.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

if (!CHROMIUM)
  console.warn('Chromium is not installed (/usr/bin/chromium): the web UI test is skipped (bash .ci/run installs it from Debian)');

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/** npm run build makes web/dist; a missing or stale one (a change under web/ since) is built here. */
function ensureWebBuild(): void {
  const index = join(DIST, 'index.html');
  const sources = Math.max(newestMtime(join(WEB, 'src')), newestMtime(join(WEB, 'index.html')), newestMtime(join(WEB, 'vite.config.mts')));
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  // Vite is ESM and jest here runs CommonJS: the CLI in a child process builds exactly as npm run build:web does.
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(WEB, 'vite.config.mts')],
    { cwd: ROOT, stdio: 'pipe' },
  );
}

interface Seen {
  /** CSP violations and uncaught page errors: any is a failure. */
  problems: string[];
}

function watch(page: Page, seen: Seen): void {
  page.on('console', (message) => {
    const text = message.text();
    if (/Content Security Policy|Refused to (load|execute|apply|connect|evaluate)/i.test(text)) seen.problems.push(`CSP: ${text}`);
  });
  page.on('pageerror', (error) => seen.problems.push(`page error: ${error.message}`));
}

(CHROMIUM ? describe : describe.skip)('web UI in a browser', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let contextA: BrowserContext;
  let contextB: BrowserContext;
  let a: Page;
  let b: Page;
  const seen: Seen = { problems: [] };
  const axeReport: Array<{ page: string; violations: Array<{ id: string; impact: string; nodes: number }> }> = [];
  let shot = 0;

  const emailA = uniqueEmail('ada');
  const emailB = uniqueEmail('grace');
  const workspaceName = 'Acme Greenhouses';
  const passwordA = 'a new and longer passphrase';
  let personalTokenA: string;
  let workspaceId: string;
  let invitationLink: string;

  beforeAll(async () => {
    ensureWebBuild();
    t = await startTestApp({ LATCHKEY_WEB_UI_DIR: DIST });
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    rmSync(ARTIFACTS, { recursive: true, force: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    contextA = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-GB', timezoneId: 'UTC' });
    contextB = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-GB', timezoneId: 'UTC' });
    a = await contextA.newPage();
    b = await contextB.newPage();
    watch(a, seen);
    watch(b, seen);
  }, 120_000);

  afterEach(() => {
    expect(seen.problems).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    if (axeReport.length > 0) {
      writeFileSync(join(ARTIFACTS, 'axe.json'), `${JSON.stringify(axeReport, null, 2)}\n`);
      const minor = axeReport.flatMap((r) => r.violations.map((v) => `${r.page}: ${v.id} (${v.impact}, ${v.nodes})`));
      if (minor.length > 0) console.warn(`axe-core, moderate and minor findings:\n${minor.join('\n')}`);
    }
  });

  /** Waits for the page's heading, runs axe-core (failing on serious or critical), keeps a screenshot. */
  async function checkPage(page: Page, name: string, heading: string | RegExp): Promise<void> {
    await expectHeading(page, heading);
    // CDP evaluation is not subject to the page's CSP, so axe needs no inline script or bypass;
    // it stays loaded while the hash routes change.
    if (!(await page.evaluate('typeof axe !== "undefined"'))) await page.evaluate(AXE_SOURCE);
    const violations = (await page.evaluate(
      `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) })))`,
    )) as Array<{ id: string; impact: string; help: string; nodes: string[] }>;
    const blocking = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    axeReport.push({
      page: name,
      violations: violations.filter((v) => !blocking.includes(v)).map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length })),
    });
    expect({ page: name, blocking }).toEqual({ page: name, blocking: [] });
    shot += 1;
    // From the top, so the sticky header sits where it belongs in a full-page picture.
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(ARTIFACTS, `${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true });
  }

  async function expectHeading(page: Page, heading: string | RegExp): Promise<void> {
    await page.getByRole('heading', { level: 1, name: heading, exact: typeof heading === 'string' }).waitFor();
  }

  function hasFocus(locator: Locator): Promise<boolean> {
    return locator.evaluate((el) => el === el.ownerDocument.activeElement);
  }

  /** Opens a screen; on a page already loaded, by its hash as a link would (no reload, axe stays loaded). */
  async function go(page: Page, path: string): Promise<void> {
    if (page.url().startsWith(`${base}/`)) await page.evaluate(`window.location.hash = ${JSON.stringify(path)}`);
    else await page.goto(`${base}/#${path}`);
  }

  /** The secret in the "shown once" box, after checking it says so and offers a copy button. */
  async function secretShownOnce(page: Page, label: string): Promise<string> {
    const box = page.getByTestId('secret-once');
    await box.waitFor();
    await expect(box.textContent()).resolves.toContain('Shown only this once');
    await box.getByRole('button', { name: 'Copy' }).waitFor();
    return page.getByLabel(label, { exact: true }).inputValue();
  }

  it('sends a signed-out visitor to sign-in, and shows a server validation error next to its field', async () => {
    await go(a, '/');
    await checkPage(a, 'login', 'Sign in to Latchkey');
    expect(a.url()).toMatch(/#\/login$/);

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
    await checkPage(a, 'register', 'Create your Latchkey account');
  });

  it('registers, signs in with a session and shows the personal token once, with a copy button', async () => {
    await a.getByLabel('Password').fill(PASSWORD);
    await a.getByRole('button', { name: 'Create account' }).click();
    await expectHeading(a, 'Personal token');
    personalTokenA = await secretShownOnce(a, 'Personal token secret');
    expect(personalTokenA).toMatch(/^lkp_/);
    const me = await t.http().get('/v1/me').set(bearer(personalTokenA)).expect(200);
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
    await t.http().get('/v1/me').set(bearer(before)).expect(401);
    await t.http().get('/v1/me').set(bearer(after)).expect(200);
  });

  it('creates a workspace and switches to it', async () => {
    await go(a, '/workspaces');
    await expectHeading(a, 'Workspaces');
    await a.getByLabel('Workspace name').fill(workspaceName);
    await a.getByRole('button', { name: 'Create workspace' }).click();
    await expectHeading(a, workspaceName);
    workspaceId = /#\/w\/([0-9a-f-]{36})$/.exec(a.url())?.[1] ?? '';
    const listed = await t.http().get('/v1/workspaces').set(bearer(personalTokenA)).expect(200);
    expect(listed.body.items.map((w: { id: string; name: string }) => [w.id, w.name])).toEqual([[workspaceId, workspaceName]]);
    expect(await a.getByLabel('Workspace', { exact: true }).inputValue()).toBe(workspaceId);
    await checkPage(a, 'workspace-overview', workspaceName);
  });

  it('adds devices, and shows a taken serial next to the serial field', async () => {
    await go(a, `/w/${workspaceId}/devices`);
    await expectHeading(a, 'Devices');
    for (const [name, serial] of [
      ['Sensor 1', 'SN-001'],
      ['Sensor 2', 'SN-002'],
    ]) {
      await a.getByLabel('Device name').fill(name);
      await a.getByLabel('Serial').fill(serial);
      await a.getByRole('button', { name: 'Add device' }).click();
      await a.getByRole('rowheader', { name }).waitFor();
    }
    await a.getByLabel('Device name').fill('Sensor 1 again');
    await a.getByLabel('Serial').fill('SN-001');
    await a.getByRole('button', { name: 'Add device' }).click();
    const serial = a.getByLabel('Serial');
    await a.getByText('A device with serial "SN-001" exists in this workspace.').waitFor();
    expect(await serial.getAttribute('aria-invalid')).toBe('true');
    const devices = await t.http().get(`/v1/workspaces/${workspaceId}/devices`).set(bearer(personalTokenA)).expect(200);
    expect(devices.body.items.map((d: { serial: string }) => d.serial).sort()).toEqual(['SN-001', 'SN-002']);
    await checkPage(a, 'devices', 'Devices');
  });

  it('invites a second person and shows the link once', async () => {
    await go(a, `/w/${workspaceId}/invitations`);
    await expectHeading(a, 'Invitations');
    await a.getByLabel('Email address').fill(emailB);
    await a.getByRole('button', { name: 'Create invitation' }).click();
    invitationLink = await secretShownOnce(a, 'Invitation link');
    expect(invitationLink).toMatch(new RegExp(`^${base}/#/accept\\?token=lki_`));
    await a.getByRole('rowheader', { name: new RegExp(emailB) }).waitFor();
    await checkPage(a, 'invitations', 'Invitations');
  });

  it('lets the invited person sign up from the link and accept', async () => {
    await b.goto(invitationLink);
    await expectHeading(b, 'You are invited to a Latchkey workspace');
    await b.getByRole('link', { name: 'Create an account' }).click();
    await expectHeading(b, 'Create your Latchkey account');
    await b.getByLabel('Name').fill('Grace Hopper');
    await b.getByLabel('Email').fill(emailB);
    await b.getByLabel('Password').fill(PASSWORD);
    await b.getByRole('button', { name: 'Create account' }).click();
    await expectHeading(b, 'Personal token');
    expect(await secretShownOnce(b, 'Personal token secret')).toMatch(/^lkp_/);

    // B's address is not verified yet, so nothing is listed for it (audit finding M2, docs/security.md): the link alone accepts.
    await b.getByRole('link', { name: 'Continue' }).click();
    await expectHeading(b, 'Accept an invitation');
    await b.getByText('only once the address is verified').waitFor();
    await b.getByRole('button', { name: 'Accept invitation' }).click();
    await expectHeading(b, workspaceName);
    expect(b.url()).toContain(`#/w/${workspaceId}`);
  });

  it('shows the new member to the owner, with roles and device access', async () => {
    await go(a, `/w/${workspaceId}/members`);
    await expectHeading(a, 'Members');
    const row = a.getByRole('row', { name: new RegExp(emailB) });
    await row.waitFor();
    expect(await row.textContent()).toMatch(/Grace Hopper.*member.*All devices/);
    const members = await t.http().get(`/v1/workspaces/${workspaceId}/members`).set(bearer(personalTokenA)).expect(200);
    expect(members.body.items.map((m: { email: string }) => m.email).sort()).toEqual([emailA, emailB].sort());
    await checkPage(a, 'members', 'Members');
    await go(a, `/w/${workspaceId}/roles`);
    await checkPage(a, 'roles', 'Roles');
  });

  it('creates an API user limited to one device, and its token works there only', async () => {
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

    const devices = await t.http().get(`/v1/workspaces/${workspaceId}/devices`).set(bearer(personalTokenA)).expect(200);
    const id = (serial: string) => devices.body.items.find((d: { serial: string }) => d.serial === serial).id;
    const check = (deviceId: string) =>
      t.http().get('/v1/authorize').query({ workspaceId, permission: 'devices:read', deviceId }).set(bearer(secret));
    expect((await check(id('SN-001'))).status).toBe(204);
    expect((await check(id('SN-002'))).status).toBe(403);
    await checkPage(a, 'api-users', 'API users');

    await a.getByRole('link', { name: 'Dashboard', exact: true }).click();
    await checkPage(a, 'api-user', 'API user: Dashboard');
  });

  it('creates a named token from the catalog, marks it as expiring, and revokes it', async () => {
    await go(a, '/account/tokens');
    await expectHeading(a, 'Named tokens');
    await a.getByLabel('Name', { exact: true }).fill('CI deploy');
    await a.getByRole('checkbox', { name: /account:read/ }).check();
    await a.getByRole('checkbox', { name: /devices:read/ }).check();
    await a.getByLabel('Expires in').selectOption('7');
    await a.getByRole('button', { name: 'Create token' }).click();
    const secret = await secretShownOnce(a, 'Token secret');
    expect(secret).toMatch(/^lkp_/);
    await t.http().get('/v1/me').set(bearer(secret)).expect(200);
    const listed = await t.http().get('/v1/me/tokens').query({ kind: 'named' }).set(bearer(personalTokenA)).expect(200);
    expect(listed.body.items).toEqual([expect.objectContaining({ name: 'CI deploy', scopes: ['account:read', 'devices:read'] })]);

    // Seven days left: said in words ("Expires soon"), not by colour alone.
    const row = a.getByRole('row', { name: /CI deploy/ });
    await row.getByText('Expires soon').waitFor();
    expect(await row.getAttribute('class')).toContain('row-warning');
    await a.getByText(/1 token expires within 7 days/).waitFor();
    await checkPage(a, 'named-tokens', 'Named tokens');

    // Dismissing the secret removes it and hands the focus back to the page's heading.
    await a.getByRole('button', { name: 'I have stored it' }).click();
    await a.getByTestId('secret-once').waitFor({ state: 'detached' });
    expect(await hasFocus(a.getByRole('heading', { level: 1, name: 'Named tokens' }))).toBe(true);

    await row.getByRole('button', { name: 'Revoke CI deploy' }).click();
    const dialog = a.getByRole('dialog', { name: 'Revoke "CI deploy"?' });
    await dialog.waitFor();
    // The dialog opens on Cancel; confirming is a deliberate second step.
    expect(await hasFocus(dialog.getByRole('button', { name: 'Cancel' }))).toBe(true);
    await dialog.getByRole('button', { name: 'Revoke token' }).click();
    await a.getByText('Token "CI deploy" revoked.').waitFor();
    await a.getByText('No named tokens yet').waitFor();
    await t.http().get('/v1/me').set(bearer(secret)).expect(401);
  });

  it('ROT: shows a rotated-out secret in its grace period as rotated, with a Revoke that ends the whole chain', async () => {
    const created = await t
      .http()
      .post('/v1/me/tokens')
      .set(bearer(personalTokenA))
      .send({ name: 'Old deploy', scopes: ['account:read'] })
      .expect(201);
    const rotated = await t
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
    await oldRow.getByText(/old secret works until/).waitFor();
    expect(await oldRow.getByRole('button', { name: /^Rotate/ }).count()).toBe(0);
    await oldRow.getByRole('button', { name: 'Revoke Old deploy' }).click();
    const dialog = a.getByRole('dialog', { name: 'Revoke "Old deploy"?' });
    await dialog.getByText(/the secret that replaced it both stop working/).waitFor();
    await dialog.getByRole('button', { name: 'Revoke token' }).click();
    await a.getByText('Token "Old deploy" revoked.').waitFor();
    await t.http().get('/v1/me').set(bearer(created.body.secret)).expect(401);
    await t.http().get('/v1/me').set(bearer(rotated.body.secret)).expect(401);
  });

  it('changes the token policy', async () => {
    await go(a, `/w/${workspaceId}/policy`);
    await expectHeading(a, 'Token policy');
    await a.getByLabel(/Maximum token lifetime/).fill('30');
    await a.getByRole('button', { name: 'Save policy' }).click();
    await a.getByText('Token policy saved.').waitFor();
    // The personal token never expires, so from now on this workspace refuses it: a login session asks.
    await t.http().get(`/v1/workspaces/${workspaceId}/token-policy`).set(bearer(personalTokenA)).expect(403);
    const session = await login(t, emailA, passwordA);
    const policy = await t.http().get(`/v1/workspaces/${workspaceId}/token-policy`).set(bearer(session)).expect(200);
    expect(policy.body).toEqual({ maxLifetimeDays: 30, allowPersonalTokens: true });
    await a
      .getByRole('row', { name: /API user/ })
      .first()
      .waitFor();
    await checkPage(a, 'token-policy', 'Token policy');
  });

  it('shows the audit log', async () => {
    await go(a, `/w/${workspaceId}/audit`);
    await expectHeading(a, 'Audit log');
    await a.getByRole('rowheader', { name: 'member.joined' }).waitFor();
    await a.getByRole('rowheader', { name: 'api_user.created' }).waitFor();
    await a.getByLabel('Action').fill('device.created');
    await a.getByRole('button', { name: 'Apply filter' }).click();
    await a.getByRole('rowheader', { name: 'api_user.created' }).waitFor({ state: 'detached' });
    expect(await a.getByRole('rowheader', { name: 'device.created' }).count()).toBe(2);
    await checkPage(a, 'audit-log', 'Audit log');
  });

  it('signs in with the keyboard alone, and signing out ends the session', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    watch(page, seen);
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
      await t.http().get('/v1/me').set(bearer(session)).expect(200);

      await page.getByRole('button', { name: 'Sign out' }).focus();
      await page.keyboard.press('Enter');
      await expectHeading(page, 'Sign in to Latchkey');
      await page.getByText('You have signed out.').waitFor();
      await t.http().get('/v1/me').set(bearer(session)).expect(401);
      expect(await page.evaluate('sessionStorage.getItem("latchkey.session")')).toBeNull();
    } finally {
      await context.close();
    }
  });
});
