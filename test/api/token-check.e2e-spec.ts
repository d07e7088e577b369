// How the guard treats what arrives in the Authorization header.
import { checksum } from '../../src/auth/token-format';
import { bearer, expectProblem, registerUser, RegisteredUser } from '../support/api';
import { startTestApp, TestApp } from '../support/test-app';

describe('token check', () => {
  let t: TestApp;
  let user: RegisteredUser;

  beforeAll(async () => {
    t = await startTestApp();
    user = await registerUser(t);
  });
  afterAll(() => t.close());

  it('accepts the Bearer and the Token scheme', async () => {
    await t.http().get('/v1/me').set(bearer(user.personalToken)).expect(200);
    const res = await t.http().get('/v1/me').set('Authorization', `Token ${user.personalToken}`).expect(200);
    expect(res.body.id).toBe(user.id);
  });

  it('answers 401 token_missing with WWW-Authenticate when there is no token', async () => {
    const res = await t.http().get('/v1/me');
    expectProblem(res, 401, 'token_missing');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
  });

  it('ignores a token in the query string: tokens belong in headers, not in logged URLs', async () => {
    const res = await t.http().get(`/v1/me?access_token=${user.personalToken}`);
    expectProblem(res, 401, 'token_missing');
  });

  it('does not fall back to a query-string token when the header is bad', async () => {
    const res = await t.http().get(`/v1/me?access_token=${user.personalToken}`).set(bearer('lkp_nonsense'));
    expectProblem(res, 401, 'token_invalid');
  });

  it('refuses other schemes', async () => {
    const res = await t
      .http()
      .get('/v1/me')
      .set('Authorization', `Basic ${Buffer.from('a:b').toString('base64')}`);
    expectProblem(res, 401, 'token_invalid');
    expect(res.headers['www-authenticate']).toBe('Bearer realm="latchkey", error="invalid_token"');
  });

  const garbage: Array<[string, (secret: string) => string]> = [
    ['too short', (s) => s.slice(0, -1)],
    ['too long', (s) => `${s}x`],
    ['unknown prefix', (s) => `lkx_${s.slice(4)}`],
    ['non-base62 body', (s) => `${s.slice(0, 10)}-${s.slice(11)}`],
    ['bad checksum', (s) => s.slice(0, -1) + (s.endsWith('A') ? 'B' : 'A')],
    ['one body character changed', (s) => s.slice(0, 8) + (s[8] === 'a' ? 'b' : 'a') + s.slice(9)],
  ];

  it.each(garbage)('refuses a %s token with 401 and no database query', async (_label, mangle) => {
    const before = t.queries.total;
    const res = await t
      .http()
      .get('/v1/me')
      .set(bearer(mangle(user.personalToken)));
    expectProblem(res, 401, 'token_invalid');
    expect(t.queries.total - before).toBe(0);
  });

  it('does query the database for a well-formed token, which the counter would show', async () => {
    const before = t.queries.total;
    await t.http().get('/v1/me').set(bearer(user.personalToken)).expect(200);
    expect(t.queries.total - before).toBeGreaterThan(0);
  });

  it('refuses a well-formed token it never issued', async () => {
    const head = 'lkp_' + 'A'.repeat(32);
    const res = await t
      .http()
      .get('/v1/me')
      .set(bearer(head + checksum(head)));
    expectProblem(res, 401, 'token_invalid');
  });

  it('remembers a token it never issued: asking again costs no query', async () => {
    const head = 'lkp_' + 'C'.repeat(32);
    const forged = head + checksum(head);
    expectProblem(await t.http().get('/v1/me').set(bearer(forged)), 401, 'token_invalid');
    const before = t.queries.total;
    expectProblem(await t.http().get('/v1/me').set(bearer(forged)), 401, 'token_invalid');
    expect(t.queries.total - before).toBe(0);
  });

  it('remembers a revoked token: asking again costs no query', async () => {
    const other = await registerUser(t);
    const named = await t
      .http()
      .post('/v1/me/tokens')
      .set(bearer(other.personalToken))
      .send({ name: 'n', scopes: ['*'] })
      .expect(201);
    await t.http().get('/v1/me').set(bearer(named.body.secret)).expect(200);
    await t.http().delete(`/v1/me/tokens/${named.body.id}`).set(bearer(other.personalToken)).expect(204);
    // On PostgreSQL the instance hears its own revocation again through LISTEN a moment later; a
    // lookup in flight then is not stored. Within a few checks the revoked token costs nothing.
    const cost = async () => {
      const before = t.queries.total;
      expectProblem(await t.http().get('/v1/me').set(bearer(named.body.secret)), 401, 'token_invalid');
      return t.queries.total - before;
    };
    let last = await cost();
    for (let attempt = 0; attempt < 5 && last !== 0; attempt++) last = await cost();
    expect(last).toBe(0);
    expect(await cost()).toBe(0);
  });

  it('refuses an invitation secret as a bearer token', async () => {
    const head = 'lki_' + 'B'.repeat(32);
    const before = t.queries.total;
    expectProblem(
      await t
        .http()
        .get('/v1/me')
        .set(bearer(head + checksum(head))),
      401,
      'token_invalid',
    );
    expect(t.queries.total - before).toBe(0);
  });
});
