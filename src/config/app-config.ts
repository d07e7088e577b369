// Environment variables, validated once at boot: a bad value stops the process with a message naming it.
import { createHash } from 'node:crypto';
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

  @Transform(toBool) @IsBoolean()
  LATCHKEY_TRUST_PROXY = false;

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

  /** Key a Prometheus scraper sends as `Authorization: Bearer <key>`; without it /metrics is not served on PORT. */
  @IsOptional()
  @Matches(/^[\x21-\x7e]{32,512}$/, { message: 'LATCHKEY_METRICS_TOKEN must be one key of 32 to 512 printable characters' })
  LATCHKEY_METRICS_TOKEN?: string;

  /** A separate listener serving only GET /metrics (0: any free port); unset: none. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  LATCHKEY_METRICS_PORT?: number;

  @IsString()
  LATCHKEY_METRICS_HOST = '127.0.0.1';

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
  trustProxy: boolean;
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
  /**
   * tokenDigest: SHA-256 of the key /metrics asks for (null: /metrics is not served on the public port);
   * port: the separate metrics listener's (null: none), bound to host.
   */
  metrics: { tokenDigest: Buffer | null; port: number | null; host: string };
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
  known.push('DATABASE_URL', 'LATCHKEY_PLATFORM_ADMINS', 'LATCHKEY_INTROSPECTION_KEYS', 'REDIS_URL', 'LATCHKEY_CORS_ORIGINS', 'LATCHKEY_WEB_UI_DIR',
    'LATCHKEY_METRICS_TOKEN', 'LATCHKEY_METRICS_PORT');
  const present: Record<string, string> = {};
  for (const key of known) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') present[key] = value.trim();
  }
  const vars = plainToInstance(EnvironmentVariables, present);
  const errors = validateSync(vars, { forbidUnknownValues: true });
  if (errors.length > 0) {
    throw new ConfigError(errors.flatMap((e) => Object.values(e.constraints ?? { invalid: `${e.property} is invalid` })));
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
    platformAdminEmails: new Set(
      (vars.LATCHKEY_PLATFORM_ADMINS ?? '')
        .split(',')
        .map((e) => e.trim().toLowerCase())
        .filter(Boolean),
    ),
    dbPoolSize: vars.LATCHKEY_DB_POOL_SIZE,
    dbAcquireTimeoutMs: vars.LATCHKEY_DB_ACQUIRE_TIMEOUT_MS,
    trustProxy: vars.LATCHKEY_TRUST_PROXY,
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
    metrics: {
      tokenDigest: vars.LATCHKEY_METRICS_TOKEN ? createHash('sha256').update(vars.LATCHKEY_METRICS_TOKEN).digest() : null,
      port: vars.LATCHKEY_METRICS_PORT ?? null,
      host: vars.LATCHKEY_METRICS_HOST,
    },
  };
}

/** Injection token for the AppConfig object. */
export const APP_CONFIG = Symbol('APP_CONFIG');
