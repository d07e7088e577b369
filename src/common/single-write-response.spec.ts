import { createServer, ServerResponse, type RequestListener, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { SingleWriteResponse } from './single-write-response';

/** How the server wrote to each connection: one entry per call, the chunks' lengths. */
type Writes = Array<{ call: '_write' | '_writev'; lengths: number[] }>;

async function serve(
  responseClass: typeof ServerResponse,
  handler: RequestListener,
): Promise<{ server: Server; port: number; writes: Writes }> {
  const writes: Writes = [];
  const server = createServer({ ServerResponse: responseClass }, handler);
  server.on('connection', (socket: Socket) => {
    const write = socket._write.bind(socket);
    const writev = socket._writev?.bind(socket);
    socket._write = (chunk: string | Buffer, encoding, callback) => {
      writes.push({ call: '_write', lengths: [Buffer.byteLength(chunk)] });
      write(chunk, encoding, callback);
    };
    socket._writev = (chunks: Array<{ chunk: string | Buffer; encoding: BufferEncoding }>, callback) => {
      writes.push({ call: '_writev', lengths: chunks.map((c) => Buffer.byteLength(c.chunk)) });
      writev?.(chunks, callback);
    };
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, writes };
}

/** The raw bytes of one answer, on a connection closed by the server. */
async function rawAnswer(port: number, request: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.write(request);
  await new Promise((resolve) => socket.on('close', resolve));
  return Buffer.concat(chunks).toString('utf8');
}

const withoutDate = (answer: string) => answer.replace(/^Date: .*\r\n/m, '');

const body = JSON.stringify({ type: 'about:blank', title: 'Token invalid', status: 401, detail: 'é, a non-ASCII character' });
const problem: RequestListener = (_req, res) => {
  res.writeHead(401, { 'content-type': 'application/problem+json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
};
const GET = 'GET /v1/authorize HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';

describe('SingleWriteResponse', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      server.close();
    }
  });
  const started = async (responseClass: typeof ServerResponse, handler: RequestListener) => {
    const served = await serve(responseClass, handler);
    servers.push(served.server);
    return served;
  };

  it("sends an answer's head and body in one write, where node's own response sends two buffers", async () => {
    const ours = await started(SingleWriteResponse as typeof ServerResponse, problem);
    const nodes = await started(ServerResponse, problem);
    const ourAnswer = await rawAnswer(ours.port, GET);
    const nodeAnswer = await rawAnswer(nodes.port, GET);
    expect(withoutDate(ourAnswer)).toBe(withoutDate(nodeAnswer));
    expect(ourAnswer).toMatch(/^HTTP\/1\.1 401 Unauthorized\r\n/);
    expect(ourAnswer.endsWith(`\r\n\r\n${body}`)).toBe(true);
    expect(ours.writes).toEqual([{ call: '_write', lengths: [Buffer.byteLength(ourAnswer)] }]);
    expect(nodes.writes.map((w) => w.call)).toEqual(['_writev']);
  });

  it("calls end's callback, and leaves an answer whose head is not made yet to node (its Content-Length head)", async () => {
    let finished = false;
    const ours = await started(SingleWriteResponse as typeof ServerResponse, (_req, res) => {
      res.statusCode = 200;
      res.end('plain', () => (finished = true));
    });
    const answer = await rawAnswer(ours.port, GET);
    expect(answer).toMatch(/\r\nContent-Length: 5\r\n/);
    expect(answer).not.toMatch(/Transfer-Encoding/);
    expect(answer.endsWith('\r\n\r\nplain')).toBe(true);
    expect(finished).toBe(true);
  });

  it('sends no body to a HEAD request, and keeps a connection for the next request', async () => {
    const ours = await started(SingleWriteResponse as typeof ServerResponse, problem);
    const head = await rawAnswer(ours.port, 'HEAD /v1/authorize HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 401 /);
    expect(head.endsWith('\r\n\r\n')).toBe(true);
    const twice = await rawAnswer(ours.port, `${GET.replace('Connection: close', 'Connection: keep-alive')}${GET}`);
    expect(twice.split(body).length - 1).toBe(2);
  });
});
