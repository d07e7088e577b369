// Independent review of the web console in Chromium (web-ui.support.ts): hostile names in every field
// a person can type (workspace, member, device, role, API user, token, invitation, audit details)
// must show as text and run nothing; the invitation landing page with a hostile invitation; the audit
// CSV opened as a file; what a viewer sees and can do; a session revoked elsewhere; a malformed link;
// and the 390 px layout of the pages the earlier tests did not check (not found, a viewer's pages,
// pages full of long hostile names). Any CSP violation or page error fails the test (h.problems).
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { bearer, createNamedToken, login, markEmailVerified, PASSWORD, registerUser, uniqueEmail } from '../support/api';
import { newWorkspace, type WorkspaceFixture } from '../support/fixtures';
import { BROWSER_TESTS_RUN, expectHeading, signInWithPassword, startHarness, type Harness, warnWithoutChromium } from './web-ui.support';

warnWithoutChromium('the web UI review test');

/** Each would run script if put in the page as HTML, or followed as a URL. */
const XSS = `<img src=x onerror="window.__xss=1">`;
const XSS2 = `"><svg onload="window.__xss=2">`;
const XSS3 = `javascript:window.__xss=3//`;

/** Nothing ran, and no element came from a name. */
async function expectInert(page: Page): Promise<void> {
  expect(await page.evaluate('window.__xss')).toBeUndefined();
  expect(await page.locator('img[src="x"], [onerror], [onload], a[href^="javascript:"]').count()).toBe(0);
}

