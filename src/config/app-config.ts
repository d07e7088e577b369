// Environment variables, validated once at boot: a bad value stops the process with a message naming it.
import { availableParallelism } from 'node:os';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import * as ipaddr from 'ipaddr.js';
import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, isEmail, Matches, Max, Min, ValidateIf, validateSync } from 'class-validator';
import { ForwardAuthRoute, parseForwardAuthRoutes } from '../checks/forward-auth-routes';
import { canonicalEmail, emailProblem } from '../accounts/email-address';
import { keyDigest } from '../common/key-digest';
import { UUID_PATTERN } from '../common/uuid-param';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value);
const toBool = ({ value }: { value: unknown }) =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;

export class EnvironmentVariables {
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @IsString()
  LATCHKEY_DATA_DIR = './data';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '127.0.0.1';

  @IsIn(LOG_LEVELS)
  LATCHKEY_LOG_LEVEL: LogLevel = 'info';

  @Transform(toBool)
  @IsBoolean()
  LATCHKEY_LOG_REQUESTS = true;

  /** Comma-separated user ids (UUIDs) and email addresses; an email counts only once its account has verified it. */
  @IsOptional()
  @IsString()
  LATCHKEY_PLATFORM_ADMINS?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  LATCHKEY_DB_POOL_SIZE = 10;

