// Security headers, as helmet computes them, worked out once at boot. (@fastify/helmet rebuilds
// helmet's middleware on every request, which took a tenth of a token check's CPU time in the bench.)
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

/** The headers helmet would set on every response, with static options (no per-request nonces). */
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
