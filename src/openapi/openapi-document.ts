// The OpenAPI document, built once from the code: Nest's scan of the controllers, then what the scan
// cannot say, added here for every operation at once: a readable operationId and a summary
// (operations.ts), every path parameter, and who may call it (x-latchkey-access, from the route's rule).
import type { INestApplication, Type } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { DocumentBuilder, getSchemaPath, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { OperationObject, ParameterObject, PathItemObject, RequestBodyObject } from '@nestjs/swagger';
import { describeAccessRule } from '../auth/access-rule-description';
import { DEVICE_ACCESS_MODELS } from '../authorization/device-access.dto';
import { TokenExchangeFormDto } from '../federation/token-exchange.dto';
import { ACCESS_RULE, AccessRule } from '../auth/access.decorators';
import { UUID_SCHEMA } from '../common/uuid-param';
import { OPERATIONS } from './operations';
import { API_PROBLEMS, type ProblemStatus } from './problems';
import { addSharedResponses, PLATFORM_ADMIN_SCHEME, PROBLEM_SCHEMA, SHARED_HEADERS } from './shared-responses';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
/** The methods OpenAPI 3.0 has no field for (an ALL route answers them; the document cannot say so). */
const UNDOCUMENTED_METHODS = ['search'];
/** Path parameters that are not UUIDs: the rest of the path behind /v1/authorize/*. */
const FREE_PATH_PARAMETERS = new Set(['path']);

/**
 * Paths are relative to the origin serving the document: one deployment (production, staging or a local
 * one) documents itself. Not internal: other services and people call it.
 */
const SERVER = {
  url: '/',
  description: 'This Latchkey deployment (production, staging or local): the origin serving this document',
  'x-internal': false,
};

export function openApiConfig() {
  return (
    new DocumentBuilder()
      .setTitle('Latchkey')
      .setDescription('Workspaces, API users and access tokens, and the token check other services call.')
      .setVersion('1')
      // Latchkey's tokens are opaque (lkp_…, lks_…, lka_…), not JWTs: Nest would say JWT by default.
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'opaque',
        description: 'Authorization: Bearer lkp_… (or Token lkp_…)',
      })
      .addApiKey({ type: 'apiKey', in: 'header', name: 'Authorization', description: 'Authorization: Token lkp_…' }, 'token')
      .build()
  );
}

/**
 * Routes that take a form besides their JSON body, with a schema of its own (by handler): the token
 * exchange's RFC 8693 form, whose fields are not the JSON body's.
 */
const FORM_BODIES: Record<string, Type<unknown>> = { 'AccountsController.exchange': TokenExchangeFormDto };

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(app, openApiConfig(), {
    extraModels: [...DEVICE_ACCESS_MODELS, ...Object.values(FORM_BODIES)],
  });
  document.servers = [SERVER];
  const components = (document.components ??= {});
  components.schemas = { ...components.schemas, Problem: PROBLEM_SCHEMA };
  components.headers = { ...components.headers, ...SHARED_HEADERS };
  components.securitySchemes = { ...components.securitySchemes, platformAdmin: PLATFORM_ADMIN_SCHEME };
  const { rules, problems } = handlerMetadata(app);
  const operations: { path: string; method: string; operation: OperationObject; key: string }[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of UNDOCUMENTED_METHODS) delete (item as Record<string, unknown>)[method];
    for (const method of HTTP_METHODS) {
      const operation = (item as PathItemObject)[method];
      if (!operation) continue;
      const key = handlerKey(operation.operationId);
      operations.push({ path, method, operation, key });
    }
  }
  for (const { path, method, operation, key } of operations) {
    const siblings = operations.filter((o) => o.key === key);
    const shortest = siblings.map((o) => o.path).reduce((a, b) => (b.length < a.length ? b : a));
    const methods = new Set(siblings.map((o) => o.method));
    // A summary written on the route (@ApiOperation) says more than the table's: it becomes the description.
    if (operation.summary && !operation.description) operation.description = operation.summary;
    // A route missing from operations.ts keeps Nest's Controller_method form, which the contract test
    // refuses; the document is still served (a test-only controller, or production, never fails on it).
    const named = OPERATIONS[key] ?? { id: key.replace('.', '_'), summary: key };
    operation.operationId = named.id + pathSuffix(path, shortest) + (methods.size > 1 ? capitalize(method) : '');
    operation.summary = named.summary + (methods.size > 1 ? ` (${method.toUpperCase()})` : '');
    operation.parameters = withPathParameters(path, operation.parameters as ParameterObject[] | undefined);
    const rule = rules.get(key);
    // A public route takes no token: said explicitly, since the document has no default security. One
    // that checks a key of its own (/metrics) declares it with @ApiBearerAuth() and keeps it.
    const keyed = rule?.kind === 'public' && Boolean(operation.security?.length);
    if (rule?.kind === 'public' && !keyed) operation.security = [];
    if (rule?.kind === 'authenticated' && rule.platformAdmin) operation.security = [{ platformAdmin: [] }];
    // A token-exchange form carries its own credential (the subject token): no Authorization then.
    if (rule?.kind === 'authenticated' && rule.tokenExchangeForm) operation.security = [...(operation.security ?? []), {}];
    Object.assign(operation, { 'x-latchkey-access': describeAccessRule(rule) });
    const form = FORM_BODIES[key];
    const body = operation.requestBody as RequestBodyObject | undefined;
    if (form && body) body.content['application/x-www-form-urlencoded'] = { schema: { $ref: getSchemaPath(form) } };
    addSharedResponses(operation, { method, path, rule, own: problems.get(key) ?? [], keyed });
  }
  sizeIntegers(document);
  return document;
}

