// Security headers, worked out once at boot. (@fastify/helmet rebuilds helmet's middleware on every
// request, which took a tenth of a token check's CPU time in the bench.) Two sets: what helmet sets
// for pages a browser renders (the web UI, the docs), and the shorter set the OWASP REST Security
// Cheat Sheet gives for API answers, which no browser renders as a page.
import helmet, { type HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The web UI and the docs page load nothing from elsewhere; inline styles are allowed for the Swagger
 * UI's own stylesheet, never inline scripts.
 */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  frameAncestors: ["'none'"],
  formAction: ["'self'"],
  baseUri: ["'none'"],
  objectSrc: ["'none'"],
  // Behind TLS the proxy redirects; on a plain-HTTP local run an upgrade would break every asset.
  upgradeInsecureRequests: null,
};

/** The headers helmet would set on a page, with static options (no per-request nonces), and no-store. */
export function securityHeaders(
  options: HelmetOptions = { contentSecurityPolicy: { directives: CONTENT_SECURITY_POLICY } },
): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number) => {
      headers[name] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name];
    },
  };
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
  });
  // Answers carry secrets (new tokens, invitation secrets) and personal data: no browser or proxy
  // keeps a copy. One rule for every response rather than a list of the routes that need it, which
  // a new route could miss; the web UI's static files set their own caching (app.setup.ts).
  headers['Cache-Control'] = 'no-store';
  // Names in lower case, as Fastify stores them (and so sends them): it lower-cases every name it is
  // given, which for a name already lower-case allocates nothing (twenty headers on every request).
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

/**
 * The headers of every API answer (JSON, problem+json, the token check's 204). Its content may be
 * framed by nothing and load nothing (`default-src 'none'`, stricter than a page's policy), is read by
 * no other origin's page (CORP), and is kept by no cache. The page-only headers are left out: they
 * govern a rendered document (its opener, its links' prefetching and referrers, old IE's download
 * prompt and XSS filter, Flash's policy files), and each costs the token check a header to set,
 * validate and send (docs/performance.md).
 */
export function apiSecurityHeaders(pageHeaders: Record<string, string> = securityHeaders()): Record<string, string> {
  return {
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'cross-origin-resource-policy': 'same-origin',
    'referrer-policy': 'no-referrer',
    'strict-transport-security': pageHeaders['strict-transport-security'],
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
  };
}

/** Routes that answer an API client, not a browser page: the API, GraphQL, the probes and the metrics. */
export function isApiRoute(url: string | undefined): boolean {
  if (url === undefined) return true; // no route: a problem+json 404
  return url.startsWith('/v1/') || url === '/graphql' || url.startsWith('/health/') || url === '/metrics';
}
