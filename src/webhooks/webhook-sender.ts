// One HTTP POST of a webhook, to an untrusted URL. The host's addresses are resolved here, each is
// held to the AddressPolicy, and the socket is opened to exactly the checked address (the URL's name
// still goes in Host and in TLS SNI and certificate checks), so a name that answers differently
// between the check and the connection (DNS rebinding) gets nowhere. No redirect is followed; the
// connection and the whole exchange have timeouts; at most MAX_KEPT_BYTES of the answer are read.
// A name that does not resolve and one that resolves inside read the same to the tenant (a webhook's
// lastError, an issuer's refusal): what the operator's DNS answers is the operator's, in its log.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { lookup } from 'node:dns/promises';
import { ClientRequest, request } from 'node:http';
import { connect as netConnect, isIP, Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { performance } from 'node:perf_hooks';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AddressPolicy, urlProblem } from './webhook-address';

/** What of a receiver's answer is kept (and shown in the deliveries list). */
export const MAX_KEPT_BYTES = 4096;
/** The one answer for a host with no address, an unresolvable one, and one resolving to a refused address. */
export const NOT_PUBLIC_HOST = 'refused: the host does not resolve to a public address';

export interface ResolvedAddress {
  address: string;
  family: number;
}
/** Resolves a host name to every address it has; tests inject a stub. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;
/** Opens the socket to a checked address; tests wrap it to prove nothing leaves the loopback. */
export type Connector = (target: { address: string; family: number; port: number; tls: boolean; servername: string | undefined }) => Socket;

export interface SendResult {
  ok: boolean;
  /** The receiver's status code, null when none came. */
  status: number | null;
  body: string | null;
  durationMs: number;
  /** Why it failed, null when it did not; never holds a secret. */
  error: string | null;
  /** True when refused before any connection was opened (the URL or its addresses). */
  refused: boolean;
}

export interface OutboundRequest {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** Read at most this much of the answer. */
  maxBytes: number;
  /** Default: the webhooks' (LATCHKEY_WEBHOOK_ALLOW_HTTP, LATCHKEY_WEBHOOK_ALLOWED_CIDRS). */
  policy?: AddressPolicy;
  /** Default: the webhooks' timeouts. */
  connectTimeoutMs?: number;
  timeoutMs?: number;
}

export interface OutboundResult extends SendResult {
  /** The answer reached maxBytes and was not read further; body holds its first maxBytes. */
  truncated: boolean;
}

export const systemResolver: Resolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

export const socketConnector: Connector = ({ address, family, port, tls, servername }) =>
  tls ? tlsConnect({ host: address, port, servername, ALPNProtocols: ['http/1.1'] }) : netConnect({ host: address, family, port });