  /** How long a query waits for a pooled connection, or for a new one to open, before the request gets 503. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  LATCHKEY_DB_ACQUIRE_TIMEOUT_MS = 3000;

  /** Read by readTrustProxy(): a hop count or a list of proxy addresses/CIDRs, never `true`. */
  @IsOptional()
  @IsString()
  LATCHKEY_TRUST_PROXY?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(60)
  LATCHKEY_LAST_USED_FLUSH_SECONDS = 15;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  LATCHKEY_LOGIN_MAX_FAILURES = 10;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86400)
  LATCHKEY_LOGIN_WINDOW_SECONDS = 900;

  @Transform(toInt)
  @IsInt()
  @Min(8192)
  @Max(1048576)
  LATCHKEY_ARGON2_MEMORY_KIB = 19456;

  /** Longest delay (ms) added to sign-ins for an email failing from many addresses; 0: no slow-down. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10_000)
  LATCHKEY_LOGIN_SLOWDOWN_MAX_MS = 3000;

  /** argon2 operations running at once; unset: the number of cores. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  LATCHKEY_ARGON2_CONCURRENCY?: number;

  /** argon2 operations waiting, per kind (sign-in, other); past it the request gets 503. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100_000)
  LATCHKEY_ARGON2_MAX_WAITING = 64;

  /** Password changes (PATCH /me with a password) per user per 15 minutes; 0 turns the limit off. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100_000)
  LATCHKEY_PASSWORD_CHANGES_PER_USER = 5;

  /** Registrations per client address per 10 minutes; 0 turns the limit off. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100_000_000)
  LATCHKEY_REGISTRATIONS_PER_IP = 10;

  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  /**
   * A direct connection for LISTEN (cache invalidation), where DATABASE_URL goes through a pooler in
   * transaction mode (PgBouncer), which cannot carry LISTEN. Unset: DATABASE_URL. `none`: no channel,
   * changes reach this instance's caches only: for exactly one instance (the tests' embedded copy).
   */
  @IsOptional()
  @Matches(/^(postgres(ql)?:\/\/\S+|none)$/, {
    message: 'LATCHKEY_DATABASE_LISTEN_URL must be a postgres:// or postgresql:// URL, or none',
  })
  LATCHKEY_DATABASE_LISTEN_URL?: string;

  /**
   * statement_timeout sent when a connection opens; 0 sends none. PgBouncer refuses unknown startup
   * parameters: behind one, send 0 and set the timeout on the database role (docs/scaling.md).
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(600_000)
  LATCHKEY_DB_STATEMENT_TIMEOUT_MS = 15_000;

  /**
   * On SIGTERM, how long the instance keeps serving with readiness red and every response closing its
   * connection, so a load balancer stops sending before the listener closes (docs/scaling.md).
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(120)
  LATCHKEY_SHUTDOWN_DRAIN_SECONDS = 0;

  /** 0 turns a limit off. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100_000_000)
  LATCHKEY_RATE_LIMIT_PER_TOKEN = 120_000;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100_000_000)
  LATCHKEY_RATE_LIMIT_PUBLIC_PER_IP = 300;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100_000_000)
  LATCHKEY_RATE_LIMIT_FAILED_CHECKS_PER_IP = 600;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(300)
  LATCHKEY_CACHE_TTL_SECONDS = 10;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(10_000_000)
  LATCHKEY_CACHE_MAX_ENTRIES = 100_000;

  @IsOptional()
  @Matches(/^\s*[\x21-\x2b\x2d-\x7e]{32,}\s*(,\s*[\x21-\x2b\x2d-\x7e]{32,}\s*)*$/, {
    message: 'LATCHKEY_INTROSPECTION_KEYS must be comma-separated keys of at least 32 printable characters',
  })
  LATCHKEY_INTROSPECTION_KEYS?: string;

  /** Browser origins allowed to call the API cross-origin; none by default (CORS closed). */
  @IsOptional()
  @Matches(/^\s*https?:\/\/[^\s,/]+\s*(,\s*https?:\/\/[^\s,/]+\s*)*$/, {
    message: 'LATCHKEY_CORS_ORIGINS must be comma-separated origins such as https://app.example.com (no path)',
  })
  LATCHKEY_CORS_ORIGINS?: string;

  /**
   * Where the protected service's /workspaces/… paths start in a forwarded request (Envoy's path after
   * /v1/authorize, Traefik's X-Forwarded-Uri), e.g. /api; none by default. Matched literally and anchored.
   */
  @Matches(/^(\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*$/, {
    message: 'LATCHKEY_FORWARD_AUTH_PATH_PREFIX must be empty or a path such as /api (no trailing slash, no dot-segments, no encoding)',
  })
  LATCHKEY_FORWARD_AUTH_PATH_PREFIX = '';

  /**
   * Optional: `METHOD /workspaces/{workspaceId}/… permission` entries (comma or new line separated);
   * when set, forwarded /v1/authorize requests take their permission from it, not from a header or query.
   */
  @IsOptional()
  @IsString()
  LATCHKEY_FORWARD_AUTH_ROUTES?: string;

  /** Key a Prometheus scraper sends as `Authorization: Bearer <key>`; without it /metrics is not served on PORT. */
  @IsOptional()
  @Matches(/^[\x21-\x7e]{32,512}$/, { message: 'LATCHKEY_METRICS_TOKEN must be one key of 32 to 512 printable characters' })
  LATCHKEY_METRICS_TOKEN?: string;

  /** A separate listener serving only GET /metrics (0: any free port); unset: none. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  LATCHKEY_METRICS_PORT?: number;

  @IsString()
  LATCHKEY_METRICS_HOST = '127.0.0.1';

  /**
   * GitHub's secret scanning public keys, as GitHub publishes them
   * (https://api.github.com/meta/public_keys/secret_scanning, saved to a file): POST
   * /v1/secret-scanning/github verifies reports with them. Unset: that route answers 404.
   */
  @IsOptional()
  @IsString()
  LATCHKEY_GITHUB_SECRET_SCANNING_KEYS_FILE?: string;

  /**
   * The instance's default for tokens nobody uses: personal, named and API-user tokens unused this many
   * days are revoked, after a warning mail a week before; 0 turns it off. Workspaces may set their own
   * (the token policy's revokeUnusedAfterDays).
   */
  @Transform(toInt)
  @ValidateIf((o: EnvironmentVariables) => o.LATCHKEY_REVOKE_UNUSED_AFTER_DAYS !== 0)
  @IsInt()
  @Max(3650)
  @Min(14, { message: 'LATCHKEY_REVOKE_UNUSED_AFTER_DAYS must be 0 (off) or at least 14: the warning goes out a week before' })
  LATCHKEY_REVOKE_UNUSED_AFTER_DAYS = 0;

  /** Reports per client address per hour at POST /v1/tokens/report; 0 turns the limit off. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100_000)
  LATCHKEY_TOKEN_REPORTS_PER_IP = 20;

  /** The built web UI served at /; empty or missing folder: no UI, the API alone. */
  @IsOptional()
  @IsString()
  LATCHKEY_WEB_UI_DIR?: string;

  /** GraphQL introspection (__schema, __type) at /graphql; false refuses it. */
  @Transform(toBool)
  @IsBoolean()
  LATCHKEY_GRAPHQL_INTROSPECTION = true;

  /** GraphiQL at /graphiql; off unless true. */
  @Transform(toBool)
  @IsBoolean()
  LATCHKEY_GRAPHQL_IDE = false;

  /** Webhook URLs may be http:// too (never in production: payloads and signatures travel in clear). */
  @Transform(toBool)
  @IsBoolean()
  LATCHKEY_WEBHOOK_ALLOW_HTTP = false;

  /** For tests and private deployments only: CIDRs webhooks may reach although private or loopback. */
  @IsOptional()
  @IsString()
  LATCHKEY_WEBHOOK_ALLOWED_CIDRS?: string;

  /** Seals the webhook signing secrets at rest; every instance needs the same. Unset: a key file in the data directory. */
  @IsOptional()
  @Matches(/^[\x21-\x7e]{32,512}$/, { message: 'LATCHKEY_WEBHOOK_SECRETS_KEY must be one key of 32 to 512 printable characters' })
  LATCHKEY_WEBHOOK_SECRETS_KEY?: string;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  LATCHKEY_WEBHOOK_CONNECT_TIMEOUT_MS = 5000;

  /** From the start of a delivery to the last byte of the answer kept. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(120_000)
  LATCHKEY_WEBHOOK_TIMEOUT_MS = 15_000;

  /**
   * Workload identity federation: trust-rule issuers may be http:// too (tests only: their keys would
   * travel in clear). Which addresses an issuer may resolve to follows the webhooks' rules
   * (LATCHKEY_WEBHOOK_ALLOWED_CIDRS).
   */
  @Transform(toBool)
  @IsBoolean()
  LATCHKEY_FEDERATION_ALLOW_HTTP = false;

  /** Fetching an issuer's discovery document or JWKS, from connecting to the last byte. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(30_000)
  LATCHKEY_FEDERATION_TIMEOUT_MS = 5000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  LATCHKEY_WEBHOOK_MAX_ENDPOINTS = 20;

  /** The outbox worker on this instance (mail, webhooks); off: jobs wait for an instance that has it on. */
  @IsIn(['on', 'off'], { message: 'LATCHKEY_OUTBOX_WORKER must be on or off' })
  LATCHKEY_OUTBOX_WORKER = 'on';

  /** How often the worker looks for due jobs it was not woken for (other instances' jobs, retries). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(300)
  LATCHKEY_OUTBOX_POLL_SECONDS = 5;

  /** smtp:// or smtps:// with credentials (smtps://user:pass@host:465); unset: mails are written as .eml files under LATCHKEY_DATA_DIR/mail. */
  @IsOptional()
  @Matches(/^smtps?:\/\/[^\s/?#]+(\/)?(\?[^\s#]*)?$/, {
    message: 'LATCHKEY_SMTP_URL must be an smtp:// or smtps:// URL such as smtps://user:password@mail.example.com:465',
  })
  LATCHKEY_SMTP_URL?: string;

  /** The From of every mail: an address, or "Name <address>". */
  @IsString()
  LATCHKEY_MAIL_FROM = 'Latchkey <latchkey@localhost>';

  /** Where people reach Latchkey (the web console): the links in mails start with it. Default: http://localhost:PORT. */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, {
    message: 'LATCHKEY_PUBLIC_URL must be an http:// or https:// URL without query or fragment, such as https://latchkey.example.com',
  })
  LATCHKEY_PUBLIC_URL?: string;

  /** Password reset requests per client address per 15 minutes; 0 turns the limit off. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100_000)
  LATCHKEY_PASSWORD_RESETS_PER_IP = 10;

  /** How long a claimed job is its worker's; a worker that died leaves it to be retried after this. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  LATCHKEY_OUTBOX_LEASE_SECONDS = 300;

  /**
   * Days kept of what only looks back: finished webhook deliveries, given-up outbox jobs, and used or
   * expired mailed links. At least 2, so a delivery still inside its day of retries is never removed.
   */
  @Transform(toInt)
  @IsInt()
  @Min(2)
  @Max(3650)
  LATCHKEY_RETENTION_DAYS = 30;
}

