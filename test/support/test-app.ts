// Boots the real application (same adapter, pipes, filter, guard) on a fresh database for one test file.
import 'reflect-metadata';
import type { Type } from '@nestjs/common';
import { mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DestinationStream } from 'pino';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import passport from 'passport';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { AppModule } from '../../src/app.module';
import { BEARER_STRATEGY, BearerStrategy } from '../../src/auth/bearer.strategy';
import { configureApp, createFastifyAdapter } from '../../src/app.setup';
import { Clock } from '../../src/common/clock';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { QueryCounter } from '../../src/database/query-counter';
import { DataSource } from 'typeorm';
import { ConformanceRecorder } from './conformance';
import { FakeClock } from './fake-clock';
import { createTestDatabase, TestDatabase } from './test-database';

export const ADMIN_EMAIL = 'admin@example.com';
/** LATCHKEY_METRICS_TOKEN of every test app unless a test sets its own: /metrics needs it (test/support/api.ts scrapeMetrics). */
export const METRICS_KEY = 'test-metrics-key-0123456789abcdef0123456789';

export interface TestApp {
  app: NestFastifyApplication;
  http: () => TestAgent;
  clock: FakeClock;
  config: AppConfig;
  queries: QueryCounter;
  dataSource: DataSource;
  database: TestDatabase | null;
  close(): Promise<void>;
}

/**
 * `database`: omitted, a fresh database for this app, dropped on close; a TestDatabase, shared and kept;
 * null, none: the app opens its own embedded database in LATCHKEY_DATA_DIR, as `npm start` does.
 */
export interface TestAppOptions {
  /** Extra modules, e.g. a controller that fails on purpose. */
  imports?: Array<Type<unknown>>;
  /** Receives every JSON log line. */
  logDestination?: DestinationStream;
}

/**
 * LATCHKEY_TEST_LOG_FILE=<file>: every test app logs at trace level, requests included, and appends
 * each line to that file, so a whole test run's log can be searched for secrets (reliability/log-secrets.ts).
 * Jest workers are separate processes: each opens the file for appending and writes whole lines.
 */
const TEST_LOG_FILE = process.env.LATCHKEY_TEST_LOG_FILE || undefined;
let testLogFd: number | undefined;

function withTestLogFile(destination: DestinationStream | undefined): DestinationStream | undefined {
  if (!TEST_LOG_FILE) return destination;
  testLogFd ??= openSync(TEST_LOG_FILE, 'a');
  const fd = testLogFd;
  return {
    write(line: string) {
      writeSync(fd, line);
      destination?.write(line);
    },
  };
}

export async function startTestApp(
  env: Record<string, string> = {},
  database?: TestDatabase | null,
  options: TestAppOptions = {},
): Promise<TestApp> {
  const db = database === undefined ? await createTestDatabase() : database;
  const ownDataDir = mkdtempSync(join(tmpdir(), 'latchkey-test-data-'));
  const config = loadConfig({
    DATABASE_URL: db?.url,
    // The embedded database is only correct with one connection.
    LATCHKEY_DB_POOL_SIZE: !db || db.embedded ? '1' : '5',
    // Its socket admits no second connection for LISTEN either: one instance, events applied in place.
    ...(db?.embedded ? { LATCHKEY_DATABASE_LISTEN_URL: 'none' } : {}),
    LATCHKEY_LOG_LEVEL: 'silent',
    LATCHKEY_PLATFORM_ADMINS: ADMIN_EMAIL,
    LATCHKEY_ARGON2_MEMORY_KIB: '8192',
    // Suites make hundreds of requests from one address; test/api/rate-limits.e2e-spec.ts turns limits on.
    LATCHKEY_RATE_LIMIT_PER_TOKEN: '0',
    LATCHKEY_RATE_LIMIT_PUBLIC_PER_IP: '0',
    LATCHKEY_RATE_LIMIT_FAILED_CHECKS_PER_IP: '0',
    LATCHKEY_REGISTRATIONS_PER_IP: '0',
    LATCHKEY_METRICS_TOKEN: METRICS_KEY,
    // Deliveries run when a test calls OutboxWorker.drainDue(), not in the background (test/outbox turns it on).
    LATCHKEY_OUTBOX_WORKER: 'off',
    // Sealing webhook secrets: without it the first webhook would leave a key file in ./data.
    LATCHKEY_WEBHOOK_SECRETS_KEY: 'test-webhook-secrets-key-0123456789abcdef',
    LATCHKEY_PASSWORD_RESETS_PER_IP: '0',
    // Mail without SMTP goes to LATCHKEY_DATA_DIR/mail: a folder of this app's own, not the project's ./data.
    LATCHKEY_DATA_DIR: ownDataDir,
    ...env,
    ...(TEST_LOG_FILE ? { LATCHKEY_LOG_LEVEL: 'trace', LATCHKEY_LOG_REQUESTS: 'true' } : {}),
  });
  const logDestination = withTestLogFile(options.logDestination);
  const clock = new FakeClock();
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config, logDestination), ...(options.imports ?? [])] })
    .overrideProvider(Clock)
    .useValue(clock)
    .compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createFastifyAdapter(config), { logger: false });
  // The document the app serves at /openapi.json: every answer of the file is held against it at close.
  const document = await configureApp(app, config);
  const conformance = ConformanceRecorder.attach(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const server = app.getHttpServer();
  // Passport keeps its strategies in one registry per process: the bearer strategy of the app started
  // last would check the tokens of every app in the file (its own authenticator, caches and clock), and
  // a test of two instances would test one (review 12a). Each app's requests put its own back first;
  // requests of two apps sent at the same moment still share one.
  const strategy = app.get(BearerStrategy) as unknown as passport.Strategy;
  return {
    app,
    http: () => {
      passport.use(BEARER_STRATEGY, strategy);
      return request(server);
    },
    clock,
    config,
    queries: app.get(QueryCounter),
    dataSource: app.get(DataSource),
    database: db,
    close: async () => {
      // Checked before closing; the database is dropped either way.
      try {
        conformance?.verify(document);
      } finally {
        await app.close();
        if (database === undefined) await db?.drop();
        rmSync(ownDataDir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Makes the app listen on a free loopback port and answers the port: for clients other than supertest
 * (nginx, raw sockets, a browser), and for supertest to reuse one server instead of starting one per request.
 */
export async function listenOnLoopback(t: TestApp): Promise<number> {
  await t.app.listen(0, '127.0.0.1');
  return (t.app.getHttpServer().address() as { port: number }).port;
}
