// What the browser tests of the web console share: building web/dist, starting Chromium, and the
// checks made on every page at 1280 and at 390 px: nothing scrolls sideways, every control can be
// reached, every open dialog is centred and inside the viewport, every checkbox and radio button sits
// beside its own label (element boxes compared, not pixels), axe-core finds nothing; and a screenshot
// per page and width in test-artifacts/ for a person to look at.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { PASSWORD } from '../support/api';
import { startTestApp, TestApp, listenOnLoopback } from '../support/test-app';

export const ROOT = join(__dirname, '../..');
const WEB = join(ROOT, 'web');
export const DIST = join(WEB, 'dist');
export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
/**
 * The browser tests drive the console, which is the same whatever the database behind the API: they run
 * on the embedded database only (the README's test command runs it first), while every API call they
 * make is tested on both databases by test/api and test/graphql. It keeps CI's second run minutes shorter.
 */
export const BROWSER_TESTS_RUN = CHROMIUM !== undefined && !process.env.DATABASE_URL;
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

export const WIDE = { width: 1280, height: 860 };
export const NARROW = { width: 390, height: 844 };

export function warnWithoutChromium(suite: string): void {
  if (!CHROMIUM) console.warn(`Chromium is not installed (/usr/bin/chromium): ${suite} is skipped (bash .ci/run installs it from Debian)`);
}

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/** npm run build makes web/dist; a missing or stale one (a change under web/ since) is built here. */
export function ensureWebBuild(): void {
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

/** A layout finding on one page at one width. */
export interface Finding {
  page: string;
  width: number;
  problems: string[];
}

/**
 * The checks made inside the page: run by CDP, so the page's CSP does not apply. Returns what is
 * wrong, in words; an empty list when the page is right.
 */
const LAYOUT_CHECK = `(() => {
  const problems = [];
  const vw = window.innerWidth, vh = window.innerHeight;
  const describe = (el) => {
    const text = (el.getAttribute('aria-label') || el.textContent || el.getAttribute('name') || el.id || '').trim().replace(/\\s+/g, ' ').slice(0, 50);
    return el.tagName.toLowerCase() + (text ? ' "' + text + '"' : '');
  };
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && style.visibility !== 'hidden' && style.display !== 'none';
  };
  const scrolling = document.scrollingElement;
  if (scrolling.scrollWidth > vw) problems.push('the page scrolls sideways: ' + scrolling.scrollWidth + ' > ' + vw);
  const dialog = document.querySelector('dialog[open]');
  // Every control can be reached without scrolling sideways (a table's actions included).
  const scope = dialog ?? document;
  for (const el of scope.querySelectorAll('button, a[href], input, select, textarea, summary')) {
    if (!shown(el) || el.closest('.visually-hidden, .skip-link')) continue;
    const r = el.getBoundingClientRect();
    if (r.right > vw + 1 || r.left < -1) problems.push('out of reach sideways: ' + describe(el) + ' at ' + Math.round(r.left) + '..' + Math.round(r.right));
  }
  // Each checkbox and radio button with its own label just to its right, on the same line, and no
  // other control between them.
  const choices = [...scope.querySelectorAll('input[type=checkbox], input[type=radio]')].filter(shown);
  for (const input of choices) {
    // A label around its control ("Show revoked tokens") holds it: nothing can come between them.
    if (input.closest('label')) continue;
    const label = input.id ? document.querySelector('label[for="' + CSS.escape(input.id) + '"]') : null;
    if (!label) { problems.push('no label for ' + describe(input)); continue; }
    const a = input.getBoundingClientRect();
    const b = [...label.getClientRects()][0] ?? label.getBoundingClientRect();
    const gap = b.left - a.right;
    const overlap = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    const name = '"' + label.textContent.trim().replace(/\\s+/g, ' ').slice(0, 40) + '"';
    if (gap < 0 || gap > 24 || overlap < Math.min(a.height, b.height) / 2) {
      problems.push('label ' + name + ' is not beside its ' + input.type + ' (gap ' + Math.round(gap) + ' px, overlap ' + Math.round(overlap) + ' px)');
      continue;
    }
    const between = choices.find((other) => {
      if (other === input) return false;
      const o = other.getBoundingClientRect();
      const sameLine = Math.min(o.bottom, b.bottom) - Math.max(o.top, b.top) > 0;
      return sameLine && o.left >= a.right - 1 && o.right <= b.left + 1;
    });
    if (between) problems.push('another control sits between ' + describe(input) + ' and its label ' + name);
  }
  // Open dialogs: inside the viewport, centred in it.
  for (const d of document.querySelectorAll('dialog[open]')) {
    const r = d.getBoundingClientRect();
    if (r.left < 0 || r.top < 0 || r.right > vw + 0.5 || r.bottom > vh + 0.5)
      problems.push('dialog outside the viewport: ' + [r.left, r.top, r.right, r.bottom].map(Math.round).join(','));
    if (Math.abs(r.left - (vw - r.right)) > 2) problems.push('dialog not centred sideways: ' + Math.round(r.left) + ' vs ' + Math.round(vw - r.right));
    if (Math.abs(r.top - (vh - r.bottom)) > 2) problems.push('dialog not centred vertically: ' + Math.round(r.top) + ' vs ' + Math.round(vh - r.bottom));
  }
  // On a phone: a compact header, and the page's heading near the top (not below the whole menu).
  if (vw < 600 && !dialog) {
    const header = document.querySelector('header.topbar');
    if (header && header.getBoundingClientRect().height > 72) problems.push('header is ' + Math.round(header.getBoundingClientRect().height) + ' px high');
    const h1 = document.querySelector('main h1');
    if (h1 && h1.getBoundingClientRect().top + window.scrollY > 260) problems.push('the heading starts ' + Math.round(h1.getBoundingClientRect().top + window.scrollY) + ' px down');
  }
  return problems;
})()`;

export interface Harness {
  t: TestApp;
  base: string;
  browser: Browser;
  artifacts: string;
  /** CSP violations and uncaught page errors: any is a failure. */
  problems: string[];
  newPage(): Promise<{ context: BrowserContext; page: Page }>;
  /** Checks the page at 1280 and 390 px (layout, axe), with a screenshot at each; back at 1280 after. */
  checkPage(page: Page, name: string, heading: string | RegExp): Promise<void>;
  /** The same for an open dialog: centred, inside, labels beside their controls; a screenshot at each width. */
  checkDialog(page: Page, dialog: Locator, name: string): Promise<void>;
  go(page: Page, path: string): Promise<void>;
  close(): Promise<void>;
}

export async function expectHeading(page: Page, heading: string | RegExp): Promise<void> {
  await page.getByRole('heading', { level: 1, name: heading, exact: typeof heading === 'string' }).waitFor();
}

/** Signs in through the login page with the test password, landing on the profile. */
export async function signInWithPassword(h: Harness, page: Page, email: string, password = PASSWORD): Promise<void> {
  await h.go(page, '/login');
  await expectHeading(page, 'Sign in to Latchkey');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expectHeading(page, 'Your profile');
}

export function hasFocus(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => el === el.ownerDocument.activeElement);
}