export interface AppConfig {
  databaseUrl: string | null;
  dataDir: string;
  port: number;
  host: string;
  logLevel: LogLevel;
  logRequests: boolean;
  /** By user id always; by email (canonical form) only for the account that has verified that address. */
  platformAdmins: PlatformAdminList;
  dbPoolSize: number;
  /** Milliseconds a query waits for a pooled connection (and a new connection for the server's answer). */
  dbAcquireTimeoutMs: number;
  /** statement_timeout sent at connect; 0: none (behind PgBouncer, set on the role). */
  dbStatementTimeoutMs: number;
  /** Where the invalidation channel LISTENs: LATCHKEY_DATABASE_LISTEN_URL, else DATABASE_URL; null: no channel (embedded, or `none`). */
  databaseListenUrl: string | null;
  /** Seconds of draining after SIGTERM before the listener closes. */
  shutdownDrainSeconds: number;
  /**
   * Whose X-Forwarded-For entries are believed: false (none; the socket's address is the client), a
   * hop count (that many proxies in front, each appending the address it saw), or the addresses/CIDRs
   * of the proxies. Never every sender: a client would write its own address.
   */
  trustProxy: TrustProxy;
  lastUsedFlushSeconds: number;
  /** slowdownMaxMs: the cap of the delay for an email failing from many addresses (0: none). */
  login: { maxFailures: number; windowSeconds: number; slowdownMaxMs: number };
  argon2MemoryKib: number;
  /** argon2 at once, and waiting per kind before 503. */
  passwordWork: { concurrency: number; maxWaiting: number };
  /** 0 turns a limit off. */
  passwordLimits: { changesPerUserPer15Minutes: number; registrationsPerIpPer10Minutes: number };
  /** SHA-256 digests of the platform keys that may call /v1/introspect. */
  introspectionKeyDigests: Buffer[];
  /** ttlSeconds 0 turns the hot-path caches off. */
  cache: { ttlSeconds: number; maxEntries: number };
  redisUrl: string | null;
  /** Requests per minute; 0 turns a limit off. */
  rateLimits: { perTokenPerMinute: number; publicPerIpPerMinute: number; failedChecksPerIpPerMinute: number };
  /** Exact origins (scheme://host[:port]) allowed by CORS; empty: no cross-origin access. */
  corsOrigins: string[];
  /** Folder of the built web UI served at /. */
  webUiDir: string;
  /**
   * tokenDigest: SHA-256 of the key /metrics asks for (null: /metrics is not served on the public port);
   * port: the separate metrics listener's (null: none), bound to host.
   */
  metrics: { tokenDigest: Buffer | null; port: number | null; host: string };
  /** Forwarded /v1/authorize requests: where /workspaces/… starts ('' or e.g. /api), and the optional route table. */
  forwardAuth: { pathPrefix: string; routes: ForwardAuthRoute[] };
  /** /graphql: introspection allowed; GraphiQL served at /graphiql. */
  graphql: { introspection: boolean; ide: boolean };
  /**
   * Outgoing webhooks: http:// allowed; CIDRs reachable although private (tests, private deployments);
   * the key sealing signing secrets (null: a key file in dataDir); timeouts; endpoints per workspace.
   */
  webhooks: {
    allowHttp: boolean;
    allowedCidrs: string[];
    secretsKey: string | null;
    connectTimeoutMs: number;
    timeoutMs: number;
    maxEndpointsPerWorkspace: number;
  };
  /** Workload identity federation: http:// issuers allowed (tests); timeout of each fetch of an issuer's documents. */
  federation: { allowHttp: boolean; timeoutMs: number };

