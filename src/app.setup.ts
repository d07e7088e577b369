// Everything that makes the HTTP application what it is, shared by main.ts and the tests,
// so the tests exercise the same pipeline as production.
import { compile as compileTrustedProxies } from '@fastify/proxy-addr';
import { withoutPort } from './common/client-address';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest, RawServerDefault } from 'fastify';
import { randomUUID } from 'node:crypto';
import { parse as parseQueryString } from 'node:querystring';
import { existsSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import { Logger } from 'nestjs-pino';
import { SingleWriteResponse } from './common/single-write-response';
import { answerClientError, REQUEST_TIMEOUT_MS } from './common/client-errors';
import { apiSecurityHeaders, isApiRoute, securityHeaders } from './common/security-headers';
import { DomainError, ErrorCode, validationFailed, validationFailedWith } from './common/errors';
import { MAX_REQUEST_ID_LENGTH, ProblemDetailsFilter, sendProblem } from './common/problem-details.filter';
import { createValidationPipe, MAX_KEYS_PER_OBJECT, rawJsonProblem } from './common/validation';
import type { AppConfig } from './config/app-config';
import { Database } from './database/database';
import { MetricsService } from './metrics/metrics.service';
import { TokenUsageRecorder } from './tokens/token-usage.recorder';
import { RateLimits } from './rate-limits/rate-limits';
import type { Principal } from './auth/principal';
import { buildOpenApiDocument } from './openapi/openapi-document';
import { installGraphqlTransport } from './graphql/graphql-transport';
import { serveTokenCheckOutsideNest } from './checks/token-check-route';
import { isWarmUpRequest } from './common/warm-up-request';

export const BODY_LIMIT_BYTES = 1024 * 1024;
/**
 * Routes that take a few fields at most (every anonymous route with a JSON body: sign-up, login, the
 * mailed links, the invitation preview, leak reports; token exchange, the token checks, invitation
 * answers) read at most 8 KiB: Fastify stops reading there, before any parsing. GitHub's signed leak
 * reports are batches and keep the general limit.
 */
export const SMALL_BODY_LIMIT_BYTES = 8 * 1024;
const SMALL_BODY_ROUTES = new Set([
  '/v1/auth/login',
  '/v1/auth/register',
  '/v1/auth/logout',
  '/v1/auth/password-reset',
  '/v1/auth/password-reset/confirm',
  '/v1/auth/token',
  '/v1/auth/verify-email',
  '/v1/authorize',
  '/v1/authorize/*',
  '/v1/introspect',
  '/v1/invitations/accept',
  '/v1/invitations/:id/decline',
  '/v1/invitations/preview',
  '/v1/me/personal-token/regenerate',
  '/v1/tokens/report',
]);
/** Routes that verify a signature over the body as sent: the parser keeps the bytes (request.rawBody). */
const RAW_BODY_ROUTES = new Set(['/v1/secret-scanning/github']);
/**
 * RFC 7662 introspection and the RFC 8693 token exchange (workload identity federation) take form
 * bodies; every other route takes JSON only.
 */
const FORM_ROUTES = new Set(['/v1/introspect', '/v1/auth/token']);
export const API_PREFIX = 'v1';
/** Served at the root, outside /v1: probes and scrapers address them there. */
export const UNPREFIXED_ROUTES = ['health/live', 'health/ready', 'v1/health/live', 'v1/health/ready', 'metrics'];
const INCOMING_REQUEST_ID = new RegExp(`^[\\w.:-]{1,${MAX_REQUEST_ID_LENGTH}}$`);

export function createFastifyAdapter(config: AppConfig): FastifyAdapter {
  // What the onRequest hook would have set on an API answer: these URLs match no route.
  const headers = apiSecurityHeaders();
  return new FastifyAdapter({
    // Each answer with a body leaves in one write, not two buffers (single-write-response.ts).
    http: { ServerResponse: SingleWriteResponse as typeof ServerResponse },
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: trustProxyOption(config.trustProxy),
    requestIdHeader: false,
    // A caller's X-Request-Id is kept when it is sane, so a request can be followed across services.
    genReqId: (req: IncomingMessage) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && INCOMING_REQUEST_ID.test(incoming) ? incoming : randomUUID();
      (req as IncomingMessage & { id: string }).id = id;
      return id;
    },
    forceCloseConnections: 'idle',
    // A request must arrive whole in time (client-errors.ts); what Node's parser refuses is problem+json too.
    requestTimeout: REQUEST_TIMEOUT_MS,
    clientErrorHandler: answerClientError,
    // The router refuses a URL with broken percent-encoding or an over-long path parameter before any
    // hook or Nest sees the request; these answer like any other invalid path, in problem+json, with
    // the headers the onRequest hook would have set.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      reply.headers(headers);
      reply.header('X-Request-Id', request.id);
      sendProblem(reply, String(request.id), routerProblem(error.code));
    },
  });
}

