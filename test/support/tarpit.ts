// A webhook receiver that never answers, for the outbox lanes' tests: each delivery attempt to it
// holds its slot until the attempt's timeout.
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearer } from './api';
import type { WorkspaceFixture } from './fixtures';
import { startTestApp, type TestApp } from './test-app';
import { guardConnections, WEBHOOK_TEST_ENV, WebhookReceiver } from './webhook-receiver';
import { WebhookSender } from '../../src/webhooks/webhook-sender';

/** An HTTP server on the loopback that reads each request and never answers it. */
export class Tarpit {
  /** Requests taken, and those whose client gave up (the delivery attempt ended). */
  taken = 0;
  ended = 0;
  /** Requests hanging now, and the most that hung at once since resetMost(), by path (one endpoint's). */
  private readonly hangingOn = new Map<string, number>();
  private readonly mostOn = new Map<string, number>();
  private readonly endedOn = new Map<string, number>();
  private readonly server: Server;

  private constructor() {
    this.server = createServer((req, res) => {
      const path = req.url ?? '';
      this.taken++;
      const hanging = (this.hangingOn.get(path) ?? 0) + 1;
      this.hangingOn.set(path, hanging);
      this.mostOn.set(path, Math.max(hanging, this.mostOn.get(path) ?? 0));
      res.on('close', () => {
        this.ended++;
        this.hangingOn.set(path, this.hangingOn.get(path)! - 1);
        this.endedOn.set(path, (this.endedOn.get(path) ?? 0) + 1);
      });
      req.resume();
    });
  }

  /** Attempts on `path` that ended (timed out). */
  endedAt(path: string): number {
    return this.endedOn.get(path) ?? 0;
  }

  /** The most attempts on `path` that hung at once since resetMost(). */
  mostAt(path: string): number {
    return this.mostOn.get(path) ?? 0;
  }

  /** Starts counting the most at once afresh, from what hangs now. */
  resetMost(): void {
    this.mostOn.clear();
    for (const [path, n] of this.hangingOn) this.mostOn.set(path, n);
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
  for (let n = 0; n < count; n++) await subscribe(t, ws, tarpit.url(`/hook-${n}`));
}

/** A webhook endpoint of `ws` at `url`, subscribed to device.created, made by its owner; its id. */
export async function subscribe(t: TestApp, ws: WorkspaceFixture, url: string): Promise<string> {
  const res = await t
    .http()
    .post(`/v1/workspaces/${ws.id}/webhooks`)
    .set(bearer(ws.owner.personalToken))
    .send({ url, events: ['device.created'] })
    .expect(201);
  return res.body.endpoint.id;
}

/**
 * An app whose outbox worker delivers in the background (polling rarely: commits wake it), webhooks
 * allowed to the loopback's receivers only, and each attempt given up after `timeoutMs`.
 */
export async function startDeliveringApp(timeoutMs: number, env: Record<string, string> = {}): Promise<TestApp> {
  const t = await startTestApp({
    ...WEBHOOK_TEST_ENV,
    LATCHKEY_OUTBOX_WORKER: 'on',
    LATCHKEY_OUTBOX_POLL_SECONDS: '300',
    LATCHKEY_WEBHOOK_TIMEOUT_MS: String(timeoutMs),
    ...env,
  });
  guardConnections(t.app.get(WebhookSender));
  return t;
}

/** What deliveringBeside sets up for a describe block: its app, a tarpit and a receiver that answers. */
export interface TarpitBench {
  t: TestApp;
  tarpit: Tarpit;
  receiver: WebhookReceiver;
}

/**
 * Registers, in the calling describe block, a tarpit, a receiver and a delivering app whose attempts
 * give up after `timeoutMs`; read the fields inside a test (they are set before it). The tarpit closes
 * first, ending the hanging attempts, so the app's shutdown does not wait for them.
 */
export function deliveringBeside(timeoutMs: number): TarpitBench {
  const bench = {} as TarpitBench;
  beforeAll(async () => {
    bench.tarpit = await Tarpit.start();
    bench.receiver = await WebhookReceiver.start();
    bench.t = await startDeliveringApp(timeoutMs);
  });
  afterAll(async () => {
    await bench.tarpit?.close();
    await bench.t?.close();
    await bench.receiver?.close();
  });
  return bench;
}