(BROWSER_TESTS_RUN ? describe : describe.skip)('web UI review: hostile data and roles in a browser', () => {
  let h: Harness;
  let ws: WorkspaceFixture;
  let viewerEmail: string;
  let deviceId: string;

  beforeAll(async () => {
    h = await startHarness('web-ui-review');
    const owner = await registerUser(h.t, uniqueEmail('owner'), `Owner ${XSS}`);
    await markEmailVerified(h.t, owner.id);
    ws = await newWorkspace(h.t, owner, `WS ${XSS}`);
    deviceId = (await ws.device({ name: `Dev ${XSS2}`, serial: `SN-${'<b>'}1`, metadata: { note: XSS } })).id;
    await ws.device({ name: '=HYPERLINK("http://evil.example.com","click")' });
    await ws.device({ name: '@SUM(1+1)*cmd|" /C calc"!A0' });
    await ws.role(['devices:read'], `Role ${XSS2}`);
    await ws.apiUser({ roles: ['viewer'], name: `Bot ${XSS}` });
    await createNamedToken(h.t, owner.personalToken, { name: `Tok ${XSS3}`, scopes: ['account:read'] });
    const viewer = await registerUser(h.t, uniqueEmail('viewer'), `Viewer ${XSS2}`);
    viewerEmail = viewer.email;
    await ws.member('viewer', { user: viewer });
    await h.t
      .http()
      .post(`/v1/workspaces/${ws.id}/invitations`)
      .set(bearer(owner.personalToken))
      .send({
        email: `pending+${Date.now()}@example.com`,
        roleIds: [ws.roles.member],
        deviceAccess: { mode: 'selected', deviceIds: [deviceId] },
      })
      .expect(201);
  }, 180_000);

  afterEach(() => {
    expect(h.problems).toEqual([]);
  });

  afterAll(async () => {
    await h?.close();
  });

  const signIn = (page: Page, email: string) => signInWithPassword(h, page, email);

  it('shows every hostile name as text on every page, and runs none of it', async () => {
    const { page, context } = await h.newPage();
    try {
      await signIn(page, ws.owner.email);
      await expectInert(page);
      const pages: Array<[string, string | RegExp]> = [
        [`/w/${ws.id}`, `WS ${XSS}`],
        [`/w/${ws.id}/members`, 'Members'],
        [`/w/${ws.id}/invitations`, 'Invitations'],
        [`/w/${ws.id}/roles`, 'Roles'],
        [`/w/${ws.id}/devices`, 'Devices'],
        [`/w/${ws.id}/api-users`, 'API users'],
        [`/w/${ws.id}/policy`, 'Token policy'],
        [`/w/${ws.id}/audit`, 'Audit log'],
        ['/workspaces', /workspaces/i],
        ['/account/tokens', 'Named tokens'],
        ['/account', 'Your profile'],
      ];
      for (const [path, heading] of pages) {
        await h.go(page, path);
        await expectHeading(page, heading);
        await page.waitForLoadState('networkidle');
        await expectInert(page);
        // At 1280 and 390 px, full of long hostile names: nothing scrolls sideways, axe finds nothing.
        await h.checkPage(page, `hostile${path.replace(/\/w\/[^/]+/, '/w').replace(/\//g, '-')}`, heading);
      }
      // The names are there, as text.
      await h.go(page, `/w/${ws.id}/devices`);
      await page.getByText(`Dev ${XSS2}`).first().waitFor();
      await h.go(page, `/w/${ws.id}/members`);
      await page.getByText(`Viewer ${XSS2}`).first().waitFor();
      // An API user's own page, and the audit details folded out.
      await h.go(page, `/w/${ws.id}/api-users`);
      await page
        .getByRole('link', { name: new RegExp(`Bot`) })
        .first()
        .click();
      await expectHeading(page, `API user: Bot ${XSS}`);
      await expectInert(page);
      await h.checkPage(page, 'hostile-api-user', `API user: Bot ${XSS}`);
      await h.go(page, `/w/${ws.id}/audit`);
      await expectHeading(page, 'Audit log');
      for (const summary of await page.locator('main summary').all()) await summary.click();
      await expectInert(page);
      await h.checkPage(page, 'hostile-audit-details', 'Audit log');
    } finally {
      await context.close();
    }
  });

  it('opens the invitation landing page of a hostile invitation as text, signed out, and survives junk tokens', async () => {
    const invited = await h.t
      .http()
      .post(`/v1/workspaces/${ws.id}/invitations`)
      .set(bearer(ws.owner.personalToken))
      .send({ email: uniqueEmail('landing'), roleIds: [ws.roles.viewer], deviceAccess: { mode: 'selected', deviceIds: [deviceId] } })
      .expect(201);
    const { page, context } = await h.newPage();
    try {
      await page.goto(`${h.base}/#/accept?token=${encodeURIComponent(invited.body.secret)}`);
      await expectHeading(page, `Join WS ${XSS}`);
      await page.getByText(`Dev ${XSS2}`).first().waitFor();
      await expectInert(page);
      await h.checkPage(page, 'hostile-invitation-landing', `Join WS ${XSS}`);
      for (const junk of ['lki_' + 'A'.repeat(40), `lki_x${encodeURIComponent(XSS)}`, encodeURIComponent(XSS3), '%E0%A4%A']) {
        await page.goto(`${h.base}/#/accept?token=${junk}`);
        await page.locator('main h1').waitFor();
        await page.waitForLoadState('networkidle');
        await expectInert(page);
      }
    } finally {
      await context.close();
    }
  });

  it('exports a CSV that runs no formula when opened as a file, whatever the names', async () => {
    const { page, context } = await h.newPage();
    try {
      await signIn(page, ws.owner.email);
      await h.go(page, `/w/${ws.id}/audit`);
      await expectHeading(page, 'Audit log');
      const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
      const text = readFileSync((await csv.path()) as string, 'utf8');
      expect(text).toContain('HYPERLINK');
      // Every cell, quoted or not, must not start with a formula character once a spreadsheet unquotes it.
      const cells = text.split(/\r\n/).flatMap((line) => line.match(/("([^"]|"")*"|[^,]*)(,|$)/g) ?? []);
      for (const raw of cells) {
        const cell = raw
          .replace(/,$/, '')
          .replace(/^"(.*)"$/s, '$1')
          .replace(/""/g, '"');
        expect({ cell, formula: /^[=+\-@\t\r]/.test(cell) }).toEqual({ cell, formula: false });
      }
      expect(csv.suggestedFilename()).toMatch(/^audit-[a-z0-9-]+-\d{4}-\d{2}-\d{2}\.csv$/);
    } finally {
      await context.close();
    }
  });

  it('shows a viewer no control the server would refuse, even on pages reached by typing their address', async () => {
    const { page, context } = await h.newPage();
    try {
      await signIn(page, viewerEmail);
      for (const [path, heading] of [
        [`/w/${ws.id}/api-users`, /API users|Not allowed|not allowed/i],
        [`/w/${ws.id}/policy`, /Token policy|not allowed/i],
        [`/w/${ws.id}/audit`, /Audit log|not allowed/i],
        [`/w/${ws.id}/devices`, 'Devices'],
        [`/w/${ws.id}/members`, 'Members'],
      ] as Array<[string, string | RegExp]>) {
        await h.go(page, path);
        await page.locator('main h1').waitFor();
        await page.waitForLoadState('networkidle');
        expect({ path, heading: await page.locator('main h1').textContent() }).toEqual({ path, heading: expect.stringMatching(heading) });
        const forbidden = page.getByRole('button', { name: /^(Add|Create|Delete|Remove|Revoke|Invite|Save|Edit|Rotate)/ });
        expect({ path, buttons: await forbidden.allTextContents() }).toEqual({ path, buttons: [] });
        await expectInert(page);
      }
      await h.go(page, `/w/${ws.id}/devices`);
      await h.checkPage(page, 'viewer-devices-hostile', 'Devices');
      await h.go(page, `/w/${ws.id}/members`);
      await h.checkPage(page, 'viewer-members-hostile', 'Members');
    } finally {
      await context.close();
    }
  });

  it('sends a browser whose session was revoked elsewhere to sign in, and a malformed or unknown address to a page that says so', async () => {
    const { page, context } = await h.newPage();
    try {
      await signIn(page, viewerEmail);
      // Signed out elsewhere: another session of the same person ends every other one.
      const other = await login(h.t, viewerEmail);
      await h.t.http().post('/v1/me/sessions/revoke-others').set(bearer(other)).expect(200);
      await h.go(page, `/w/${ws.id}/devices`);
      await expectHeading(page, 'Sign in to Latchkey');
      await expectInert(page);

      await page.goto(`${h.base}/#/no/such/page`);
      await page.locator('main h1').waitFor();
      await h.checkPage(page, 'not-found', /not found|Sign in/i);
      // A percent sign that decodes to nothing in a workspace address: a page, not a blank crash.
      await page.goto(`${h.base}/#/w/%E0%A4%A/members`);
      await page.locator('main h1').waitFor();
    } finally {
      await context.close();
    }
  });

  it('goes nowhere outside the console after sign-in, whatever "next" a hostile link carries', async () => {
    for (const next of ['//evil.example.com/x', 'https://evil.example.com/', XSS3, '/\\evil.example.com', '/%2F%2Fevil.example.com']) {
      const { page, context } = await h.newPage();
      try {
        await page.goto(`${h.base}/#/login?next=${encodeURIComponent(next)}`);
        await expectHeading(page, 'Sign in to Latchkey');
        await page.getByLabel('Email').fill(viewerEmail);
        await page.getByLabel('Password').fill(PASSWORD);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.locator('main h1').waitFor();
        await page.waitForLoadState('networkidle');
        expect({ next, origin: new URL(page.url()).origin }).toEqual({ next, origin: h.base });
        await expectInert(page);
      } finally {
        await context.close();
      }
    }
  });
});