@Injectable()
export class WebhookSender {
  private readonly logger = new Logger('Outbound');
  readonly policy: AddressPolicy;
  /** Replaceable in tests (a stubbed resolver, a connector that refuses anything off the loopback). */
  resolver: Resolver = systemResolver;
  connector: Connector = socketConnector;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.policy = new AddressPolicy(config.webhooks.allowedCidrs, config.webhooks.allowHttp);
  }

  async send(rawUrl: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    const { truncated: _truncated, ...result } = await this.request(rawUrl, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'Latchkey-Webhooks/1' },
      body,
      maxBytes: MAX_KEPT_BYTES,
    });
    return result;
  }

  /**
   * One request to an untrusted URL under these rules (the webhooks' own unless `policy` is given):
   * what a webhook delivery does, and what workload identity federation does to fetch an issuer's
   * documents (src/federation/issuer-keys.ts). At most `maxBytes` of the answer are read; `truncated`
   * says there was more.
   */
  async request(rawUrl: string, options: OutboundRequest): Promise<OutboundResult> {
    const policy = options.policy ?? this.policy;
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const refuse = (error: string): OutboundResult => ({
      ok: false,
      status: null,
      body: null,
      durationMs: elapsed(),
      error,
      refused: true,
      truncated: false,
    });
    const problem = urlProblem(rawUrl, policy);
    if (problem) return refuse(`refused: the URL ${problem}`);
    const url = new URL(rawUrl);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const tls = url.protocol === 'https:';
    const connectTimeoutMs = options.connectTimeoutMs ?? this.config.webhooks.connectTimeoutMs;
    const timeoutMs = options.timeoutMs ?? this.config.webhooks.timeoutMs;
    const { maxBytes } = options;
    // Why a host is refused goes to the operator's log (the host alone: a URL's path and query may carry
    // a secret); the caller learns nothing of what the name resolves to, or whether it does.
    const notPublic = (reason: string, addresses: string[] = []): OutboundResult => {
      this.logger.warn({ host, addresses, reason }, 'outgoing request refused: the host does not resolve to a public address');
      return refuse(NOT_PUBLIC_HOST);
    };
    let addresses: ResolvedAddress[];
    try {
      addresses = isIP(host)
        ? [{ address: host, family: isIP(host) }]
        : await withTimeout(this.resolver(host), connectTimeoutMs, 'resolving');
    } catch (error) {
      return notPublic(`cannot resolve: ${messageOf(error)}`);
    }
    if (addresses.length === 0) return notPublic('no address');
    // Every address must pass, not just the first: which one a client picks is not ours to predict.
    for (const { address } of addresses) {
      const refusal = policy.refusal(address);
      if (refusal)
        return notPublic(
          `${address} ${refusal}`,
          addresses.map((a) => a.address),
        );
    }
    const target = addresses[0];
    const port = url.port ? Number(url.port) : tls ? 443 : 80;
    const servername = isIP(host) ? undefined : host;

    return new Promise<OutboundResult>((resolve) => {
      let settled = false;
      let req: ClientRequest | null = null;
      let connecting: NodeJS.Timeout | undefined;
      const finish = (result: Omit<OutboundResult, 'durationMs' | 'refused' | 'truncated'>, truncated = false) => {
        if (settled) return;
        settled = true;
        clearTimeout(total);
        clearTimeout(connecting);
        req?.destroy();
        resolve({ ...result, durationMs: elapsed(), refused: false, truncated });
      };
      const fail = (error: string, status: number | null = null) => finish({ ok: false, status, body: null, error });
      // Node's text of a connection error names the address it tried (how the host resolves): the
      // caller sees its code alone, the operator's log the whole (the host, not the URL: it may hold a secret).
      const failWith = (error: unknown, status: number | null = null) => {
        this.logger.warn({ host, status, reason: messageOf(error) }, 'outgoing request failed');
        fail(publicMessageOf(error), status);
      };
      const total = setTimeout(() => fail(`timed out after ${timeoutMs} ms`), Math.max(1, timeoutMs - elapsed()));
      try {
        req = request({
          host,
          port,
          path: `${url.pathname}${url.search}`,
          method: options.method,
          headers: {
            ...options.headers,
            host: url.host,
            ...(options.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(options.body)) }),
          },
          createConnection: () => {
            const socket = this.connector({ ...target, port, tls, servername });
            connecting = setTimeout(() => fail(`connecting timed out after ${connectTimeoutMs} ms`), connectTimeoutMs);
            socket.once(tls ? 'secureConnect' : 'connect', () => clearTimeout(connecting));
            return socket;
          },
        });
      } catch (error) {
        // The connector refused synchronously (a test's guard): a failed attempt like any other.
        failWith(error);
        return;
      }
      req.on('error', (error) => failWith(error));
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        const kept: Buffer[] = [];
        let size = 0;
        const done = (truncated: boolean) => {
          // As text (a broken UTF-8 sequence becomes U+FFFD); PostgreSQL's text holds no NUL.
          const text = Buffer.concat(kept).subarray(0, maxBytes).toString('utf8').split('\u0000').join('');
          if (status >= 200 && status < 300) finish({ ok: true, status, body: text, error: null }, truncated);
          else if (status >= 300 && status < 400)
            finish({ ok: false, status, body: text, error: `answered ${status}: redirects are not followed` }, truncated);
          else finish({ ok: false, status, body: text, error: `answered ${status}` }, truncated);
        };
        res.on('data', (chunk: Buffer) => {
          kept.push(chunk);
          size += chunk.length;
          // Enough: the rest is not read (the socket is closed in finish()).
          if (size >= maxBytes) done(true);
        });
        res.on('end', () => done(false));
        res.on('error', (error) => failWith(error, status));
      });
      req.end(options.body);
    });
  }
}

/** What a tenant is shown of a failed connection: node's error code (ECONNREFUSED, ECONNRESET, a TLS code), nothing it names. */
function publicMessageOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code) ? `connection failed: ${code}` : 'connection failed';
}

function messageOf(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return (e?.code ? `${e.code}: ` : '') + String(e?.message ?? error).slice(0, 300);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