/** The secret in the "shown once" box, after checking it says so and offers a copy button. */
export async function secretShownOnce(page: Page, label: string): Promise<string> {
  const box = page.getByTestId('secret-once');
  await box.waitFor();
  await expect(box.textContent()).resolves.toContain('Shown only this once');
  await box.getByRole('button', { name: 'Copy' }).waitFor();
  return page.getByLabel(label, { exact: true }).inputValue();
}

export async function startHarness(name: string, env: Record<string, string> = {}): Promise<Harness> {
  ensureWebBuild();
  const t = await startTestApp({ LATCHKEY_WEB_UI_DIR: DIST, ...env });
  const base = `http://127.0.0.1:${await listenOnLoopback(t)}`;
  const artifacts = join(ROOT, 'test-artifacts', name);
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const problems: string[] = [];
  const findings: Finding[] = [];
  const axeReport: Array<{ page: string; width: number; violations: string[] }> = [];
  const contexts: BrowserContext[] = [];
  let shot = 0;

  const watch = (page: Page) => {
    page.on('console', (message) => {
      const text = message.text();
      if (/Content Security Policy|Refused to (load|execute|apply|connect|evaluate)/i.test(text)) problems.push(`CSP: ${text}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  };

  const axe = async (page: Page, label: string, width: number) => {
    // CDP evaluation is not subject to the page's CSP; axe stays loaded while the hash routes change.
    if (!(await page.evaluate('typeof axe !== "undefined"'))) await page.evaluate(AXE_SOURCE);
    const violations = (await page.evaluate(
      `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => v.id + ' (' + v.impact + '): ' + v.help + ' at ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')))`,
    )) as string[];
    axeReport.push({ page: label, width, violations });
    expect({ page: label, width, axe: violations }).toEqual({ page: label, width, axe: [] });
  };

  const layout = async (page: Page, label: string, width: number) => {
    const found = (await page.evaluate(LAYOUT_CHECK)) as string[];
    findings.push({ page: label, width, problems: found });
    expect({ page: label, width, layout: found }).toEqual({ page: label, width, layout: [] });
  };

  const screenshot = async (page: Page, label: string, width: number, fullPage: boolean) => {
    shot += 1;
    await page.screenshot({ path: join(artifacts, `${String(shot).padStart(2, '0')}-${label}-${width}.png`), fullPage });
  };

  const settle = (page: Page) => page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');

  return {
    t,
    base,
    browser,
    artifacts,
    problems,
    async newPage() {
      const context = await browser.newContext({ viewport: WIDE, locale: 'en-GB', timezoneId: 'UTC' });
      contexts.push(context);
      const page = await context.newPage();
      watch(page);
      return { context, page };
    },
    async checkPage(page, label, heading) {
      await expectHeading(page, heading);
      for (const size of [WIDE, NARROW]) {
        await page.setViewportSize(size);
        await settle(page);
        await page.evaluate('window.scrollTo(0, 0)');
        // The picture first: it shows what a failed check below is about.
        await screenshot(page, label, size.width, true);
        await layout(page, label, size.width);
        await axe(page, label, size.width);
      }
      await page.setViewportSize(WIDE);
      await settle(page);
    },
    async checkDialog(page, dialog, label) {
      await dialog.waitFor();
      for (const size of [WIDE, NARROW]) {
        await page.setViewportSize(size);
        await settle(page);
        await screenshot(page, `${label}-dialog`, size.width, false);
        await layout(page, `${label} (dialog)`, size.width);
        await axe(page, `${label} (dialog)`, size.width);
      }
      await page.setViewportSize(WIDE);
      await settle(page);
    },
    async go(page, path) {
      // On a page already loaded, by its hash as a link would (no reload, axe stays loaded).
      if (page.url().startsWith(`${base}/`)) await page.evaluate(`window.location.hash = ${JSON.stringify(path)}`);
      else await page.goto(`${base}/#${path}`);
    },
    async close() {
      writeFileSync(join(artifacts, 'axe.json'), `${JSON.stringify(axeReport, null, 2)}\n`);
      writeFileSync(join(artifacts, 'layout.json'), `${JSON.stringify(findings, null, 2)}\n`);
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close();
      await t.close();
    },
  };
}
