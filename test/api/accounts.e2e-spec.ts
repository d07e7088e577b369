// Registration, login, logout, profile, password change and the login abuse limit, through HTTP.
import { createHash } from 'node:crypto';
import argon2 from 'argon2';
import { bearer, createWorkspace, expectProblem, login, PASSWORD, registerUser, uniqueEmail } from '../support/api';
import { startTestApp, TestApp } from '../support/test-app';

describe('accounts', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  describe('POST /v1/auth/register', () => {
    it('creates the user and returns the personal token once, with its secret', async () => {
      const email = uniqueEmail('reg');
      const res = await t.http().post('/v1/auth/register').send({ email, password: PASSWORD, name: 'Ada' }).expect(201);
      expect(res.body.user).toMatchObject({ id: expect.any(String), email, name: 'Ada', status: 'active' });
      expect(res.body.user).not.toHaveProperty('passwordHash');
      const token = res.body.personalToken;
      expect(token).toMatchObject({ kind: 'personal', scopes: ['*'], expiresAt: null, revokedAt: null });
      expect(token.secret).toMatch(/^lkp_[0-9A-Za-z]{38}$/);
      expect(token.hint).toBe(`${token.secret.slice(0, 8)}…${token.secret.slice(-4)}`);
      await t.http().get('/v1/me').set(bearer(token.secret)).expect(200);
    });

    it('stores only a SHA-256 of the secret and an argon2id password hash', async () => {
      const email = uniqueEmail('hash');
      const res = await t.http().post('/v1/auth/register').send({ email, password: PASSWORD, name: 'Hash' }).expect(201);
      const [row] = await t.dataSource.query('SELECT token_hash FROM tokens WHERE id = $1', [res.body.personalToken.id]);
      expect(row.token_hash).toBe(createHash('sha256').update(res.body.personalToken.secret).digest('hex'));
      const [user] = await t.dataSource.query('SELECT password_hash FROM users WHERE id = $1', [res.body.user.id]);
      expect(user.password_hash).toMatch(/^\$argon2id\$/);
      const dump = JSON.stringify(await t.dataSource.query('SELECT * FROM tokens'));
      expect(dump).not.toContain(res.body.personalToken.secret);
    });

    it('treats emails case-insensitively: a second account with the same email is 409', async () => {
      const email = uniqueEmail('dup');
      await registerUser(t, email);
      const res = await t.http().post('/v1/auth/register').send({ email: email.toUpperCase(), password: PASSWORD, name: 'Again' });
      expectProblem(res, 409, 'conflict');
    });

    it('makes exactly one account under concurrent registrations of one email', async () => {
      const email = uniqueEmail('race');
      const results = await Promise.all(
        Array.from({ length: 5 }, () => t.http().post('/v1/auth/register').send({ email, password: PASSWORD, name: 'Race' })),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
      const [{ count }] = await t.dataSource.query('SELECT count(*)::int AS count FROM users WHERE lower(email) = lower($1)', [email]);
      expect(count).toBe(1);
    });

    it.each([
      [{ email: 'not-an-email', password: PASSWORD, name: 'X' }, 'email'],
      [{ email: uniqueEmail(), password: 'short', name: 'X' }, 'password'],
      [{ email: uniqueEmail(), password: PASSWORD, name: '   ' }, 'name'],
      [{ email: uniqueEmail(), password: PASSWORD }, 'name'],
      [{ email: uniqueEmail(), password: 12345678901234, name: 'X' }, 'password'],
      [{ email: uniqueEmail(), password: PASSWORD, name: 'X', admin: true }, 'admin'],
    ])('rejects %j with 400 naming %s', async (body, field) => {
      const before = await t.dataSource.query('SELECT count(*)::int AS n FROM users');
      const res = await t.http().post('/v1/auth/register').send(body);
      const problem = expectProblem(res, 400, 'validation_failed');
      expect((problem.errors as Array<{ field: string }>).map((e) => e.field)).toContain(field);
      expect(await t.dataSource.query('SELECT count(*)::int AS n FROM users')).toEqual(before);
    });

    it('answers malformed JSON with 400 problem+json', async () => {
      const res = await t.http().post('/v1/auth/register').set('Content-Type', 'application/json').send('{"email": ');
      expectProblem(res, 400, 'validation_failed');
    });

    it('refuses a prototype-pollution key with 400', async () => {
      const res = await t
        .http()
        .post('/v1/auth/register')
        .set('Content-Type', 'application/json')
        .send(`{"email":"${uniqueEmail()}","password":"${PASSWORD}","name":"P","__proto__":{"admin":true}}`);
      expectProblem(res, 400, 'validation_failed');
    });

    it('answers a JSON array or string body with 400', async () => {
      expectProblem(await t.http().post('/v1/auth/register').send([1, 2]), 400, 'validation_failed');
      expectProblem(await t.http().post('/v1/auth/register').set('Content-Type', 'application/json').send('"x"'), 400, 'validation_failed');
    });

    it('answers a body over 1 MiB with 413', async () => {
      const res = await t
        .http()
        .post('/v1/auth/register')
        .send({ email: uniqueEmail(), password: PASSWORD, name: 'x'.repeat(1024 * 1024) });
      expectProblem(res, 413, 'payload_too_large');
    });

    it('answers a body that is not JSON with 415', async () => {
      const res = await t.http().post('/v1/auth/register').set('Content-Type', 'application/xml').send('<a/>');
      expectProblem(res, 415, 'unsupported_media_type');
    });
  });

  describe('POST /v1/auth/login and /logout', () => {
    it('returns a 12-hour session token that works, and logout ends it', async () => {
      const user = await registerUser(t);
      const res = await t.http().post('/v1/auth/login').send({ email: user.email.toUpperCase(), password: PASSWORD }).expect(200);
      const session = res.body.token;
      expect(session).toMatchObject({ kind: 'session', scopes: ['*'], id: expect.any(String) });
      expect(session.secret).toMatch(/^lks_/);
      expect(new Date(session.expiresAt).getTime() - t.clock.now().getTime()).toBe(12 * 3600 * 1000);

      const me = await t.http().get('/v1/me').set(bearer(session.secret)).expect(200);
      expect(me.headers['latchkey-token-expires-at']).toBe(session.expiresAt);

      await t.http().post('/v1/auth/logout').set(bearer(session.secret)).expect(204);
      expectProblem(await t.http().get('/v1/me').set(bearer(session.secret)), 401, 'token_invalid');
      await t.http().get('/v1/me').set(bearer(user.personalToken)).expect(200);
    });

    it('expires the session after 12 hours with token_expired', async () => {
      const user = await registerUser(t);
      const session = await login(t, user.email);
      t.clock.advanceSeconds(12 * 3600 - 1);
      await t.http().get('/v1/me').set(bearer(session)).expect(200);
      t.clock.advanceSeconds(1);
      expectProblem(await t.http().get('/v1/me').set(bearer(session)), 401, 'token_expired');
    });

    it('refuses fields on logout, which takes no body', async () => {
      const user = await registerUser(t);
      const session = await login(t, user.email);
      expectProblem(await t.http().post('/v1/auth/logout').set(bearer(session)).send({ everywhere: true }), 400, 'validation_failed');
      await t.http().get('/v1/me').set(bearer(session)).expect(200);
    });

    it('refuses logout with a token that is not a session', async () => {
      const user = await registerUser(t);
      expectProblem(await t.http().post('/v1/auth/logout').set(bearer(user.personalToken)), 403, 'forbidden');
      await t.http().get('/v1/me').set(bearer(user.personalToken)).expect(200);
    });

    it('answers a wrong password and an unknown email identically', async () => {
      const user = await registerUser(t);
      const wrong = await t.http().post('/v1/auth/login').send({ email: user.email, password: 'wrong password here' });
      const unknown = await t
        .http()
        .post('/v1/auth/login')
        .send({ email: uniqueEmail('nobody'), password: 'wrong password here' });
      for (const res of [wrong, unknown]) expectProblem(res, 401, 'invalid_credentials');
      const strip = (b: Record<string, unknown>) => ({ ...b, requestId: undefined });
      expect(strip(wrong.body)).toEqual(strip(unknown.body));
      expect(wrong.headers['www-authenticate']).toBe(unknown.headers['www-authenticate']);
    });

    it('spends a real argon2 verification on unknown emails too, so timing does not tell them apart', async () => {
      const spy = jest.spyOn(argon2, 'verify');
      try {
        await t
          .http()
          .post('/v1/auth/login')
          .send({ email: uniqueEmail('ghost'), password: 'whatever it is' })
          .expect(401);
        expect(spy).toHaveBeenCalledTimes(1);
        expect(spy.mock.calls[0][0]).toMatch(/^\$argon2id\$v=19\$m=8192,p=1,t=2\$/);
        expect(spy.mock.calls[0][1]).toBe('whatever it is');
      } finally {
        spy.mockRestore();
      }
    });

    it('counts parallel guesses: 40 at once for one email get at most 10 password checks', async () => {
      const user = await registerUser(t);
      const results = await Promise.all(
        Array.from({ length: 40 }, () => t.http().post('/v1/auth/login').send({ email: user.email, password: 'parallel guess!!' })),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 401)).toHaveLength(10);
      expect(statuses.filter((s) => s === 429)).toHaveLength(30);
    });

    it('locks an email out after 10 failures in 15 minutes with 429 and Retry-After, existing or not', async () => {
      const user = await registerUser(t);
      for (const email of [user.email, uniqueEmail('ghost')]) {
        for (let i = 0; i < 10; i++) {
          expectProblem(await t.http().post('/v1/auth/login').send({ email, password: 'wrong password!!' }), 401, 'invalid_credentials');
        }
        const locked = await t.http().post('/v1/auth/login').send({ email, password: PASSWORD });
        expectProblem(locked, 429, 'rate_limited');
        expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
        expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(900);
      }
      // Even the right password is refused until the window passes, then it works.
      t.clock.advanceSeconds(899);
      expectProblem(await t.http().post('/v1/auth/login').send({ email: user.email, password: PASSWORD }), 429, 'rate_limited');
      t.clock.advanceSeconds(2);
      await t.http().post('/v1/auth/login').send({ email: user.email, password: PASSWORD }).expect(200);
    });

    it('does not lock out another email', async () => {
      const victim = await registerUser(t);
      const other = await registerUser(t);
      for (let i = 0; i < 10; i++) await t.http().post('/v1/auth/login').send({ email: victim.email, password: 'wrong password!!' });
      await t.http().post('/v1/auth/login').send({ email: other.email, password: PASSWORD }).expect(200);
    });
  });

  describe('GET and PATCH /v1/me', () => {
    it('shows and renames the user', async () => {
      const user = await registerUser(t);
      const res = await t.http().patch('/v1/me').set(bearer(user.personalToken)).send({ name: 'Renamed' }).expect(200);
      expect(res.body.name).toBe('Renamed');
      expect((await t.http().get('/v1/me').set(bearer(user.personalToken)).expect(200)).body.name).toBe('Renamed');
    });

    it('changes the password only with the current one, and the change ends every session', async () => {
      const user = await registerUser(t);
      const sessionA = await login(t, user.email);
      const sessionB = await login(t, user.email);
      const newPassword = 'an entirely new passphrase';

      const missing = await t.http().patch('/v1/me').set(bearer(sessionA)).send({ password: newPassword });
      expect(expectProblem(missing, 400, 'validation_failed').errors).toEqual([{ field: 'currentPassword', message: expect.any(String) }]);
      const wrong = await t
        .http()
        .patch('/v1/me')
        .set(bearer(sessionA))
        .send({ password: newPassword, currentPassword: 'not the password' });
      expectProblem(wrong, 400, 'validation_failed');
      await t.http().get('/v1/me').set(bearer(sessionB)).expect(200);

      await t.http().patch('/v1/me').set(bearer(sessionA)).send({ password: newPassword, currentPassword: PASSWORD }).expect(200);
      expectProblem(await t.http().get('/v1/me').set(bearer(sessionA)), 401, 'token_invalid');
      expectProblem(await t.http().get('/v1/me').set(bearer(sessionB)), 401, 'token_invalid');
      // Long-lived tokens are not sessions and keep working.
      await t.http().get('/v1/me').set(bearer(user.personalToken)).expect(200);
      expectProblem(await t.http().post('/v1/auth/login').send({ email: user.email, password: PASSWORD }), 401, 'invalid_credentials');
      await login(t, user.email, newPassword);
    });

    it('answers null for a field with 400, not a crash', async () => {
      const user = await registerUser(t);
      for (const body of [{ name: null }, { password: null, currentPassword: PASSWORD }, { currentPassword: null }]) {
        expectProblem(await t.http().patch('/v1/me').set(bearer(user.personalToken)).send(body), 400, 'validation_failed');
      }
      await login(t, user.email);
    });

    it('rejects unknown fields and a too-short new password', async () => {
      const user = await registerUser(t);
      expectProblem(
        await t.http().patch('/v1/me').set(bearer(user.personalToken)).send({ email: 'x@example.com' }),
        400,
        'validation_failed',
      );
      expectProblem(
        await t.http().patch('/v1/me').set(bearer(user.personalToken)).send({ password: 'short', currentPassword: PASSWORD }),
        400,
        'validation_failed',
      );
    });

    it('needs account:read to read and account:manage to change', async () => {
      const user = await registerUser(t);
      const noAccount = (
        await t
          .http()
          .post('/v1/me/tokens')
          .set(bearer(user.personalToken))
          .send({ name: 'n', scopes: ['devices:read'] })
          .expect(201)
      ).body.secret;
      const readOnly = (
        await t
          .http()
          .post('/v1/me/tokens')
          .set(bearer(user.personalToken))
          .send({ name: 'r', scopes: ['account:read'] })
          .expect(201)
      ).body.secret;
      expectProblem(await t.http().get('/v1/me').set(bearer(noAccount)), 403, 'insufficient_scope');
      await t.http().get('/v1/me').set(bearer(readOnly)).expect(200);
      expectProblem(await t.http().patch('/v1/me').set(bearer(readOnly)).send({ name: 'No' }), 403, 'insufficient_scope');
    });
  });

  describe('POST /v1/auth/token (exchange)', () => {
    it('exchanges a named token for a short session with the same scopes and workspaces', async () => {
      const user = await registerUser(t);
      const wid = (await createWorkspace(t, user.personalToken)).id;
      const named = (
        await t
          .http()
          .post('/v1/me/tokens')
          .set(bearer(user.personalToken))
          .send({ name: 'ci', scopes: ['account:read', 'devices:read'], workspaceIds: [wid] })
          .expect(201)
      ).body;
      const res = await t.http().post('/v1/auth/token').set(bearer(named.secret)).send({ expiresInSeconds: 600 }).expect(200);
      expect(res.body.token).toMatchObject({
        kind: 'session',
        scopes: ['account:read', 'devices:read'],
        workspaceIds: [wid],
        parentId: named.id,
      });
      expect(res.body.token.secret).toMatch(/^lks_/);
      expect(new Date(res.body.token.expiresAt).getTime() - t.clock.now().getTime()).toBe(600_000);
      await t.http().get('/v1/me').set(bearer(res.body.token.secret)).expect(200);
      expectProblem(await t.http().patch('/v1/me').set(bearer(res.body.token.secret)).send({ name: 'x' }), 403, 'insufficient_scope');
    });

    it('defaults to one hour and never outlives its parent', async () => {
      const user = await registerUser(t);
      const res = await t.http().post('/v1/auth/token').set(bearer(user.personalToken)).expect(200);
      expect(new Date(res.body.token.expiresAt).getTime() - t.clock.now().getTime()).toBe(3600_000);

      const shortLived = (
        await t
          .http()
          .post('/v1/me/tokens')
          .set(bearer(user.personalToken))
          .send({ name: 's', scopes: ['*'], expiresInDays: 1 })
          .expect(201)
      ).body;
      t.clock.advanceSeconds(86400 - 600);
      const child = await t.http().post('/v1/auth/token').set(bearer(shortLived.secret)).send({ expiresInSeconds: 43200 }).expect(200);
      expect(child.body.token.expiresAt).toBe(shortLived.expiresAt);
    });

    it('dies as soon as its parent is revoked', async () => {
      const user = await registerUser(t);
      const named = (
        await t
          .http()
          .post('/v1/me/tokens')
          .set(bearer(user.personalToken))
          .send({ name: 'p', scopes: ['*'] })
          .expect(201)
      ).body;
      const session = (await t.http().post('/v1/auth/token').set(bearer(named.secret)).expect(200)).body.token.secret;
      await t.http().get('/v1/me').set(bearer(session)).expect(200);
      await t.http().delete(`/v1/me/tokens/${named.id}`).set(bearer(user.personalToken)).expect(204);
      expectProblem(await t.http().get('/v1/me').set(bearer(session)), 401, 'token_invalid');
    });

    it('will not exchange a session, and checks the bounds', async () => {
      const user = await registerUser(t);
      const session = await login(t, user.email);
      expectProblem(await t.http().post('/v1/auth/token').set(bearer(session)), 403, 'forbidden');
      for (const expiresInSeconds of [59, 43201, 'x']) {
        expectProblem(
          await t.http().post('/v1/auth/token').set(bearer(user.personalToken)).send({ expiresInSeconds }),
          400,
          'validation_failed',
        );
      }
    });
  });
});
