// The separate metrics listener (LATCHKEY_METRICS_PORT): GET /metrics and nothing else, on its own
// host and port, so a scraper reaches it on an internal network while the API's port serves none.
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DomainError, statusFor } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { assertMetricsKey } from './metrics-access';
import { MetricsService } from './metrics.service';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

@Injectable()
export class MetricsListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server: Server | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { port, host } = this.config.metrics;
    if (port === null) return;
    const server = createServer((request, response) => void this.handle(request, response));
    // A scraper needs a few KiB of headers and no body; slow or idle clients are cut off early.
    server.headersTimeout = 10_000;
    server.requestTimeout = 10_000;
    server.keepAliveTimeout = 5_000;
    server.maxHeadersCount = 50;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.logger.log(`Metrics on http://${host}:${this.port()}/metrics`);
    if (!this.config.metrics.tokenDigest && !LOOPBACK.test(host)) {
      this.logger.warn(
        `The metrics listener on ${host} asks for no key: anyone who reaches that address reads the metrics (set LATCHKEY_METRICS_TOKEN)`,
      );
    }
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The port it listens on (LATCHKEY_METRICS_PORT=0 picks a free one); null when there is none. */
  port(): number | null {
    return this.server ? (this.server.address() as AddressInfo).port : null;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.setHeader('Cache-Control', 'no-store');
    response.setHeader('X-Content-Type-Options', 'nosniff');
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics') return problem(response, 404, 'not_found', 'Only GET /metrics is served here.');
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return problem(response, 405, 'method_not_allowed', 'Only GET /metrics is served here.');
    const { tokenDigest } = this.config.metrics;
    try {
      if (tokenDigest) assertMetricsKey(tokenDigest, request.headers.authorization);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      response.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      return problem(response, statusFor(error.code), error.code, error.message);
    }
    try {
      const text = await this.metrics.scrape();
      response.writeHead(200, { 'Content-Type': this.metrics.registry.contentType });
      response.end(request.method === 'HEAD' ? undefined : text);
    } catch {
      problem(response, 500, 'internal', 'The metrics could not be collected.');
    }
  }
}

function problem(response: ServerResponse, status: number, code: string, detail: string): void {
  response.writeHead(status, { 'Content-Type': 'application/problem+json' });
  response.end(JSON.stringify({ type: 'about:blank', title: code, status, detail, code }));
}
