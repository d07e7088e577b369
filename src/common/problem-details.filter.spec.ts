import type { FastifyReply } from 'fastify';
import { DomainError, ErrorCode } from './errors';
import { sendProblem } from './problem-details.filter';

/** What sendProblem leaves on a reply: status, headers, and the payload as sent. */
function recordingReply(): { reply: FastifyReply; sent: { status?: number; headers: Record<string, string>; payload?: unknown } } {
  const sent: { status?: number; headers: Record<string, string>; payload?: unknown } = { headers: {} };
  const reply = {
    header(name: string, value: string) {
      sent.headers[name.toLowerCase()] = value;
      return reply;
    },
    headers(values: Record<string, string>) {
      for (const [name, value] of Object.entries(values)) sent.headers[name.toLowerCase()] = value;
      return reply;
    },
    status(code: number) {
      sent.status = code;
      return reply;
    },
    send(payload: unknown) {
      sent.payload = payload;
      return reply;
    },
  };
  return { reply: reply as unknown as FastifyReply, sent };
}

const asJson = (payload: unknown) => (typeof payload === 'string' ? JSON.parse(payload) : payload);

describe('sendProblem', () => {
  it('answers a shared (frozen) error with the same body as a fresh one, its request id escaped as JSON', () => {
    const shared = Object.freeze(new DomainError(ErrorCode.TokenInvalid, 'The token is not valid.'));
    const fresh = new DomainError(ErrorCode.TokenInvalid, 'The token is not valid.');
    for (const requestId of ['r-1', 'quote"and\\backslash', 'ünïcødé ☃', 'second use of the cached head']) {
      const a = recordingReply();
      const b = recordingReply();
      sendProblem(a.reply, requestId, shared);
      sendProblem(b.reply, requestId, fresh);
      // The shared error's body is text made once and completed per request; the fresh one is serialised.
      expect(typeof a.sent.payload).toBe('string');
      expect(asJson(a.sent.payload)).toEqual(asJson(b.sent.payload));
      expect(Object.keys(asJson(a.sent.payload))).toEqual(['type', 'title', 'status', 'detail', 'code', 'requestId']);
      expect(asJson(a.sent.payload).requestId).toBe(requestId);
      expect(a.sent.status).toBe(401);
      expect(a.sent.headers).toEqual(b.sent.headers);
      expect(a.sent.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(a.sent.headers['www-authenticate']).toBe('Bearer realm="latchkey", error="invalid_token"');
    }
  });

  it('serialises a shared error with field errors or an OAuth code in full, every field kept', () => {
    const withErrors = Object.freeze(
      new DomainError(ErrorCode.ValidationFailed, 'The request is not valid.', { errors: [{ field: 'name', message: 'is empty' }] }),
    );
    const oauth = Object.freeze(new DomainError(ErrorCode.InvalidScope, 'No such scope.'));
    const a = recordingReply();
    sendProblem(a.reply, 'r', withErrors);
    expect(asJson(a.sent.payload)).toMatchObject({ status: 400, requestId: 'r', errors: [{ field: 'name', message: 'is empty' }] });
    const b = recordingReply();
    sendProblem(b.reply, 'r', oauth);
    expect(asJson(b.sent.payload)).toMatchObject({ code: 'invalid_scope', error: 'invalid_scope', error_description: 'No such scope.' });
    expect(b.sent.headers['cache-control']).toBe('no-store');
  });

  it('keeps what a shared error carries from being changed by one request for the next', () => {
    const shared = Object.freeze(new DomainError(ErrorCode.RateLimited, 'Slow down.', { retryAfterSeconds: 5 }));
    expect(() => {
      (shared.extras as { retryAfterSeconds?: number }).retryAfterSeconds = 0;
    }).toThrow(TypeError);
    expect(() => {
      (shared.extras as { headers?: Record<string, string> }).headers = { 'x-leak': 'one caller' };
    }).toThrow(TypeError);
    const answer = recordingReply();
    sendProblem(answer.reply, 'r', shared);
    expect(answer.sent.headers['retry-after']).toBe('5');
    expect(answer.sent.headers['x-leak']).toBeUndefined();
  });
});
