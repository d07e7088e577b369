// A webhook receiver that never answers, for the outbox lanes' tests: each delivery attempt to it
// holds its slot until the attempt's timeout.
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearer } from './api';
import type { WorkspaceFixture } from './fixtures';
import type { TestApp } from './test-app';

/** An HTTP server on the loopback that reads each request and never answers it. */
export class Tarpit {
  /** Requests taken, and those whose client gave up (the delivery attempt ended). */
  taken = 0;
  ended = 0;
  private readonly server: Server;

  private constructor() {
    this.server = createServer((req, res) => {
      this.taken++;
      res.on('close', () => this.ended++);
      req.resume();
    });
  }

  static async start(): Promise<Tarpit> {
    const tarpit = new Tarpit();
    await new Promise<void>((resolve) => tarpit.server.listen(0, '127.0.0.1', resolve));
    return tarpit;
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * `count` endpoints of `ws` on the tarpit, each subscribed to device.created: every device `ws` makes
 * then adds `count` deliveries whose attempts never end before their timeout.
 */
export async function endpointsOnTarpit(t: TestApp, ws: WorkspaceFixture, tarpit: Tarpit, count: number): Promise<void> {
  for (let n = 0; n < count; n++) {
    await t
      .http()
      .post(`/v1/workspaces/${ws.id}/webhooks`)
      .set(bearer(ws.owner.personalToken))
      .send({ url: tarpit.url(`/hook-${n}`), events: ['device.created'] })
      .expect(201);
  }
}
