// Structured JSON logs (pino). Requests are logged without headers or bodies: no token, password or hash.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Options } from 'pino-http';
import type { AppConfig } from './config/app-config';

export function pinoHttpOptions(config: AppConfig): Options {
  return {
    level: config.logLevel,
    autoLogging: config.logRequests,
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
    },
    redact: { paths: ['req.headers', 'res.headers', '*.authorization', '*.password', '*.secret', '*.token'], remove: true },
  };
}
