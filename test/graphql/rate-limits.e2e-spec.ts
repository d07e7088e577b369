// /graphql counts against the same limits as REST: per token, and per address without a token.
import { bearer, registerUser } from '../support/api';
import { startTestApp, TestApp } from '../support/test-app';
import { gql } from './gql';

describe('GraphQL rate limits, shared with REST', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ LATCHKEY_RATE_LIMIT_PER_TOKEN: '5', LATCHKEY_RATE_LIMIT_PUBLIC_PER_IP: '4' });
  });
  afterAll(() => t.close());

  it('a token that spent its minute on REST is refused by /graphql with 429, and the other way round', async () => {
    const user = await registerUser(t); // the address's first public request
    for (let i = 0; i < 3; i++) await t.http().get('/v1/whoami').set(bearer(user.personalToken)).expect(200);
    for (let i = 0; i < 2; i++) {
      const counted = await gql(t, user.personalToken, '{ me { __typename } }');
      expect(counted.status).toBe(200);
      expect(counted.headers.ratelimit).toMatch(/^"token";r=\d+;t=\d+$/);
    }
    const refused = await gql(t, user.personalToken, '{ me { __typename } }');
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('rate_limited');
    expect(refused.headers['retry-after']).toBeDefined();
    await t.http().get('/v1/whoami').set(bearer(user.personalToken)).expect(429);
  });

  it('without a token, /graphql counts against the address as public routes do', async () => {
    // The sign-up above was the address's first; four a minute.
    await t.http().get('/v1/permissions').expect(200);
    for (let i = 0; i < 2; i++) expect((await gql(t, null, '{ permissions { permissions { name } } }')).status).toBe(200);
    expect((await gql(t, null, '{ permissions { permissions { name } } }')).status).toBe(429);
    await t.http().get('/v1/permissions').expect(429);
  });
});