  /** Leaked tokens: GitHub's key file (null: the partner endpoint is off); public reports per address per hour. */
  leaks: { githubKeysFile: string | null; reportsPerIpPerHour: number };
  /** Days unused after which a token is revoked, instance-wide (null: off; workspaces may set their own). */
  revokeUnusedAfterDays: number | null;
  /** worker: this instance delivers; pollSeconds between looks for due jobs; leaseSeconds a claim lasts. */
  outbox: { worker: boolean; pollSeconds: number; leaseSeconds: number; retentionDays: number };
  /**
   * smtpUrl: null writes .eml files to `${dataDir}/mail`; from: a checked address or "Name <address>";
   * publicUrl: the links' base, no trailing slash.
   */
  mail: { smtpUrl: string | null; from: string; publicUrl: string; dropDir: string };
  /** Password reset requests per client address per 15 minutes; 0: no limit. */
  passwordResetsPerIpPer15Minutes: number;
}

export type TrustProxy = false | number | string[];

/** proxy-addr's names for the private ranges, which it expands itself. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const MAX_PROXY_HOPS = 10;
const TRUST_PROXY_HELP =
  'LATCHKEY_TRUST_PROXY must be a hop count (the number of proxies in front of Latchkey, e.g. 1) or a comma-separated list of ' +
  'the proxies\' addresses or CIDRs (e.g. 10.0.0.5,10.1.0.0/16, or loopback, uniquelocal); "true" would believe any ' +
  'X-Forwarded-For a client writes';

/** Unset, false or 0: no proxy. A value that would trust every sender (true, a /0 range) is refused. */
export function readTrustProxy(raw: string | undefined): TrustProxy | string {
  if (raw === undefined || raw === 'false' || raw === '0') return false;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    return hops <= MAX_PROXY_HOPS ? hops : `${TRUST_PROXY_HELP}; a hop count is at most ${MAX_PROXY_HOPS}`;
  }
  const entries = raw.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    if (NAMED_RANGES.has(entry)) continue;
    const [address, prefix, ...rest] = entry.split('/');
    const family = isIP(address);
    const bits = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) >= 1 && Number(prefix) <= bits);
    if (family === 0 || rest.length > 0 || !prefixOk) return `${TRUST_PROXY_HELP} ("${entry.slice(0, 60)}" is neither)`;
  }
  return entries;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads the environment (unset and empty variables take their defaults) or throws a ConfigError. */
