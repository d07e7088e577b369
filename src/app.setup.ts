// Everything that makes the HTTP application what it is, shared by main.ts and the tests,
// so the tests exercise the same pipeline as production.
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { IncomingMessage } from 'node:http';
import type { RawServerDefault } from 'fastify';
import { randomUUID } from 'node:crypto';
import { Logger } from 'nestjs-pino';
import { ProblemDetailsFilter } from './common/problem-details.filter';
import { createValidationPipe } from './common/validation';
import type { AppConfig } from './config/app-config';
import { MetricsService } from './metrics/metrics.service';

export const BODY_LIMIT_BYTES = 1024 * 1024;
export const API_PREFIX = 'v1';
/** Served at the root, outside /v1: probes and scrapers address them there. */
export const UNPREFIXED_ROUTES = ['health/live', 'health/ready', 'v1/health/live', 'v1/health/ready', 'metrics'];
const INCOMING_REQUEST_ID = /^[\w.:-]{1,128}$/;

export function createFastifyAdapter(config: AppConfig): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.trustProxy,
    requestIdHeader: false,
    // A caller's X-Request-Id is kept when it is sane, so a request can be followed across services.
    genReqId: (req: IncomingMessage) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && INCOMING_REQUEST_ID.test(incoming) ? incoming : randomUUID();
      (req as IncomingMessage & { id: string }).id = id;
      return id;
    },
    forceCloseConnections: 'idle',
  });
}

export function configureApp(app: NestFastifyApplication, config: AppConfig): OpenAPIObject {
  app.useLogger(app.get(Logger));
  app.setGlobalPrefix(API_PREFIX, { exclude: UNPREFIXED_ROUTES });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemDetailsFilter());

  const fastify = app.getHttpAdapter().getInstance();
  // An empty body sent as JSON (common for POSTs without parameters) reads as no body, not a 400.
  // Prototype-poisoning keys (__proto__, constructor.prototype) are refused with 400.
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser<RawServerDefault>('application/json', { bodyLimit: BODY_LIMIT_BYTES }, (request, body, done) =>
    body.length === 0 ? done(null, undefined) : parseJson(request, body.toString('utf8'), done),
  );
  const metrics = app.get(MetricsService);
  fastify.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    metrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });

  const document = SwaggerModule.createDocument(app, openApiConfig());
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json', yamlDocumentUrl: 'openapi.yaml' });
  void config;
  return document;
}

export function openApiConfig() {
  return new DocumentBuilder()
    .setTitle('Latchkey')
    .setDescription('Workspaces, API users and access tokens, and the token check other services call.')
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Authorization: Bearer lkp_… (or Token lkp_…)' })
    .addApiKey({ type: 'apiKey', in: 'header', name: 'Authorization', description: 'Authorization: Token lkp_…' }, 'token')
    .build();
}
