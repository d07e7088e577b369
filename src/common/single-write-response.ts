// Every answer with a body leaves in one write (createFastifyAdapter gives node's HTTP server this class).
//
// Fastify ends an answer with `res.end(body)`. Node's end(body) corks the socket, queues the head and
// the body as one string, then queues an empty string as well (its "finish" marker) and uncorks: two
// buffers, so the answer goes out through writev, with its array of chunks and the stream's buffer
// clearing around it. For the token check's refusals (401 problem+json) that cost about 3 µs of CPU
// more than the allowed check's 204, which has no body and leaves in one write (docs/performance.md,
// "The token check"). Node documents end(data) as write(data) followed by end(); done in that order,
// and with the cork that write() takes released at once, the head and body leave in one write and
// end() finds nothing left to send. What reaches the client is byte for byte the same.
import { ServerResponse, type IncomingMessage } from 'node:http';

export class SingleWriteResponse<Request extends IncomingMessage = IncomingMessage> extends ServerResponse<Request> {
  override end(callback?: () => void): this;
  override end(chunk: unknown, callback?: () => void): this;
  override end(chunk: unknown, encoding: BufferEncoding, callback?: () => void): this;
  override end(chunk?: unknown, encoding?: BufferEncoding | (() => void), callback?: () => void): this {
    // Only a string after the head is made (Fastify's writeHead comes first): before it, end(data)
    // would make a Content-Length head where write(data) would make a chunked one.
    const socket = this.socket;
    if (typeof chunk === 'string' && this.headersSent && !this.writableEnded && socket !== null && !socket.writableCorked) {
      if (typeof encoding === 'function') {
        callback = encoding;
        encoding = undefined;
      }
      this.write(chunk, encoding ?? 'utf8');
      // write() corked the socket until the next tick; the head and body go now, in one write.
      socket.uncork();
      return super.end(callback);
    }
    return super.end(chunk, encoding as BufferEncoding, callback);
  }
}
