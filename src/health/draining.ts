// Graceful shutdown (SIGTERM, src/main.ts), in three steps, so that no request is lost behind any balancer:
// 1. Drain, for LATCHKEY_SHUTDOWN_DRAIN_SECONDS: still listening and serving, but readiness answers 503
//    (balancers that probe it, as Kubernetes and HAProxy do, stop sending) and every response closes its
//    connection (balancers that keep connections open stop reusing them).
// 2. Stop listening: a new connection is refused, which any balancer may send elsewhere whatever the
//    method, since nothing of it reached us (nginx does). Connections already open stay: what arrives on
//    them is served and answered with `Connection: close`, and an idle one is left for its peer to close
//    (nginx after its upstream keepalive_timeout): closing it here could cross a request the peer is
//    sending on it, which the peer cannot tell from one we received, and so cannot safely send again.
// 3. After the last connection has gone (or CONNECTIONS_WAIT_MS), Nest closes: buffered writes are
//    flushed, the pool is closed.
import { Injectable } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer } from 'node:net';

/** Longest wait in step 2 for open connections to end; a balancer's upstream keep-alive timeout should be shorter. */
export const CONNECTIONS_WAIT_MS = 10_000;
/** Longest wait in step 3 for in-flight requests and the last writes. */
const CLOSE_TIMEOUT_MS = 15_000;

@Injectable()
export class Draining {
  private draining = false;

  get active(): boolean {
    return this.draining;
  }

  begin(): void {
    this.draining = true;
  }
}

/**
 * Step 1's switch: readiness turns red, and every request from now on is answered `Connection: close`,
 * whichever route or error answers it (even the router's own, before any hook). A listener added only
 * now, so no request pays for it before. A request already under way keeps its connection, which step 2
 * then leaves to the peer like an idle one.
 */
export function startDraining(app: NestFastifyApplication): void {
  const draining = app.get(Draining);
  if (draining.active) return;
  draining.begin();
  (app.getHttpServer() as Server).prependListener('request', (_request: IncomingMessage, response: ServerResponse) => {
    response.shouldKeepAlive = false;
  });
}

/** The three steps above; resolves when the application is closed, rejects if it could not close. */
export async function shutDownGracefully(app: NestFastifyApplication, drainSeconds: number): Promise<void> {
  startDraining(app);
  setTimeout(() => process.exit(1), drainSeconds * 1000 + CONNECTIONS_WAIT_MS + CLOSE_TIMEOUT_MS).unref();
  await new Promise((resolve) => setTimeout(resolve, drainSeconds * 1000));
  await stopListening(app.getHttpServer() as Server, CONNECTIONS_WAIT_MS);
  await app.close();
}

/**
 * Stops accepting and resolves once every open connection has ended, or after `ms`. net.Server's close,
 * not http.Server's: since Node 19 the latter also closes idle keep-alive connections at once (step 2).
 */
function stopListening(server: Server, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    NetServer.prototype.close.call(server, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
