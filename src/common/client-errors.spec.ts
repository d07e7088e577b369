import type { Socket } from 'node:net';
import { answerClientError } from './client-errors';

/** A socket that keeps what is written to it, and says whether it was let go. */
type FakeSocket = Socket & { written: string[]; destroyedByUs: boolean };

function fakeSocket(state: { destroyed?: boolean; writable?: boolean } = {}): FakeSocket {
  const socket = {
    destroyed: state.destroyed ?? false,
    writable: state.writable ?? true,
    written: [] as string[],
    destroyedByUs: false,
    end(text: string, flushed?: () => void) {
      socket.written.push(text);
      flushed?.();
    },
    destroy() {
      socket.destroyedByUs = true;
    },
  };
  return socket as unknown as FakeSocket;
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
    // The socket itself goes once the answer is out, not only the server's half.
    expect(socket.destroyedByUs).toBe(true);
  });

  it('writes nothing to a client that is gone, and lets go of a socket it cannot write to', () => {
    const reset = fakeSocket();
    answerClientError(Object.assign(new Error('gone'), { code: 'ECONNRESET' }), reset);
    expect(reset.written).toEqual([]);
    const destroyed = fakeSocket({ destroyed: true });
    answerClientError(Object.assign(new Error('gone'), { code: 'HPE_INVALID_METHOD' }), destroyed);
    expect(destroyed.written).toEqual([]);
    const halfClosed = fakeSocket({ writable: false });
    answerClientError(Object.assign(new Error('late'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), halfClosed);
    expect(halfClosed.written).toEqual([]);
    expect(halfClosed.destroyedByUs).toBe(true);
  });
});
