// A real HTTP receiver for webhook tests, on the loopback only: it records every request and answers
// what the test scripted (a status, a delay, a redirect, a huge body).
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import type { Connector, WebhookSender } from '../../src/webhooks/webhook-sender';

export interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export type Answer = (req: IncomingMessage, res: ServerResponse) => void;

export const answerStatus =
  (status: number, body = ''): Answer =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
  };

export class WebhookReceiver {
  readonly received: Received[] = [];
  /** Answers used in turn; the last one stays. */
  private answers: Answer[] = [answerStatus(200, 'ok')];
  private readonly server: Server;

  private constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({
          path: req.url ?? '',
          headers: req.headers as Record<string, string>,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        const answer = this.answers.length > 1 ? this.answers.shift()! : this.answers[0];
        answer(req, res);
      });
    });
  }

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path = '/hook', host = '127.0.0.1'): string {
    return `http://${host}:${this.port}${path}`;
  }

  answer(...answers: Answer[]): void {
    this.answers = answers;
  }

  on(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export const WEBHOOK_TEST_ENV = {
  LATCHKEY_OUTBOX_WORKER: 'off',
  LATCHKEY_WEBHOOK_ALLOW_HTTP: 'true',
  // For the receiver on the loopback: tests and private deployments only.
  LATCHKEY_WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
  LATCHKEY_WEBHOOK_SECRETS_KEY: 'test-webhook-secrets-key-0123456789abcdef',
  LATCHKEY_WEBHOOK_CONNECT_TIMEOUT_MS: '1000',
  LATCHKEY_WEBHOOK_TIMEOUT_MS: '1500',
  LATCHKEY_WEBHOOK_MAX_ENDPOINTS: '40',
};

/** Wraps the connector: every address a delivery connects to is recorded, and none off the loopback is ever opened. */
export function guardConnections(sender: WebhookSender): string[] {
  const opened: string[] = [];
  const real: Connector = sender.connector;
  sender.connector = (target) => {
    opened.push(target.address);
    if (!(isIP(target.address) === 4 ? target.address.startsWith('127.') : target.address === '::1')) {
      throw new Error(`test guard: refused to connect to ${target.address}`);
    }
    return real(target);
  };
  return opened;
}
