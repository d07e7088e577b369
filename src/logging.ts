// Structured JSON logs (pino). Requests are logged without headers or bodies: no token, password or hash.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Options } from 'pino-http';
import type { AppConfig } from './config/app-config';
import { isWarmUpRequest } from './common/warm-up-request';

/** Set on a request the request-log middleware has seen, so that it logs the request once. */
const REQUEST_LOGGED = Symbol('latchkey.requestLogged');

/**
 * True for a request already taken by the request-log middleware. Nest mounts that middleware once
 * more on the routes left out of the /v1 prefix (the probes, /metrics), and pino-http then logged
 * each of their requests two or three times.
 */
function seenBefore(req: IncomingMessage): boolean {
  const marked = req as IncomingMessage & { [REQUEST_LOGGED]?: true };
  if (marked[REQUEST_LOGGED]) return true;
  marked[REQUEST_LOGGED] = true;
  return false;
}

export function pinoHttpOptions(config: AppConfig): Options {
  return {
    level: config.logLevel,
    // The start-up warm-up's own requests are not logged (src/checks/check-warm-up.ts); every other
    // request is logged once, however many times the middleware is mounted on its route.
    autoLogging: config.logRequests ? { ignore: (req) => isWarmUpRequest(req) || seenBefore(req) } : false,
    // Fastify's genReqId already put the request id on the raw request.
    genReqId: (req: IncomingMessage) => (req as IncomingMessage & { id: string }).id,
    serializers: {
      req: (req: IncomingMessage & { id?: string; raw?: IncomingMessage }) => ({
        id: req.id,
        method: req.method,
        // The query string is dropped: nothing in it is ever needed to read a log.
        url: req.url?.split('?')[0],
      }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
      // pino-http adds an `err` with message and stack to every 5xx line (its own "failed with status
      // code 500" when nothing else is known). Errors are logged by kind only, as the exception filter
      // does: a message or stack can carry SQL, paths or a secret of the request.
      err: (err: { type?: unknown; code?: unknown; routine?: unknown } | undefined) => ({
        type: typeof err?.type === 'string' ? err.type : 'Error',
        ...(err?.code !== undefined ? { code: err.code } : {}),
        ...(err?.routine !== undefined ? { routine: err.routine } : {}),
      }),
    },
    redact: { paths: ['req.headers', 'res.headers', '*.authorization', '*.password', '*.secret', '*.token'], remove: true },
  };
}
