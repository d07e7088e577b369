// Turns every error into one application/problem+json body (RFC 9457) with a request id.
// Unknown errors become a generic 500: no stack, SQL or driver message ever leaves the process.
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../database/database';
import { isError, isTransactionCollision, isUniqueViolation } from '../database/database-errors';
import type { MetricsService } from '../metrics/metrics.service';
import { DomainError, ErrorCode, FieldError, OAUTH_ERROR_CODES, statusFor, titleFor } from './errors';
import { isWarmUpRequest } from './warm-up-request';

/**
 * A busy pool is the same 503 `unavailable` as an outage (the request got no database; README, Errors), with
 * its own detail and a hint when to come back: the server is up and answers again once connections free up.
 */
export const POOL_EXHAUSTED_RETRY_AFTER_SECONDS = 1;

/** The longest request id an answer carries: a caller's own X-Request-Id is kept up to this length (app.setup.ts). */
export const MAX_REQUEST_ID_LENGTH = 128;

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  requestId: string;
  errors?: FieldError[];
  /** OAuth clients of the token exchange read these (RFC 6749 §5.2); the same as code and detail. */
  error?: string;
  error_description?: string;
}

const CODE_BY_HTTP_STATUS: Record<number, ErrorCode> = {
  400: ErrorCode.ValidationFailed,
  401: ErrorCode.TokenInvalid,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  405: ErrorCode.MethodNotAllowed,
  409: ErrorCode.Conflict,
  408: ErrorCode.RequestTimeout,
  413: ErrorCode.PayloadTooLarge,
  431: ErrorCode.HeadersTooLarge,
  415: ErrorCode.UnsupportedMediaType,
  429: ErrorCode.RateLimited,
  503: ErrorCode.Unavailable,
};

const PROBLEM_JSON = 'application/problem+json; charset=utf-8';

/**
 * A shared (frozen) error's body up to its request id, as JSON text: the token check refuses bad
 * tokens with a handful of such errors, and each refusal then serialises only its request id.
 */
const sharedProblemHeads = new WeakMap<DomainError, string>();

/** Writes the problem+json answer for a domain error; also used where Fastify answers before Nest (app.setup.ts). */
export function sendProblem(reply: FastifyReply, requestId: string, error: DomainError): void {
  const status = statusFor(error.code);
  if (status === 401) {
    reply.header(
      'www-authenticate',
      error.code === ErrorCode.InvalidCredentials ? 'Bearer realm="latchkey"' : 'Bearer realm="latchkey", error="invalid_token"',
    );
  }
  if (error.extras.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.extras.retryAfterSeconds));
  if (error.extras.headers) reply.headers(error.extras.headers);
  reply.status(status).header('content-type', PROBLEM_JSON);
  const head = Object.isFrozen(error) ? sharedProblemHead(error, status) : null;
  if (head !== null) {
    reply.send(`${head}${JSON.stringify(requestId)}}`);
    return;
  }
  const body: ProblemBody = { ...problemFields(error, status), requestId };
  if (error.extras.errors) body.errors = error.extras.errors;
  if (OAUTH_ERROR_CODES.has(error.code)) {
    body.error = error.code;
    body.error_description = error.detail;
    reply.header('cache-control', 'no-store');
  }
  reply.send(body);
}

/** What every problem body says before its request id, in this order. */
/** A problem's JSON text, for an answer written outside Fastify's reply (Node's parser refusals, app.setup.ts). */
export function problemText(error: DomainError, requestId: string): string {
  const body: ProblemBody = { ...problemFields(error, statusFor(error.code)), requestId };
  if (error.extras.errors) body.errors = error.extras.errors;
  return JSON.stringify(body);
}

function problemFields(error: DomainError, status: number): Omit<ProblemBody, 'requestId'> {
  return {
    type: `https://latchkey.dev/problems/${error.code.replace(/_/g, '-')}`,
    title: titleFor(error.code),
    status,
    detail: error.detail,
    code: error.code,
  };
}