/**
 * LATCHKEY_TRUST_PROXY as Fastify takes it. A hop count n believes the n entries nearest to us (the
 * socket's peer being hop 0), which is what Fastify does with a number; its type only admits a function.
 * A list is matched by Fastify's own matcher with any port a proxy appended dropped first (withoutPort):
 * alone, it takes `198.51.100.20:4431`, a trusted edge as the proxy behind it wrote it, for no address, so for
 * the client, and every client behind that edge became one (review 13a).
 */
function trustProxyOption(trust: AppConfig['trustProxy']): boolean | ((address: string, hop: number) => boolean) {
  if (trust === false) return false;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  // Fastify's own matcher (the same package), named ranges (loopback, uniquelocal…) included.
  const trusted = compileTrustedProxies(trust);
  return (address, hop) => trusted(withoutPort(address), hop);
}

function routerProblem(code: string): DomainError {
  switch (code) {
    case 'FST_ERR_BAD_URL':
      return validationFailed('path', 'is not a valid URL (broken percent-encoding)');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return validationFailed('path', 'has a parameter longer than the router accepts');
    default:
      return new DomainError(ErrorCode.Internal, 'An unexpected error occurred.');
  }
}

export async function configureApp(app: NestFastifyApplication, config: AppConfig): Promise<OpenAPIObject> {
  app.useLogger(app.get(Logger));
  // CORS stays closed (no Access-Control-* headers, preflights 404) unless origins are configured.
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.corsOrigins,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
      exposedHeaders: [
        'X-Request-Id',
        'Retry-After',
        'Latchkey-Token-Expires-At',
        'Latchkey-Principal-Id',
        'Latchkey-Principal-Type',
        'Latchkey-Workspace-Id',
      ],
      maxAge: 600,
    });
  }
  await serveWebUi(app, config.webUiDir);
  app.setGlobalPrefix(API_PREFIX, { exclude: UNPREFIXED_ROUTES });
  app.useGlobalPipes(createValidationPipe());
  const metrics = app.get(MetricsService);
  const problems = new ProblemDetailsFilter(app.get(Database), metrics);
  app.useGlobalFilters(problems);

  const fastify = app.getHttpAdapter().getInstance();
  // The token check is served by Fastify directly, past Nest's router (the one such place).
  serveTokenCheckOutsideNest(app, fastify, problems);
  // Routes are registered by app.init(), after this hook is in place.
  fastify.addHook('onRoute', (route) => {
    if (SMALL_BODY_ROUTES.has(route.url)) route.bodyLimit = SMALL_BODY_LIMIT_BYTES;
  });
  // Form bodies only where a route needs them; elsewhere 415 before the body is parsed. Node's parser
  // stops at one key past the limit, which the validation pipe then refuses.
  app.useBodyParser<RawServerDefault>('application/x-www-form-urlencoded', { bodyLimit: BODY_LIMIT_BYTES }, (request, body, done) => {
    if (!FORM_ROUTES.has(request.routeOptions.url ?? '')) {
      return done(
        new DomainError(
          ErrorCode.UnsupportedMediaType,
          'This route takes application/json; only /v1/introspect and /v1/auth/token take a form.',
        ),
        undefined,
      );
    }
    done(null, parseQueryString(body.toString('utf8'), '&', '=', { maxKeys: MAX_KEYS_PER_OBJECT + 1 }));
  });
  // An empty body sent as JSON (common for POSTs without parameters) reads as no body, not a 400.
  // Prototype-poisoning keys (__proto__, constructor.prototype) are refused with 400.
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  // A body far wider than any route takes is refused before JSON.parse builds it (validation.ts).
  app.useBodyParser<RawServerDefault>('application/json', { bodyLimit: BODY_LIMIT_BYTES }, (request, body, done) => {
    if (RAW_BODY_ROUTES.has(request.routeOptions.url ?? '')) (request as { rawBody?: Buffer }).rawBody = body;
    if (body.length === 0) return done(null, undefined);
    const text = body.toString('utf8');
    const problem = rawJsonProblem(text);
    if (problem) return done(validationFailedWith([problem]), undefined);
    parseJson(request, text, done);
  });
  // POST and GET /graphql (src/graphql): authenticated by the guard as a whole, with its own limits.
  installGraphqlTransport(app);
  // The page headers only where a page is served (the web UI, the docs, the mailed links' landing
  // page): everything else is an API answer (src/common/security-headers.ts).
  const pageHeaders = securityHeaders();
  const apiHeaders = apiSecurityHeaders(pageHeaders);
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.headers(isApiRoute(request.routeOptions.url) ? apiHeaders : pageHeaders);
    reply.header('x-request-id', request.id);
    done();
  });
  const usage = app.get(TokenUsageRecorder);
  metrics.observeTokenUsage(usage.stats, app.get(RateLimits).stats);
  // A callback, not an async function: no promise per request.
  fastify.addHook('onResponse', (request, reply, done) => {
    // The start-up warm-up's own requests are nobody's (src/checks/check-warm-up.ts).
    if (isWarmUpRequest(request.raw)) return done();
    metrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    // A refusal of an identified token (its principal is on the request): policy, scope, rate limit,
    // cut off, /v1/authorize's no. Counted in its usage (TokenUsageRecorder.refusal, the one hook).
    const status = reply.statusCode;
    if (status === 401 || status === 403 || status === 429) {
      const principal = (request as { user?: Principal }).user;
      if (principal) usage.refusal(principal.token.id);
    }
    done();
  });

  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json', yamlDocumentUrl: 'openapi.yaml' });
  return document;
}

