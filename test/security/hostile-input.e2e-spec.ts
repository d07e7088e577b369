// Regressions found by test/security/properties.e2e-spec.ts, one concrete request each.
import { bearer, createWorkspace, expectProblem, registerUser } from '../support/api';
import { tableContents } from '../support/table-contents';
import { startTestApp, TestApp } from '../support/test-app';

describe('hostile input', () => {
  let t: TestApp;
  let secret: string;
  let wid: string;

  beforeAll(async () => {
    t = await startTestApp();
    secret = (await registerUser(t)).personalToken;
    wid = (await createWorkspace(t, secret)).id;
  });
  afterAll(() => t.close());

  const post = (path: string, text: string) => t.http().post(path).set(bearer(secret)).set('Content-Type', 'application/json').send(text);

  describe('strings the database cannot store, prototype keys and deep nesting: 400 before any DTO (were 500s or silently dropped)', () => {
    it.each([
      ['a NUL in a text field', '{"name":"a\\u0000b","serial":"S-1"}', 'name', 'must not contain the NUL character'],
      [
        'a NUL in device metadata (jsonb)',
        '{"name":"d","serial":"S-2","metadata":{"a":"x\\u0000"}}',
        'metadata.a',
        'must not contain the NUL character',
      ],
      [
        'a lone surrogate in device metadata',
        '{"name":"d","serial":"S-3","metadata":{"a":"\\ud800"}}',
        'metadata.a',
        'must be well-formed Unicode',
      ],
      ['a lone surrogate in a text field', '{"name":"a\\udc00","serial":"S-4"}', 'name', 'must be well-formed Unicode'],
      [
        'metadata nested 3000 deep',
        `{"name":"d","serial":"S-5","metadata":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}`,
        expect.stringMatching(/^metadata(\.a)+$/),
        'nests deeper than 32 levels',
      ],
      [
        'a body of arrays nested 100000 deep',
        '['.repeat(100_000) + ']'.repeat(100_000),
        // List items are named by their index in brackets (devices[3].name), so a bare list nests as [0][0]…
        expect.stringMatching(/^(\[0\])+$/),
        'nests deeper than 32 levels',
      ],
      [
        'a "constructor" key in metadata (was dropped without a word)',
        '{"name":"d","serial":"S-6","metadata":{"constructor":{"a":1}}}',
        'metadata.constructor',
        'is a forbidden key',
      ],
      [
        'a "prototype" key in metadata',
        '{"name":"d","serial":"S-7","metadata":{"prototype":1}}',
        'metadata.prototype',
        'is a forbidden key',
      ],
      [
        'a "constructor" key with a number in metadata (was a 500 from class-transformer)',
        '{"name":"d","serial":"S-8","metadata":{"constructor":3}}',
        'metadata.constructor',
        'is a forbidden key',
      ],
      [
        'a "valueOf" key in metadata (was dropped without a word)',
        '{"name":"d","serial":"S-9","metadata":{"valueOf":1}}',
        'metadata.valueOf',
        'is a forbidden key',
      ],
    ])('%s', async (_label, text, field, message) => {
      const before = await tableContents(t.dataSource);
      const problem = expectProblem(await post(`/v1/workspaces/${wid}/devices`, text), 400, 'validation_failed');
      expect(problem.errors).toEqual([{ field, message }]);
      expect(await tableContents(t.dataSource)).toEqual(before);
    });

    it('refuses a NUL in a query string or a login email (were 500s)', async () => {
      const query = await t.http().get(`/v1/workspaces/${wid}/devices?serial=%00`).set(bearer(secret));
      expect(expectProblem(query, 400, 'validation_failed').errors).toEqual([
        { field: 'serial', message: 'must not contain the NUL character' },
      ]);
      const loginRes = await t.http().post('/v1/auth/login').send({ email: 'a\u0000@example.com', password: 'x' });
      expect(expectProblem(loginRes, 400, 'validation_failed').errors).toEqual([
        { field: 'email', message: 'must not contain the NUL character' },
      ]);
    });

    it('refuses __proto__, constructor and toString as query keys, as it refuses any unknown key (were ignored)', async () => {
      for (const query of ['__proto__=1', 'constructor=1', 'toString=1', 'hasOwnProperty=1', '__proto__%5Bpolluted%5D=1']) {
        const res = await t.http().get(`/v1/workspaces?${query}`).set(bearer(secret));
        expectProblem(res, 400, 'validation_failed');
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });

  describe("URLs the router refuses before Nest: problem+json with a request id and the security headers (were Fastify's own JSON, 414 for a long id)", () => {
    it.each([
      ['broken percent-encoding', '/v1/workspaces/%E0%A4%A', 'is not a valid URL (broken percent-encoding)'],
      ['an id longer than the router takes', `/v1/workspaces/${'a'.repeat(500)}`, 'has a parameter longer than the router accepts'],
    ])('%s', async (_label, path, message) => {
      const res = await t.http().get(path).set(bearer(secret));
      expect(expectProblem(res, 400, 'validation_failed').errors).toEqual([{ field: 'path', message }]);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    });
  });

  describe('a DELETE takes no body, like every other route without one (a DELETE with any body went ahead)', () => {
    it('refuses fields and deletes nothing; an empty body or {} is fine', async () => {
      const device = await t
        .http()
        .post(`/v1/workspaces/${wid}/devices`)
        .set(bearer(secret))
        .send({ name: 'd', serial: 'DEL-1' })
        .expect(201);
      const res = await t.http().delete(`/v1/workspaces/${wid}/devices/${device.body.id}`).set(bearer(secret)).send({ force: true });
      expect(expectProblem(res, 400, 'validation_failed').errors).toEqual([{ field: 'force', message: 'is not accepted here' }]);
      await t.http().get(`/v1/workspaces/${wid}/devices/${device.body.id}`).set(bearer(secret)).expect(200);
      await t.http().delete(`/v1/workspaces/${wid}/devices/${device.body.id}`).set(bearer(secret)).send({}).expect(204);
    });

    it('does not delete a workspace for a body that is a bare number', async () => {
      const other = await createWorkspace(t, secret, 'Kept');
      const res = await t.http().delete(`/v1/workspaces/${other.id}`).set(bearer(secret)).set('Content-Type', 'application/json').send('5');
      expectProblem(res, 400, 'validation_failed');
      await t.http().get(`/v1/workspaces/${other.id}`).set(bearer(secret)).expect(200);
    });
  });

  describe('a JSON null is no object: 400 on a route that takes one (was read as {}: a PATCH changed nothing and answered 200)', () => {
    it.each([
      ['PATCH', 'a change', (id: string) => `/v1/workspaces/${id}`],
      ['POST', 'a creation', (id: string) => `/v1/workspaces/${id}/devices`],
    ] as const)('%s (%s)', async (method, _label, path) => {
      const res = await t
        .http()
        [method === 'PATCH' ? 'patch' : 'post'](path(wid))
        .set(bearer(secret))
        .set('Content-Type', 'application/json')
        .send('null');
      expect(expectProblem(res, 400, 'validation_failed').errors).toEqual([{ field: 'body', message: 'must be a JSON object' }]);
    });

    it('a route without a body still takes a null as no body, like an empty one', async () => {
      const other = await createWorkspace(t, secret, 'Null body');
      await t
        .http()
        .delete(`/v1/workspaces/${other.id}`)
        .set(bearer(secret))
        .set('Content-Type', 'application/json')
        .send('null')
        .expect(204);
    });
  });
});
