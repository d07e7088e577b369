// A database that cannot be reached, through /graphql: while authenticating, 503 problem+json as REST,
// never a 500; back by itself when the database is. (Within a resolver the mapping is the same filter's:
// UNAVAILABLE; not tested here, the embedded database's single connection makes a cached second app flaky.)
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
