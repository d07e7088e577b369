// A database that cannot be reached, through /graphql: while authenticating, 503 problem+json as REST,
// never a 500; back by itself when the database is. A pool with no free connection, from inside a
// resolver (the token cached): UNAVAILABLE on that field, the others answered.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerUser } from '../support/api';
import { TcpProxy } from '../support/tcp-proxy';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { codes, gql } from './gql';

describe('a database outage, through GraphQL', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    proxy = await TcpProxy.start(db.url);
    t = await startTestApp({ LATCHKEY_CACHE_TTL_SECONDS: '0' }, { ...db, url: proxy.url(db.url) });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
    await db?.drop();
  });

  it('answers 503 unavailable while authenticating, never a 500, and recovers', async () => {
    const user = await registerUser(t);
    await proxy.cut();
    const res = await gql(t, user.personalToken, '{ me { __typename } }');
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('unavailable');
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.stringify(res.body)).not.toMatch(/SELECT|ECONNREFUSED|stack/i);
    // Without a token nothing needs the database: the public fields still answer.
    expect((await gql(t, null, '{ permissions { accountScopes { name } } }')).status).toBe(200);
    await proxy.restore();
    const back = await gql(t, user.personalToken, '{ me { __typename } }');
    expect(back.data).toEqual({ me: { __typename: 'User' } });
    expect(codes(back)).toEqual([]);
  }, 60_000);
});

describe('a busy connection pool, through GraphQL', () => {
  let t: TestApp;
  let dataDir: string | undefined;

  beforeAll(async () => {
    const env = { LATCHKEY_DB_ACQUIRE_TIMEOUT_MS: '500', LATCHKEY_LOG_LEVEL: 'warn' };
    if (process.env.DATABASE_URL) t = await startTestApp({ ...env, LATCHKEY_DB_POOL_SIZE: '1' });
    else {
      // The app's own embedded database, one connection, as test/resilience/pool-exhausted.e2e-spec.ts does.
      dataDir = mkdtempSync(join(tmpdir(), 'latchkey-gql-pool-'));
      t = await startTestApp({ ...env, LATCHKEY_DATA_DIR: dataDir }, null);
    }
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers UNAVAILABLE from inside a resolver (the token cached), never INTERNAL, and recovers', async () => {
    const user = await registerUser(t);
    const query = '{ permissions { accountScopes { name } } tokens(limit: 1) { items { kind } } }';
    // The token is checked once and cached: the next request needs the database only in its resolver.
    expect(codes(await gql(t, user.personalToken, query))).toEqual([]);
    const held = t.dataSource.createQueryRunner();
    await held.connect();
    let res: Awaited<ReturnType<typeof gql>>;
    try {
      res = await gql(t, user.personalToken, query);
    } finally {
      await held.release();
    }
    expect(codes(res)).toEqual(['UNAVAILABLE']);
    expect(res.errors?.[0].message).toBe('Every database connection is busy; try again shortly.');
    expect(res.errors?.[0].path).toEqual(['tokens']);
    // `tokens` is non-null: its error empties the whole answer, as GraphQL has it. Past authentication an
    // execution result answers 200 (GraphQL over HTTP, application/json); the code tells clients to retry.
    expect(res.data).toBeNull();
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).not.toMatch(/SELECT|timeout exceeded|stack/i);
    const back = await gql(t, user.personalToken, query);
    expect(codes(back)).toEqual([]);
    expect(back.data?.tokens).toEqual({ items: [{ kind: 'personal' }] });
  }, 60_000);
});
