// Review 11: attacks on the fixes of the ninth and tenth looks. Each test asserts the secure
// behaviour and fails on the code it was written against.
import { connect, type Socket } from 'node:net';
import { startTestApp, type TestApp, listenOnLoopback } from '../support/test-app';

jest.setTimeout(180_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function serverConnections(t: TestApp): Promise<number> {
  return new Promise((resolve, reject) =>
    t.app.getHttpServer().getConnections((error: Error | null, n: number) => (error ? reject(error) : resolve(n))),
  );
}

/** A client that never closes its side (allowHalfOpen): it reads the answer and the server's FIN, and stays. */
function stubbornClient(port: number, bytes?: Buffer): Promise<{ socket: Socket; answer: () => string; ended: Promise<void> }> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => undefined);
    const ended = new Promise<void>((done) => socket.on('end', () => done()));
    socket.on('connect', () => {
      if (bytes) socket.write(bytes);
      resolve({ socket, answer: () => Buffer.concat(chunks).toString('latin1'), ended });
    });
  });
}

describe('review 11: the client-error answer and the connection it closes', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await startTestApp();
    port = await listenOnLoopback(t);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('R11-C1: after answering a request the parser refused, the server lets go of the socket even if the client never closes its side (answerClientError only ends its half: the socket was held for ever)', async () => {
    expect(await serverConnections(t)).toBe(0);
    const clients = [];
    for (let i = 0; i < 5; i++) {
      clients.push(await stubbornClient(port, Buffer.from('GET /v1/me HTTP/1.1\r\nHost: a\r\nX-A: \x01\r\n\r\n', 'latin1')));
    }
    await Promise.all(clients.map((c) => c.ended));
    for (const c of clients) expect(c.answer()).toMatch(/^HTTP\/1\.1 400 /);
    await sleep(2000);
    try {
      // Fastify's own handler destroyed the socket; ending only the server's half leaves it open as
      // long as the client likes: each costs a file descriptor, with no timeout left to end it.
      expect(await serverConnections(t)).toBe(0);
    } finally {
      for (const c of clients) c.socket.destroy();
    }
  });

  // R11-C2, a connection that sends nothing, answered 408 by Node's headers timeout (60 s, checked every
  // 30 s), goes through the same answer and is let go the same way; at 90 s it is not in the suite
  // (it passed once by hand with the fix). src/common/client-errors.spec.ts covers the 408 answer.
});
