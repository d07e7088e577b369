import type { Socket } from 'node:net';
import { answerClientError } from './client-errors';

/** A socket that keeps what is written to it. */
function fakeSocket(state: { destroyed?: boolean; writable?: boolean } = {}): Socket & { written: string[] } {
  const written: string[] = [];
  return {
    destroyed: state.destroyed ?? false,
    writable: state.writable ?? true,
    written,
    end: (text: string) => written.push(text),
  } as unknown as Socket & {
    written: string[];
  };
}

function parse(raw: string): { status: number; headers: Record<string, string>; body: Record<string, unknown> } {
  const [head, body] = raw.split('\r\n\r\n');
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]));
  return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) };
}

describe('answerClientError', () => {
  it.each([
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'request_timeout'],
    ['HPE_HEADER_OVERFLOW', 431, 'headers_too_large'],
    ['HPE_INVALID_HEADER_TOKEN', 400, 'validation_failed'],
  ])('answers %s with %d %s in problem+json, with the API headers, and closes', (code, status, problemCode) => {
    const socket = fakeSocket();
    answerClientError(Object.assign(new Error('refused'), { code }), socket);
    expect(socket.written).toHaveLength(1);
    const answer = parse(socket.written[0]);
    expect(answer.status).toBe(status);
    expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers.connection).toBe('close');
    expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(socket.written[0].split('\r\n\r\n')[1]));
    expect(answer.body).toMatchObject({ status, code: problemCode, requestId: answer.headers['x-request-id'] });
    expect(JSON.stringify(answer.body)).not.toContain('refused');
  });

  it('writes nothing to a client that is gone or a socket that cannot be written', () => {
    for (const socket of [fakeSocket(), fakeSocket({ destroyed: true }), fakeSocket({ writable: false })]) {
      const code = socket.destroyed || !socket.writable ? 'HPE_INVALID_METHOD' : 'ECONNRESET';
      answerClientError(Object.assign(new Error('gone'), { code }), socket);
      expect(socket.written).toEqual([]);
    }
  });
});