export function loadConfig(env: NodeJS.ProcessEnv | Record<string, string | undefined>): AppConfig {
  const known = Object.keys(new EnvironmentVariables());
  known.push(
    'DATABASE_URL',
    'LATCHKEY_TRUST_PROXY',
    'LATCHKEY_PLATFORM_ADMINS',
    'LATCHKEY_INTROSPECTION_KEYS',
    'REDIS_URL',
    'LATCHKEY_DATABASE_LISTEN_URL',
    'LATCHKEY_CORS_ORIGINS',
    'LATCHKEY_WEB_UI_DIR',
    'LATCHKEY_FORWARD_AUTH_ROUTES',
    'LATCHKEY_ARGON2_CONCURRENCY',
    'LATCHKEY_METRICS_TOKEN',
    'LATCHKEY_METRICS_PORT',
    'LATCHKEY_WEBHOOK_ALLOWED_CIDRS',
    'LATCHKEY_WEBHOOK_SECRETS_KEY',
    'LATCHKEY_SMTP_URL',
    'LATCHKEY_PUBLIC_URL',
    'LATCHKEY_GITHUB_SECRET_SCANNING_KEYS_FILE',
  );
  const present: Record<string, string> = {};
  for (const key of known) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') present[key] = value.trim();
  }
  const vars = plainToInstance(EnvironmentVariables, present);
  const errors = validateSync(vars, { forbidUnknownValues: true });
  const problems = errors.flatMap((e) => Object.values(e.constraints ?? { invalid: `${e.property} is invalid` }));
  const trustProxy = readTrustProxy(vars.LATCHKEY_TRUST_PROXY);
  if (typeof trustProxy === 'string') problems.push(trustProxy);
  const platformAdmins = parsePlatformAdmins(vars.LATCHKEY_PLATFORM_ADMINS ?? '', problems);
  const webhookCidrs = commaList(vars.LATCHKEY_WEBHOOK_ALLOWED_CIDRS);
  for (const cidr of webhookCidrs) {
    if (!isValidCidr(cidr))
      problems.push(`LATCHKEY_WEBHOOK_ALLOWED_CIDRS: "${cidr.slice(0, 60)}" is not a CIDR such as 127.0.0.1/32 or ::1/128`);
  }
  if (problems.length > 0 || typeof trustProxy === 'string') throw new ConfigError(problems);
  let routes: ForwardAuthRoute[];
  try {
    routes = parseForwardAuthRoutes(vars.LATCHKEY_FORWARD_AUTH_ROUTES ?? '');
  } catch (error) {
    throw new ConfigError([(error as Error).message]);
  }
  const mailFrom = checkMailFrom(vars.LATCHKEY_MAIL_FROM);
  if (mailFrom) throw new ConfigError([mailFrom]);
  if (vars.LATCHKEY_DATABASE_LISTEN_URL && vars.LATCHKEY_DATABASE_LISTEN_URL !== 'none' && !vars.DATABASE_URL) {
    throw new ConfigError([
      'LATCHKEY_DATABASE_LISTEN_URL needs DATABASE_URL: without it the data is in the embedded database, which has no channel to listen to',
    ]);
  }
  if (vars.LATCHKEY_METRICS_PORT !== undefined && vars.LATCHKEY_METRICS_PORT !== 0 && vars.LATCHKEY_METRICS_PORT === vars.PORT) {
    throw new ConfigError(['LATCHKEY_METRICS_PORT must differ from PORT: the metrics listener is apart from the public one']);
  }
  return {
    databaseUrl: vars.DATABASE_URL ?? null,
    dataDir: vars.LATCHKEY_DATA_DIR,
    port: vars.PORT,
    host: vars.HOST,
    logLevel: vars.LATCHKEY_LOG_LEVEL,
    logRequests: vars.LATCHKEY_LOG_REQUESTS,
    platformAdmins,
    dbPoolSize: vars.LATCHKEY_DB_POOL_SIZE,
    dbAcquireTimeoutMs: vars.LATCHKEY_DB_ACQUIRE_TIMEOUT_MS,
    dbStatementTimeoutMs: vars.LATCHKEY_DB_STATEMENT_TIMEOUT_MS,
    databaseListenUrl:
      vars.LATCHKEY_DATABASE_LISTEN_URL === 'none' ? null : (vars.LATCHKEY_DATABASE_LISTEN_URL ?? vars.DATABASE_URL ?? null),
    shutdownDrainSeconds: vars.LATCHKEY_SHUTDOWN_DRAIN_SECONDS,
    trustProxy,
    lastUsedFlushSeconds: vars.LATCHKEY_LAST_USED_FLUSH_SECONDS,
    login: {
      maxFailures: vars.LATCHKEY_LOGIN_MAX_FAILURES,
      windowSeconds: vars.LATCHKEY_LOGIN_WINDOW_SECONDS,
      slowdownMaxMs: vars.LATCHKEY_LOGIN_SLOWDOWN_MAX_MS,
    },
    argon2MemoryKib: vars.LATCHKEY_ARGON2_MEMORY_KIB,
    passwordWork: {
      concurrency: vars.LATCHKEY_ARGON2_CONCURRENCY ?? Math.max(1, availableParallelism()),
      maxWaiting: vars.LATCHKEY_ARGON2_MAX_WAITING,
    },
    passwordLimits: {
      changesPerUserPer15Minutes: vars.LATCHKEY_PASSWORD_CHANGES_PER_USER,
      registrationsPerIpPer10Minutes: vars.LATCHKEY_REGISTRATIONS_PER_IP,
    },
    introspectionKeyDigests: commaList(vars.LATCHKEY_INTROSPECTION_KEYS).map(keyDigest),
    cache: { ttlSeconds: vars.LATCHKEY_CACHE_TTL_SECONDS, maxEntries: vars.LATCHKEY_CACHE_MAX_ENTRIES },
    redisUrl: vars.REDIS_URL ?? null,
    rateLimits: {
      perTokenPerMinute: vars.LATCHKEY_RATE_LIMIT_PER_TOKEN,
      publicPerIpPerMinute: vars.LATCHKEY_RATE_LIMIT_PUBLIC_PER_IP,
      failedChecksPerIpPerMinute: vars.LATCHKEY_RATE_LIMIT_FAILED_CHECKS_PER_IP,
    },
    corsOrigins: commaList(vars.LATCHKEY_CORS_ORIGINS).map((origin) => origin.toLowerCase()),
    // __dirname is src/config under jest and dist/config when built: both sit two levels below the root.
    webUiDir: resolve(vars.LATCHKEY_WEB_UI_DIR ?? join(__dirname, '..', '..', 'web', 'dist')),
    forwardAuth: { pathPrefix: vars.LATCHKEY_FORWARD_AUTH_PATH_PREFIX, routes },
    metrics: {
      tokenDigest: vars.LATCHKEY_METRICS_TOKEN ? keyDigest(vars.LATCHKEY_METRICS_TOKEN) : null,
      port: vars.LATCHKEY_METRICS_PORT ?? null,
      host: vars.LATCHKEY_METRICS_HOST,
    },
    graphql: { introspection: vars.LATCHKEY_GRAPHQL_INTROSPECTION, ide: vars.LATCHKEY_GRAPHQL_IDE },
    webhooks: {
      allowHttp: vars.LATCHKEY_WEBHOOK_ALLOW_HTTP,
      allowedCidrs: webhookCidrs,
      secretsKey: vars.LATCHKEY_WEBHOOK_SECRETS_KEY ?? null,
      connectTimeoutMs: vars.LATCHKEY_WEBHOOK_CONNECT_TIMEOUT_MS,
      timeoutMs: vars.LATCHKEY_WEBHOOK_TIMEOUT_MS,
      maxEndpointsPerWorkspace: vars.LATCHKEY_WEBHOOK_MAX_ENDPOINTS,
    },
    federation: { allowHttp: vars.LATCHKEY_FEDERATION_ALLOW_HTTP, timeoutMs: vars.LATCHKEY_FEDERATION_TIMEOUT_MS },
    mail: {
      smtpUrl: vars.LATCHKEY_SMTP_URL ?? null,
      from: vars.LATCHKEY_MAIL_FROM,
      publicUrl: (vars.LATCHKEY_PUBLIC_URL ?? `http://localhost:${vars.PORT}`).replace(/\/+$/, ''),
      dropDir: resolve(vars.LATCHKEY_DATA_DIR, 'mail'),
    },
    passwordResetsPerIpPer15Minutes: vars.LATCHKEY_PASSWORD_RESETS_PER_IP,
    revokeUnusedAfterDays: vars.LATCHKEY_REVOKE_UNUSED_AFTER_DAYS || null,
    leaks: {
      githubKeysFile: vars.LATCHKEY_GITHUB_SECRET_SCANNING_KEYS_FILE ? resolve(vars.LATCHKEY_GITHUB_SECRET_SCANNING_KEYS_FILE) : null,
      reportsPerIpPerHour: vars.LATCHKEY_TOKEN_REPORTS_PER_IP,
    },
    outbox: {
      worker: vars.LATCHKEY_OUTBOX_WORKER === 'on',
      pollSeconds: vars.LATCHKEY_OUTBOX_POLL_SECONDS,
      leaseSeconds: vars.LATCHKEY_OUTBOX_LEASE_SECONDS,
      retentionDays: vars.LATCHKEY_RETENTION_DAYS,
    },
  };
}

