// Environment variables, validated once at boot: a bad value stops the process with a message naming it.
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';

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

  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '127.0.0.1';

  @IsIn(LOG_LEVELS)
  LATCHKEY_LOG_LEVEL: LogLevel = 'info';

  @Transform(toBool) @IsBoolean()
  LATCHKEY_LOG_REQUESTS = true;

  @IsOptional() @IsString()
  LATCHKEY_PLATFORM_ADMINS?: string;

  @Transform(toInt) @IsInt() @Min(1) @Max(200)
  LATCHKEY_DB_POOL_SIZE = 10;

  /** How long a query waits for a pooled connection, or for a new one to open, before the request gets 503. */
  @Transform(toInt) @IsInt() @Min(100) @Max(60_000)
  LATCHKEY_DB_ACQUIRE_TIMEOUT_MS = 3000;

  /** Read by readTrustProxy(): a hop count or a list of proxy addresses/CIDRs, never `true`. */
  @IsOptional() @IsString()
  LATCHKEY_TRUST_PROXY?: string;

  @Transform(toInt) @IsInt() @Min(1) @Max(60)
  LATCHKEY_LAST_USED_FLUSH_SECONDS = 15;

  @Transform(toInt) @IsInt() @Min(1) @Max(1000)
  LATCHKEY_LOGIN_MAX_FAILURES = 10;

  @Transform(toInt) @IsInt() @Min(1) @Max(86400)
  LATCHKEY_LOGIN_WINDOW_SECONDS = 900;

  @Transform(toInt) @IsInt() @Min(8192) @Max(1048576)
  LATCHKEY_ARGON2_MEMORY_KIB = 19456;

  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  /** 0 turns a limit off. */
  @Transform(toInt) @IsInt() @Min(0) @Max(100_000_000)
  LATCHKEY_RATE_LIMIT_PER_TOKEN = 120_000;

  @Transform(toInt) @IsInt() @Min(0) @Max(100_000_000)
  LATCHKEY_RATE_LIMIT_PUBLIC_PER_IP = 300;

  @Transform(toInt) @IsInt() @Min(0) @Max(100_000_000)
  LATCHKEY_RATE_LIMIT_FAILED_CHECKS_PER_IP = 600;

  @Transform(toInt) @IsInt() @Min(0) @Max(300)
  LATCHKEY_CACHE_TTL_SECONDS = 10;

  @Transform(toInt) @IsInt() @Min(100) @Max(10_000_000)
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

  /** The built web UI served at /; empty or missing folder: no UI, the API alone. */
  @IsOptional() @IsString()
  LATCHKEY_WEB_UI_DIR?: string;
}

export interface AppConfig {
  databaseUrl: string | null;
  dataDir: string;
  port: number;
  host: string;
  logLevel: LogLevel;
  logRequests: boolean;
  platformAdminEmails: ReadonlySet<string>;
  dbPoolSize: number;
  /** Milliseconds a query waits for a pooled connection (and a new connection for the server's answer). */
  dbAcquireTimeoutMs: number;
  /**
   * Whose X-Forwarded-For entries are believed: false (none; the socket's address is the client), a
   * hop count (that many proxies in front, each appending the address it saw), or the addresses/CIDRs
   * of the proxies. Never every sender: a client would write its own address.
   */
  trustProxy: TrustProxy;
  lastUsedFlushSeconds: number;
  login: { maxFailures: number; windowSeconds: number };
  argon2MemoryKib: number;
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
  known.push('DATABASE_URL', 'LATCHKEY_TRUST_PROXY', 'LATCHKEY_PLATFORM_ADMINS', 'LATCHKEY_INTROSPECTION_KEYS', 'REDIS_URL', 'LATCHKEY_CORS_ORIGINS', 'LATCHKEY_WEB_UI_DIR');
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
  if (problems.length > 0 || typeof trustProxy === 'string') throw new ConfigError(problems);
  return {
    databaseUrl: vars.DATABASE_URL ?? null,
    dataDir: vars.LATCHKEY_DATA_DIR,
    port: vars.PORT,
    host: vars.HOST,
    logLevel: vars.LATCHKEY_LOG_LEVEL,
    logRequests: vars.LATCHKEY_LOG_REQUESTS,
    platformAdminEmails: new Set(
      (vars.LATCHKEY_PLATFORM_ADMINS ?? '')
        .split(',')
        .map((e) => e.trim().toLowerCase())
        .filter(Boolean),
    ),
    dbPoolSize: vars.LATCHKEY_DB_POOL_SIZE,
    dbAcquireTimeoutMs: vars.LATCHKEY_DB_ACQUIRE_TIMEOUT_MS,
    trustProxy,
    lastUsedFlushSeconds: vars.LATCHKEY_LAST_USED_FLUSH_SECONDS,
    login: { maxFailures: vars.LATCHKEY_LOGIN_MAX_FAILURES, windowSeconds: vars.LATCHKEY_LOGIN_WINDOW_SECONDS },
    argon2MemoryKib: vars.LATCHKEY_ARGON2_MEMORY_KIB,
    introspectionKeyDigests: (vars.LATCHKEY_INTROSPECTION_KEYS ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean)
      .map((k) => createHash('sha256').update(k).digest()),
    cache: { ttlSeconds: vars.LATCHKEY_CACHE_TTL_SECONDS, maxEntries: vars.LATCHKEY_CACHE_MAX_ENTRIES },
    redisUrl: vars.REDIS_URL ?? null,
    rateLimits: {
      perTokenPerMinute: vars.LATCHKEY_RATE_LIMIT_PER_TOKEN,
      publicPerIpPerMinute: vars.LATCHKEY_RATE_LIMIT_PUBLIC_PER_IP,
      failedChecksPerIpPerMinute: vars.LATCHKEY_RATE_LIMIT_FAILED_CHECKS_PER_IP,
    },
    corsOrigins: (vars.LATCHKEY_CORS_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim().toLowerCase())
      .filter(Boolean),
    // __dirname is src/config under jest and dist/config when built: both sit two levels below the root.
    webUiDir: resolve(vars.LATCHKEY_WEB_UI_DIR ?? join(__dirname, '..', '..', 'web', 'dist')),
  };
}

/** Injection token for the AppConfig object. */
export const APP_CONFIG = Symbol('APP_CONFIG');