/**
 * Serves the built web UI (web/dist) at /. Each file gets its own route (no wildcard), so an unknown
 * path still reaches the API's problem+json 404. The UI routes with the URL hash, so / is its only page.
 */
async function serveWebUi(app: NestFastifyApplication, root: string): Promise<void> {
  if (!existsSync(join(root, 'index.html'))) {
    app.get(Logger).warn(`No web UI at ${root} (run npm run build): serving the API alone`);
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: false,
    decorateReply: false,
    // Vite names assets by content hash, so they never change; the page itself is always revalidated.
    setHeaders: (reply, path) => {
      reply.header('Cache-Control', path.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  // The links Latchkey mails (src/mail/mail.ts) open these paths, the secret after their "#": the page
  // itself answers them, and moves the secret out of the address bar (web/src/mailed-link.ts).
  const page = readFileSync(join(root, 'index.html'));
  for (const path of MAILED_LINK_PATHS) {
    app
      .getHttpAdapter()
      .get(path, (_request: FastifyRequest, reply: FastifyReply) =>
        reply.header('Cache-Control', 'no-cache').type('text/html; charset=utf-8').send(page),
      );
  }
}

/** The console's paths in mailed links: `${LATCHKEY_PUBLIC_URL}${path}#token=…`. */
export const MAILED_LINK_PATHS = ['/verify-email', '/reset-password', '/invitations/accept'];