function isValidCidr(cidr: string): boolean {
  try {
    ipaddr.parseCIDR(cidr);
    return true;
  } catch {
    return false;
  }
}

/**
 * LATCHKEY_MAIL_FROM: `address` or `Display Name <address>`, on one line (a CR or LF would start a new
 * header), the address in canonical form and storable like a user's. A problem, or null.
 */
export function checkMailFrom(value: string): string | null {
  const help = 'LATCHKEY_MAIL_FROM must be an address or "Name <address>" on one line, such as Latchkey <latchkey@example.com>';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(value)) return help;
  const match = /^(?:([^<>"]*?)\s*<([^<>\s]+)>|([^<>\s]+))$/.exec(value.trim());
  if (!match) return help;
  const address = match[2] ?? match[3];
  const host = address.slice(address.lastIndexOf('@') + 1);
  // latchkey@localhost, the default, has no dot in its domain: isEmail would refuse it.
  const ok = host === 'localhost' ? /^[^@\s]+@localhost$/.test(address) : isEmail(address) && emailProblem(address) === null;
  return ok ? null : help;
}

export interface PlatformAdminList {
  userIds: ReadonlySet<string>;
  emails: ReadonlySet<string>;
}

/**
 * Each entry is a user id or an email address, nothing else: an entry that is neither stops the start
 * (a typo must not leave the platform without its admin, or give it to a look-alike address).
 */
function parsePlatformAdmins(value: string, problems: string[]): PlatformAdminList {
  const userIds = new Set<string>();
  const emails = new Set<string>();
  for (const entry of commaList(value)) {
    if (UUID_PATTERN.test(entry)) userIds.add(entry.toLowerCase());
    else if (!emailProblem(entry) && isEmail(canonicalEmail(entry))) emails.add(canonicalEmail(entry));
    else problems.push(`LATCHKEY_PLATFORM_ADMINS: "${entry}" is neither a user id (UUID) nor an email address`);
  }
  return { userIds, emails };
}

/** The non-empty, trimmed entries of a comma-separated variable. */
function commaList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/** Injection token for the AppConfig object. */
export const APP_CONFIG = Symbol('APP_CONFIG');