/** Every integer here (limits, days, statuses, counts) fits 32 bits; said once instead of on each field. */
function sizeIntegers(node: unknown): void {
  if (Array.isArray(node)) node.forEach(sizeIntegers);
  else if (node && typeof node === 'object') {
    const schema = node as Record<string, unknown>;
    if (schema.type === 'integer' && schema.format === undefined) schema.format = 'int32';
    Object.values(schema).forEach(sizeIntegers);
  }
}

/** `Controller.method` from Nest's default operationId (`Controller_method`, `…_get` for ALL, `…[1]` for an alias path). */
function handlerKey(operationId: string | undefined): string {
  const match = /^([A-Za-z0-9]+)_([A-Za-z0-9]+)/.exec(operationId ?? '');
  if (!match) throw new Error(`Unexpected operationId ${operationId}`);
  return `${match[1]}.${match[2]}`;
}

/** Each handler's access rule (as the guard reads it) and @ApiProblems, by `Controller.method`. */
function handlerMetadata(app: INestApplication) {
  const reflector = app.get(Reflector);
  const rules = new Map<string, AccessRule | undefined>();
  const problems = new Map<string, ProblemStatus[]>();
  for (const wrapper of app.get(DiscoveryService).getControllers()) {
    const controller = wrapper.metatype as (new (...args: unknown[]) => unknown) | null;
    if (!controller) continue;
    for (const name of Object.getOwnPropertyNames(controller.prototype)) {
      if (name === 'constructor') continue;
      const handler = controller.prototype[name];
      if (typeof handler !== 'function') continue;
      rules.set(`${controller.name}.${name}`, reflector.getAllAndOverride<AccessRule>(ACCESS_RULE, [handler, controller]));
      problems.set(`${controller.name}.${name}`, reflector.get<ProblemStatus[]>(API_PROBLEMS, handler) ?? []);
    }
  }
  return { rules, problems };
}

/** Every {name} of the path declared once, required; ids are UUIDs. */
function withPathParameters(path: string, parameters: ParameterObject[] = []): ParameterObject[] {
  const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  const others = parameters.filter((p) => p.in !== 'path');
  const declared = inPath.map((name): ParameterObject => {
    const existing = parameters.find((p) => p.in === 'path' && p.name === name);
    const free = FREE_PATH_PARAMETERS.has(name);
    return {
      ...existing,
      name,
      in: 'path',
      required: true,
      ...(free ? { description: existing?.description ?? 'The forwarded path below /v1/authorize (Envoy); it may contain slashes' } : {}),
      // The wildcard is bounded by Node's 16 KiB request head, not by the router's parameter length.
      schema: free ? { type: 'string', maxLength: 16384 } : { ...UUID_SCHEMA },
    };
  });
  return [...declared, ...others];
}

/** What a path adds to its shortest sibling, as a name: /v1/health/live against /health/live is `V1`. */
function pathSuffix(path: string, shortest: string): string {
  if (path === shortest) return '';
  const base = new Set(shortest.split('/'));
  return path
    .split('/')
    .filter((s) => s && !base.has(s))
    .map((s) => capitalize(s.replace(/[{}]/g, '')))
    .join('');
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
