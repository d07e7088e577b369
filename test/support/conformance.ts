// Every answer a test app gives is held against the served OpenAPI document: its status must be one the
// operation declares, its body must match that status's schema (with no field the schema does not name),
// its media type must be the declared one, and a header the document marks required must be there. The
// whole test suite is then the document's conformance test: a route whose views drift from its schema,
// or that answers a status nobody documented, fails the test file that made it do so (at t.close()).
//
// LATCHKEY_CONFORMANCE=off skips it; =report only appends violations as JSON lines to
// LATCHKEY_CONFORMANCE_REPORT (default: strict, a violation fails the file).
import type { INestApplication } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { appendFileSync } from 'node:fs';

type Mode = 'strict' | 'report' | 'off';
const MODE = (process.env.LATCHKEY_CONFORMANCE ?? 'strict') as Mode;
const REPORT = process.env.LATCHKEY_CONFORMANCE_REPORT;

export interface Answer {
  method: string;
  /** The route as Fastify matched it: /v1/workspaces/:wid. */
  route: string;
  status: number;
  contentType: string;
  headers: Record<string, unknown>;
  body: string | null;
}

export interface Violation {
  operation: string;
  status: number;
  problem: string;
}

interface Schemas {
  document: OpenAPIObject;
  ajv: Ajv;
  compiled: Map<string, ValidateFunction>;
}

export class ConformanceRecorder {
  private readonly answers: Answer[] = [];

  /** Call before app.init(): routes registered afterwards still pass through a root hook. */
  static attach(app: INestApplication): ConformanceRecorder | null {
    if (MODE === 'off') return null;
    const recorder = new ConformanceRecorder();
    const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
    fastify.addHook('onSend', async (request, reply, payload) => {
      const route = request.routeOptions?.url;
      if (route) {
        recorder.answers.push({
          method: request.method.toLowerCase(),
          route,
          status: reply.statusCode,
          contentType: String(reply.getHeader('content-type') ?? ''),
          headers: reply.getHeaders() as Record<string, unknown>,
          body: typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : null,
        });
      }
      return payload;
    });
    return recorder;
  }

  /** Checks what was recorded against the document the app serves; throws (strict) with the violations, listed once each. */
  verify(document: OpenAPIObject): Violation[] {
    if (this.answers.length === 0) return [];
    const violations = violationsOf(document, this.answers.splice(0));
    if (REPORT && violations.length)
      appendFileSync(REPORT, violations.map((v) => JSON.stringify({ file: testFile(), ...v }) + '\n').join(''));
    if (MODE === 'strict' && violations.length) {
      throw new Error(
        `The answers do not match the OpenAPI document (test/support/conformance.ts):\n` +
          violations.map((v) => `  ${v.operation} → ${v.status}: ${v.problem}`).join('\n'),
      );
    }
    return violations;
  }
}

/** What in `answers` the document does not allow, each kind of violation once. */
export function violationsOf(document: OpenAPIObject, answers: readonly Answer[]): Violation[] {
  const schemas = compileSchemas(document);
  const seen = new Map<string, Violation>();
  for (const answer of answers) {
    for (const violation of check(schemas, answer)) {
      const key = `${violation.operation} ${violation.status} ${violation.problem}`;
      if (!seen.has(key)) seen.set(key, violation);
    }
  }
  return [...seen.values()];
}

function testFile(): string {
  return (expect.getState().testPath ?? '').replace(process.cwd() + '/', '');
}

function compileSchemas(document: OpenAPIObject): Schemas {
  const ajv = new Ajv({ strict: false, allErrors: false, validateFormats: true });
  addFormats(ajv);
  // Closed objects: a field a view sends and the document does not name is a drift too.
  const strict = closeObjects(structuredClone(document)) as OpenAPIObject;
  ajv.addSchema({ components: strict.components }, 'openapi');
  return { document: strict, ajv, compiled: new Map() };
}

/** additionalProperties: false on every object schema that names its properties and says nothing else. */
function closeObjects(node: unknown): unknown {
  if (Array.isArray(node)) node.forEach(closeObjects);
  else if (node && typeof node === 'object') {
    const schema = node as Record<string, unknown>;
    if (schema.properties && schema.additionalProperties === undefined && !schema.allOf && !schema.oneOf && !schema.anyOf) {
      schema.additionalProperties = false;
    }
    Object.values(schema).forEach(closeObjects);
  }
  return node;
}

function openApiPath(route: string): string {
  return route.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, '{path}');
}

function check(schemas: Schemas, answer: Answer): Violation[] {
  const path = openApiPath(answer.route);
  const item = schemas.document.paths[path] as Record<string, unknown> | undefined;
  // HEAD is answered by Fastify from the GET route; the document lists GET.
  const method = answer.method === 'head' ? 'get' : answer.method;
  const operation = item?.[method] as
    | {
        operationId?: string;
        responses?: Record<
          string,
          { content?: Record<string, { schema?: unknown }>; headers?: Record<string, { $ref?: string; required?: boolean }> }
        >;
      }
    | undefined;
  // Not an operation of the document (the web UI's files, OPTIONS preflights), or a test's own controller:
  // its operationId is still Nest's Controller_method, which no route of the product keeps (operations.ts).
  if (!operation || operation.operationId?.includes('_')) return [];
  const name = `${answer.method.toUpperCase()} ${path} (${operation.operationId})`;
  const violation = (problem: string): Violation => ({ operation: name, status: answer.status, problem });
  const response = operation.responses?.[String(answer.status)];
  if (!response) return [violation('status not declared')];
  const problems: Violation[] = [];
  for (const [header, declared] of Object.entries(response.headers ?? {})) {
    const spec = resolve(schemas.document, declared);
    if (spec.required && answer.headers[header.toLowerCase()] === undefined) problems.push(violation(`required header ${header} missing`));
  }
  const content = response.content ?? {};
  const mediaTypes = Object.keys(content);
  if (answer.method === 'head' || answer.status === 204 || answer.status === 304) return problems;
  if (mediaTypes.length === 0) {
    if (answer.body) problems.push(violation('a body where the document declares none'));
    return problems;
  }
  const mediaType = answer.contentType.split(';')[0].trim();
  if (!content[mediaType]) return [...problems, violation(`media type ${mediaType || '(none)'} not declared (${mediaTypes.join(', ')})`)];
  const schema = content[mediaType].schema;
  if (!schema || !mediaType.endsWith('json') || answer.body === null) return problems;
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    return [...problems, violation('body is not JSON')];
  }
  const key = `${path} ${method} ${answer.status} ${mediaType}`;
  let validate = schemas.compiled.get(key);
  if (!validate) {
    validate = schemas.ajv.compile(rebase(schema) as object);
    schemas.compiled.set(key, validate);
  }
  if (!validate(body)) {
    const errors = (validate.errors ?? [])
      .slice(0, 3)
      .map(
        (e) =>
          `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
      );
    problems.push(violation(`body does not match the schema: ${errors.join('; ')}`));
  }
  return problems;
}

/** A header (or any object) given by $ref to the document's components, resolved. */
function resolve(document: OpenAPIObject, node: { $ref?: string; required?: boolean }): { required?: boolean } {
  if (!node.$ref) return node;
  const [, section, name] = /^#\/components\/([^/]+)\/(.+)$/.exec(node.$ref) ?? [];
  return ((document.components as Record<string, Record<string, { required?: boolean }>> | undefined)?.[section]?.[name] ?? {}) as {
    required?: boolean;
  };
}

/** Points the operation's $refs at the components added to Ajv as `openapi`. */
function rebase(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"openapi#/components/'));
}