/** The JSON text before the request id of a shared error whose body ends with it (no field errors, not OAuth); else null. */
function sharedProblemHead(error: DomainError, status: number): string | null {
  if (error.extras.errors || OAUTH_ERROR_CODES.has(error.code)) return null;
  let head = sharedProblemHeads.get(error);
  if (head === undefined) {
    head = `${JSON.stringify(problemFields(error, status)).slice(0, -1)},"requestId":`;
    sharedProblemHeads.set(error, head);
  }
  return head;
}

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(
    private readonly database: Pick<Database, 'unavailableReason' | 'poolStats'>,
    private readonly metrics: Pick<MetricsService, 'countDatabaseUnavailable'>,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    // A GraphQL resolver answers in the GraphQL body (src/graphql/graphql-errors.ts): the same mapping,
    // handed back as the domain error it gives, so both transports say the same of the same failure.
    if (host.getType<string>() === 'graphql') {
      throw this.toDomainError(exception, host.getArgByIndex<{ req: FastifyRequest }>(2).req);
    }
    const http = host.switchToHttp();
    this.answer(exception, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }

  /** The problem+json answer to `exception`; also for the token check served outside Nest's pipeline (src/checks/token-check-route.ts). */
  answer(exception: unknown, request: FastifyRequest, reply: FastifyReply): void {
    sendProblem(reply, String(request.id), this.toDomainError(exception, request));
  }

  private toDomainError(exception: unknown, request: FastifyRequest): DomainError {
    if (exception instanceof DomainError) return exception;
    // Fastify refuses an over-long body before any parsing, with the route's own limit (app.setup.ts).
    if (exception instanceof HttpException && exception.getStatus() === 413) return payloadTooLarge(request.routeOptions?.bodyLimit);
    if (exception instanceof HttpException) return this.fromHttpException(exception);
    const unavailable = this.database.unavailableReason(exception);
    if (unavailable) {
      // The start-up warm-up's own requests are nobody's: neither counted nor logged (it logs its one line).
      const quiet = isWarmUpRequest(request.raw);
      if (!quiet) this.metrics.countDatabaseUnavailable(unavailable);
      if (unavailable === 'pool_exhausted') {
        // Load, not an outage: the numbers say how far over the pool the demand was.
        const { size, inUse, waiting } = this.database.poolStats();
        if (!quiet) this.logger.warn({ requestId: request.id, pool: { size, inUse, waiting } }, 'database pool exhausted');
        return new DomainError(ErrorCode.Unavailable, 'Every database connection is busy; try again shortly.', {
          retryAfterSeconds: POOL_EXHAUSTED_RETRY_AFTER_SECONDS,
        });
      }
      if (!quiet) this.logger.warn({ requestId: request.id, err: describe(exception) }, 'database unavailable');
      return new DomainError(ErrorCode.Unavailable, 'The database is unavailable; try again shortly.');
    }
    if (isUniqueViolation(exception)) {
      return new DomainError(ErrorCode.Conflict, 'The request conflicts with existing data.');
    }
    if (isTransactionCollision(exception)) {
      // Rare by design (writes take their locks in one order), but never a 500: nothing was written.
      this.logger.warn({ requestId: request.id, err: describe(exception) }, 'transaction collided with a concurrent one');
      return new DomainError(ErrorCode.Conflict, 'The request collided with a concurrent change and was not applied; send it again.');
    }
    // Errors Fastify raises before Nest's pipeline (body parsing) carry a 4xx statusCode.
    const statusCode = (exception as { statusCode?: unknown })?.statusCode;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      return this.fromStatus(statusCode, (exception as { code?: string }).code);
    }
    this.logger.error({ requestId: request.id, err: describe(exception) }, 'unhandled error');
    return new DomainError(ErrorCode.Internal, 'An unexpected error occurred.');
  }

  private fromHttpException(exception: HttpException): DomainError {
    const status = exception.getStatus();
    if (status >= 500) {
      this.logger.error({ err: describe(exception) }, 'server error');
      return new DomainError(status === 503 ? ErrorCode.Unavailable : ErrorCode.Internal, 'An unexpected error occurred.');
    }
    return this.fromStatus(status, undefined, exception.message);
  }

  private fromStatus(status: number, fastifyCode?: string, message?: string): DomainError {
    const code = CODE_BY_HTTP_STATUS[status] ?? ErrorCode.ValidationFailed;
    switch (code) {
      case ErrorCode.PayloadTooLarge:
        return new DomainError(code, 'The request body is larger than 1 MiB.');
      case ErrorCode.UnsupportedMediaType:
        return new DomainError(code, 'Send the body as application/json.');
      case ErrorCode.NotFound:
        return new DomainError(code, 'No such resource.');
      case ErrorCode.ValidationFailed:
        return new DomainError(code, 'The request is not valid.', {
          errors: [{ field: 'body', message: bodyProblem(fastifyCode, message) }],
        });
      default:
        return new DomainError(code, titleFor(code) + '.');
    }
  }
}

/** Names the route's own limit: 1 MiB, or less on routes that take a few fields (app.setup.ts). */
function payloadTooLarge(limitBytes: number | undefined): DomainError {
  const limit = limitBytes && limitBytes < 1024 * 1024 ? `${Math.round(limitBytes / 1024)} KiB` : '1 MiB';
  return new DomainError(ErrorCode.PayloadTooLarge, `The request body is larger than ${limit}, the most this route accepts.`);
}

function bodyProblem(fastifyCode: string | undefined, message: string | undefined): string {
  if (fastifyCode === 'FST_ERR_CTP_INVALID_JSON_BODY' || /JSON/i.test(message ?? '')) return 'is not valid JSON';
  if (fastifyCode === 'FST_ERR_CTP_EMPTY_JSON_BODY') return 'is empty but the content type is JSON';
  if (/prototype|__proto__|constructor/i.test(message ?? '')) return 'contains a forbidden key';
  return 'could not be read';
}

/** What may be logged about an unknown error: its class and codes, never its message (it may hold SQL or values). */
function describe(error: unknown): Record<string, unknown> {
  if (!isError(error)) return { type: typeof error };
  const { code, routine } = error as { code?: unknown; routine?: unknown };
  return { type: error.constructor?.name ?? 'Error', code, routine };
}
