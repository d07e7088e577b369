// What Node's HTTP parser refuses never reaches Fastify's routing: a malformed request line or header,
// Content-Length beside Transfer-Encoding, headers over Node's 16 KiB, a request not received within
// REQUEST_TIMEOUT_MS. Fastify's own answer to these is its JSON ({ error, message, statusCode }) with
// none of the API's headers; this answers them as every other error is answered: problem+json, a
// request id, the API's security headers. The connection is closed after it: its bytes cannot be
// trusted to frame another request.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { DomainError, ErrorCode, statusFor, validationFailed } from './errors';
import { problemText } from './problem-details.filter';
import { apiSecurityHeaders } from './security-headers';

/**
 * How long a client may take to send a whole request, headers and body: past it the request is
 * answered 408 and its connection closed, so a client trickling a body holds no socket (nor up to
 * a body limit of buffer) for long. Node's own headers timeout is 60 s, and may not exceed this.
 */
export const REQUEST_TIMEOUT_MS = 60_000;

function problemFor(code: string | undefined): DomainError {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new DomainError(ErrorCode.RequestTimeout, `The request was not received within ${REQUEST_TIMEOUT_MS / 1000} s.`);
    case 'HPE_HEADER_OVERFLOW':
      return new DomainError(ErrorCode.HeadersTooLarge, 'The request headers are larger than 16 KiB.');
    default:
      return validationFailed('request', 'is not valid HTTP (a malformed request line or header)');
  }
}

/** Fastify's clientErrorHandler: the parser's refusal, answered in problem+json on the raw socket. */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  // Nothing can be written (an answer has ended the server's half): the socket is let go all the same.
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const problem = problemFor(error.code);
  const status = statusFor(problem.code);
  const requestId = randomUUID();
  const body = problemText(problem, requestId);
  const headers: Record<string, string> = {
    ...apiSecurityHeaders(),
    'content-type': 'application/problem+json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'x-request-id': requestId,
    connection: 'close',
  };
  const head = Object.entries(headers)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}: ${value}`);
  // Then the socket itself goes, not only the server's half: with this handler set Node leaves it to us,
  // and a client that never closes its side would otherwise hold it for ever (review 11).
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy());
}
