// What every response says about itself: security headers, no framework banner, CORS closed unless
// configured, and the web UI's files served at / without shadowing the API's 404s.
import { rmSync } from 'node:fs';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { startTestApp, TestApp } from '../support/test-app';
import { bearer, expectProblem, registerUser } from '../support/api';
import { fakeWebUiDir } from '../support/fake-web-ui';

const ALLOWED_ORIGIN = 'https://console.example.com';

describe('HTTP surface', () => {
  let database: TestDatabase;
  let uiDir: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    uiDir = fakeWebUiDir();
  });

  afterAll(async () => {
    rmSync(uiDir, { recursive: true, force: true });
    await database.drop();
  });

  describe('with the defaults', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ LATCHKEY_WEB_UI_DIR: uiDir }, database);
    });
    afterAll(() => t.close());

    it.each([
      ['a public probe', 'get', '/health/live'],
      ['an API error', 'get', '/v1/me'],
      ['an unknown path', 'get', '/no-such-page'],
      ['the token check', 'get', '/v1/authorize?workspaceId=00000000-0000-4000-8000-000000000000&permission=workspace:read'],
    ] as const)("sends an API answer's security headers and no X-Powered-By on %s", async (_label, method, path) => {
      const res = await t.http()[method](path);
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
      expect(res.headers['cache-control']).toBe('no-store');
      // Nothing may load or frame an API answer: stricter than a page's policy.
      expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
      // The page-only headers are not sent where no page is rendered.
      expect(res.headers['cross-origin-opener-policy']).toBeUndefined();
    });

    it.each([
      ['the web UI', '/'],
      ['a mailed link', '/verify-email'],
      ['the docs page', '/docs'],
    ])("sends a page's security headers on %s", async (_label, path) => {
      const res = await t.http().get(path);
      expect(res.status).toBe(200);
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
      const csp = res.headers['content-security-policy'];
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-eval');
      expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    });

    it('answers a cross-origin request without any Access-Control header', async () => {
      const { personalToken } = await registerUser(t);
      const res = await t.http().get('/v1/me').set(bearer(personalToken)).set('Origin', 'https://evil.example');
      expect(res.status).toBe(200);
      expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    });

    it('refuses a CORS preflight', async () => {
      const res = await t
        .http()
        .options('/v1/me')
        .set('Origin', ALLOWED_ORIGIN)
        .set('Access-Control-Request-Method', 'GET')
        .set('Access-Control-Request-Headers', 'authorization');
      expect(res.status).toBe(404);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('serves the web UI page, revalidated on every load', async () => {
      const res = await t.http().get('/');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.text).toContain('<title>Latchkey</title>');
    });

    it('serves content-hashed assets as immutable', async () => {
      const res = await t.http().get('/assets/app-1a2b3c.js');
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    });

    it.each(['/verify-email', '/reset-password', '/invitations/accept'])(
      'serves the page at %s, where mailed links land (the secret after the "#" never reaches the server)',
      async (path) => {
        const res = await t.http().get(`${path}?utm_source=mail`);
        expect(res.status).toBe(200);
        expect(res.headers['content-type']).toMatch(/^text\/html/);
        expect(res.headers['cache-control']).toBe('no-cache');
        expect(res.headers['referrer-policy']).toBe('no-referrer');
        expect(res.headers['content-security-policy']).toContain("script-src 'self'");
        expect(res.text).toContain('<title>Latchkey</title>');
        expectProblem(await t.http().post(path).send({}), 404, 'not_found');
      },
    );

    it.each([
      '/v1/no-such-route',
      '/no-such-page',
      '/assets/missing.js',
      '/../package.json',
      '/%2e%2e/package.json',
      '/verify-email/x',
      '/invitations',
      '/invitations/accept/x',
    ])('keeps the API 404 for %s', async (path) => {
      expectProblem(await t.http().get(path), 404, 'not_found');
    });
  });

  describe('with an allowed origin configured', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ LATCHKEY_CORS_ORIGINS: `${ALLOWED_ORIGIN}, https://other.example.com:8443` }, database);
    });
    afterAll(() => t.close());

    it('answers the preflight of the allowed origin', async () => {
      const res = await t
        .http()
        .options('/v1/me')
        .set('Origin', ALLOWED_ORIGIN)
        .set('Access-Control-Request-Method', 'PATCH')
        .set('Access-Control-Request-Headers', 'authorization, content-type');
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
      expect(res.headers['access-control-allow-methods']).toContain('PATCH');
      expect(res.headers['access-control-allow-headers']?.toLowerCase()).toContain('authorization');
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    });

    it('exposes the request id and token expiry to the allowed origin', async () => {
      const res = await t.http().get('/health/live').set('Origin', 'https://other.example.com:8443');
      expect(res.headers['access-control-allow-origin']).toBe('https://other.example.com:8443');
      expect(res.headers['access-control-expose-headers']).toContain('X-Request-Id');
      expect(res.headers['access-control-expose-headers']).toContain('Latchkey-Token-Expires-At');
    });

    it('gives another origin nothing', async () => {
      const res = await t.http().get('/health/live').set('Origin', 'https://console.example.com.evil.example');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  it('refuses a CORS origin with a path at boot', async () => {
    await expect(startTestApp({ LATCHKEY_CORS_ORIGINS: 'https://console.example.com/app' }, database)).rejects.toThrow(
      /LATCHKEY_CORS_ORIGINS/,
    );
  });
});
