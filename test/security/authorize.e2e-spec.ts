// Audit finding C1: /v1/authorize must read each value of the question from the one source the proxy
// controls in that deployment mode, never from the caller's own query, headers or path.
import { request as httpRequest } from 'node:http';
import {
  bearer,
  builtInRoles,
  createNamedToken,
  createWorkspace,
  expectProblem,
  inviteAndAccept,
  registerUser,
  RegisteredUser,
} from '../support/api';
import { startTestApp, TestApp, listenOnLoopback } from '../support/test-app';

describe('C1: /v1/authorize reads the question from one proxy-controlled source per mode', () => {
  let t: TestApp;
  // The attacker owns workspace A (device a1); the victim owns workspace V (device v1); the viewer is a
  // viewer of V with access to every device.
  let attacker: RegisteredUser;
  let viewer: RegisteredUser;
  let victim: RegisteredUser;
  let A: string;
  let a1: string;
  let V: string;
  let v1: string;
  let bot: string;
  let port: number;

  beforeAll(async () => {
    // Envoy and Traefik see the device-data service mounted under /api.
    t = await startTestApp({ LATCHKEY_FORWARD_AUTH_PATH_PREFIX: '/api' });
    port = await listenOnLoopback(t);
    attacker = await registerUser(t);
    victim = await registerUser(t);
    viewer = await registerUser(t);
    A = (await createWorkspace(t, attacker.personalToken, 'Attacker')).id;
    V = (await createWorkspace(t, victim.personalToken, 'Victim')).id;
    a1 = (
      await t
        .http()
        .post(`/v1/workspaces/${A}/devices`)
        .set(bearer(attacker.personalToken))
        .send({ name: 'mine', serial: 'A1' })
        .expect(201)
    ).body.id;
    v1 = (
      await t
        .http()
        .post(`/v1/workspaces/${V}/devices`)
        .set(bearer(victim.personalToken))
        .send({ name: 'theirs', serial: 'V1' })
        .expect(201)
    ).body.id;
    const roles = await builtInRoles(t, victim.personalToken, V);
    await inviteAndAccept(t, victim.personalToken, V, viewer, [roles.viewer], { mode: 'all' });
    bot = (
      await t
        .http()
        .post(`/v1/workspaces/${A}/api-users`)
        .set(bearer(attacker.personalToken))
        .send({
          name: 'Bot',
          roleIds: [(await builtInRoles(t, attacker.personalToken, A)).viewer],
          deviceAccess: { mode: 'selected', deviceIds: [a1] },
        })
        .expect(201)
    ).body.token.secret;
  }, 60_000);
  afterAll(() => t?.close());

  /** Envoy ext_authz: path_prefix /v1/authorize + the caller's original path (query included), permission in a header. */
  const envoy = (secret: string, originalPath: string, permission = 'measurements:read') =>
    t.http().get(`/v1/authorize${originalPath}`).set(bearer(secret)).set('Latchkey-Permission', permission);
  /** Traefik forwardAuth: the configured address (permission in its query), the original URI in X-Forwarded-Uri. */
  const traefik = (secret: string, uri: string, permission = 'measurements:read') =>
    t.http().get(`/v1/authorize?permission=${permission}`).set(bearer(secret)).set('X-Forwarded-Method', 'GET').set('X-Forwarded-Uri', uri);
  /**
   * Envoy's request sent byte for byte: supertest (WHATWG URL) would resolve dot-segments and turn
   * backslashes into slashes before sending, which a raw client, or a proxy passing the path on, does not.
   */
  const rawEnvoy = (secret: string, originalPath: string, permission = 'measurements:read') =>
    new Promise<{ status: number; headers: Record<string, string>; body: Record<string, unknown> }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'GET',
          path: `/v1/authorize${originalPath}`,
          headers: { ...bearer(secret), 'Latchkey-Permission': permission },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string>, body: text ? JSON.parse(text) : {} }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
  const plain = (secret: string, query: string) => t.http().get(`/v1/authorize?${query}`).set(bearer(secret));

  /** Never a 204 and never the attacker's workspace in the answer. */
  const refused = (res: { status: number; headers: Record<string, string> }) => {
    expect(res.status).not.toBe(204);
    expect(res.headers['latchkey-workspace-id']).toBeUndefined();
  };

  describe("the audit's attacks", () => {
    it("C1: Envoy, the victim's path with ?workspaceId=<own>&deviceId=<own> appended, is judged on the victim's path", async () => {
      for (const secret of [attacker.personalToken, bot]) {
        const res = await envoy(secret, `/api/workspaces/${V}/devices/${v1}/measurements?workspaceId=${A}&deviceId=${a1}`);
        refused(res);
        expectProblem(res, 403, 'forbidden');
      }
      // The same shape on the attacker's own device is allowed: the query neither helps nor hurts.
      await envoy(attacker.personalToken, `/api/workspaces/${A}/devices/${a1}/measurements?workspaceId=${V}&deviceId=${v1}`).expect(204);
    });

    it('C1: a viewer cannot pass a devices:delete check by appending ?permission=devices:read', async () => {
      await envoy(viewer.personalToken, `/api/workspaces/${V}/devices/${v1}`, 'devices:read').expect(204);
      const res = await envoy(viewer.personalToken, `/api/workspaces/${V}/devices/${v1}?permission=devices:read`, 'devices:delete');
      refused(res);
      expectProblem(res, 403, 'forbidden');
    });

    it('C1: client-sent Latchkey-Workspace-Id / Latchkey-Device-Id headers never override X-Forwarded-Uri (400)', async () => {
      const forged = (req: ReturnType<typeof traefik>) => req.set('Latchkey-Workspace-Id', A).set('Latchkey-Device-Id', a1);
      for (const res of [
        await forged(traefik(attacker.personalToken, `/api/workspaces/${V}/devices/${v1}/measurements`)),
        await forged(envoy(attacker.personalToken, `/api/workspaces/${V}/devices/${v1}/measurements`)),
        await traefik(attacker.personalToken, `/api/workspaces/${V}/devices/${v1}/measurements`).set('Latchkey-Device-Id', a1),
      ]) {
        refused(res);
        expectProblem(res, 400, 'validation_failed');
      }
    });

    it('C1: dot-segments and a query string in the forwarded URI never choose the ids (400)', async () => {
      const climbing = `/api/workspaces/${A}/devices/${a1}/../../../../workspaces/${V}/devices/${v1}/measurements`;
      const paths = [
        climbing,
        `/api/measurements?ref=/workspaces/${A}/devices/${a1}`,
        `/api/workspaces/${V};ref=/workspaces/${A}/devices/${a1}`,
        `/api/workspaces/${V}/devices/${v1};/measurements`,
        `/api/workspaces/${A}/devices/${a1}/./measurements`,
        `/api/workspaces/${A}/devices/${a1}/..`,
        `/api/workspaces/${A}/devices/${a1}/%2e%2e/%2E%2E/measurements`,
        `/api/workspaces/${A}/devices/${a1}%2F..%2F..%2Fworkspaces%2F${V}`,
        `/api/workspaces/${A}/devices/${a1}/%252e%252e/x`,
        `/api/workspaces/${A}/devices/${a1}\\..\\..\\x`,
        `/api/workspaces/${A}/devices/${a1}/%5c../x`,
        `/api/workspaces/${A}//devices/${a1}/measurements`,
        `/api//workspaces/${A}/devices/${a1}/measurements`,
        `/api/workspaces/${A}/devices/${a1}/%c0%ae%c0%ae/x`,
        `/api/workspaces/${A}/devices/${a1}/%zz`,
        `/workspaces/${A}/devices/${a1}/measurements`,
        `/apix/workspaces/${A}/devices/${a1}/measurements`,
        `/other/api/workspaces/${A}/devices/${a1}/measurements`,
      ];
      for (const path of paths) {
        for (const res of [await traefik(attacker.personalToken, path), await rawEnvoy(attacker.personalToken, path)]) {
          refused(res);
          expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 400, code: 'validation_failed' });
        }
      }
    });
  });

  describe('one source per mode', () => {
    it('C1: plain mode reads the query only: Latchkey-* or X-Forwarded-Uri headers, repeated or unknown keys are 400', async () => {
      const q = `workspaceId=${A}&permission=measurements:read&deviceId=${a1}`;
      await plain(attacker.personalToken, q).expect(204);
      for (const res of [
        await plain(attacker.personalToken, q).set('Latchkey-Workspace-Id', A),
        await plain(attacker.personalToken, q).set('Latchkey-Device-Id', a1),
        await plain(attacker.personalToken, q).set('Latchkey-Permission', 'measurements:read'),
        await plain(attacker.personalToken, `${q}&workspaceId=${V}`),
        await plain(attacker.personalToken, `workspaceId=${V}&${q}`),
        await plain(attacker.personalToken, `${q}&permission=devices:read`),
        await plain(attacker.personalToken, `${q}&deviceId=${v1}`),
        await plain(attacker.personalToken, `${q}&workspaceid=${V}`),
        await plain(attacker.personalToken, `permission=measurements:read&deviceId=${a1}`).set('Latchkey-Workspace-Id', A),
        await plain(attacker.personalToken, `workspaceId=${A}&deviceId=${a1}`).set('Latchkey-Permission', 'measurements:read'),
      ]) {
        refused(res);
        expectProblem(res, 400, 'validation_failed');
      }
      // A proxy that leaves a variable empty (nginx, a workspace-wide route) asks about every device: stricter, not looser.
      await plain(attacker.personalToken, `workspaceId=${A}&permission=measurements:read&deviceId=`).expect(204);
      expectProblem(await plain(bot, `workspaceId=${A}&permission=measurements:read&deviceId=`), 403, 'forbidden');
    });

    it('C1: Envoy mode: the permission from one Latchkey-Permission header, ids from the path, X-Forwarded-Uri is 400', async () => {
      await envoy(bot, `/api/workspaces/${A}/devices/${a1}/measurements?from=0&to=1`).expect(204);
      await envoy(bot, `/api/workspaces/${A}/devices/${a1}`).expect(204);
      // Upper-case ids name the same workspace and device.
      await envoy(bot, `/api/workspaces/${A.toUpperCase()}/devices/${a1.toUpperCase()}/measurements`).expect(204);
      // A path without a device asks about every device: the bot sees one device only.
      expectProblem(await envoy(bot, `/api/workspaces/${A}/devices`), 403, 'forbidden');
      expectProblem(await envoy(bot, `/api/workspaces/${A}/devices/not-a-device/measurements`), 403, 'forbidden');
      for (const res of [
        await t.http().get(`/v1/authorize/api/workspaces/${A}/devices/${a1}?permission=measurements:read`).set(bearer(bot)),
        await envoy(bot, `/api/workspaces/${A}/devices/${a1}`).set('X-Forwarded-Uri', `/api/workspaces/${A}/devices/${a1}`),
        await envoy(bot, `/api/workspaces/${A}/devices/${a1}`, 'measurements:read, measurements:read'),
        await envoy(bot, `/api/workspaces/${A}/devices/${a1}`, 'measurements:read,devices:read'),
        await envoy(bot, `/api/workspaces/${A}/devices/${a1}`, ''),
        await envoy(bot, '/api/workspaces/not-a-uuid/devices'),
        await envoy(bot, '/'),
      ]) {
        refused(res);
        expectProblem(res, 400, 'validation_failed');
      }
    });

    it("C1: Traefik mode: the permission from the address's query only, ids from X-Forwarded-Uri without its query", async () => {
      await traefik(bot, `/api/workspaces/${A}/devices/${a1}/measurements`).expect(204);
      await traefik(bot, `/api/workspaces/${A}/devices/${a1}/measurements?workspaceId=${V}&deviceId=${v1}`).expect(204);
      expectProblem(
        await traefik(attacker.personalToken, `/api/workspaces/${V}/devices/${v1}/measurements?workspaceId=${A}&deviceId=${a1}`),
        403,
        'forbidden',
      );
      const uri = `/api/workspaces/${A}/devices/${a1}/measurements`;
      for (const res of [
        await t.http().get(`/v1/authorize?permission=measurements:read&workspaceId=${A}`).set(bearer(bot)).set('X-Forwarded-Uri', uri),
        await t.http().get(`/v1/authorize?permission=measurements:read&deviceId=${a1}`).set(bearer(bot)).set('X-Forwarded-Uri', uri),
        await t
          .http()
          .get('/v1/authorize?permission=measurements:read&permission=devices:read')
          .set(bearer(bot))
          .set('X-Forwarded-Uri', uri),
        await t.http().get('/v1/authorize').set(bearer(bot)).set('X-Forwarded-Uri', uri).set('Latchkey-Permission', 'measurements:read'),
        await traefik(bot, uri).set('Latchkey-Permission', 'measurements:read'),
        await traefik(bot, `${uri}, /api/workspaces/${V}/devices/${v1}`),
        await traefik(bot, ''),
        await traefik(bot, `https://evil.example${uri}`),
        await traefik(bot, `${uri}#x`),
        await traefik(bot, `${uri}/${'x'.repeat(6000)}`),
        await traefik(bot, `/api/workspaces/${A}/devices/${a1}/mésures`),
      ]) {
        refused(res);
        expectProblem(res, 400, 'validation_failed');
      }
    });

    it('C1: a restricted token and many forged questions at once get nothing more', async () => {
      const narrow = await createNamedToken(t, attacker.personalToken, { scopes: ['measurements:read'], workspaceIds: [A] });
      const forged = [
        () => envoy(narrow.secret, `/api/workspaces/${V}/devices/${v1}/measurements?workspaceId=${A}&deviceId=${a1}`),
        () => traefik(narrow.secret, `/api/workspaces/${A}/devices/${a1}/../../../../workspaces/${V}/devices/${v1}`),
        () => rawEnvoy(narrow.secret, `/api/workspaces/${A}/devices/${a1}/../../../../workspaces/${V}/devices/${v1}`),
        () => traefik(narrow.secret, `/api/workspaces/${V}/devices/${v1}`).set('Latchkey-Workspace-Id', A),
        () => envoy(narrow.secret, `/api/workspaces/${A}/devices/${a1}?permission=measurements:read`, 'measurements:write'),
      ];
      const answers = await Promise.all(Array.from({ length: 24 }, (_, i) => forged[i % forged.length]()));
      for (const res of answers) refused(res);
      expect(answers.every((res) => res.status === 400 || res.status === 403)).toBe(true);
      await envoy(narrow.secret, `/api/workspaces/${A}/devices/${a1}/measurements`).expect(204);
    });
  });
});

describe("C1: with a route table, a forwarded request's permission comes from the table only", () => {
  let t: TestApp;
  let owner: RegisteredUser;
  let viewer: RegisteredUser;
  let W: string;
  let d1: string;
  let bot: string;

  beforeAll(async () => {
    t = await startTestApp({
      LATCHKEY_FORWARD_AUTH_PATH_PREFIX: '/api',
      LATCHKEY_FORWARD_AUTH_ROUTES: [
        'GET /workspaces/{workspaceId}/devices/{deviceId}/measurements measurements:read',
        'POST /workspaces/{workspaceId}/devices/{deviceId}/measurements measurements:write',
        'GET /workspaces/{workspaceId}/devices/{deviceId} devices:read',
        'DELETE /workspaces/{workspaceId}/devices/{deviceId} devices:delete',
      ].join(','),
    });
    owner = await registerUser(t);
    viewer = await registerUser(t);
    W = (await createWorkspace(t, owner.personalToken, 'Routes')).id;
    d1 = (
      await t.http().post(`/v1/workspaces/${W}/devices`).set(bearer(owner.personalToken)).send({ name: 'one', serial: 'R1' }).expect(201)
    ).body.id;
    const roles = await builtInRoles(t, owner.personalToken, W);
    await inviteAndAccept(t, owner.personalToken, W, viewer, [roles.viewer], { mode: 'all' });
    bot = (
      await t
        .http()
        .post(`/v1/workspaces/${W}/api-users`)
        .set(bearer(owner.personalToken))
        .send({ name: 'Bot', roleIds: [roles.viewer], deviceAccess: { mode: 'selected', deviceIds: [d1] } })
        .expect(201)
    ).body.token.secret;
  }, 60_000);
  afterAll(() => t?.close());

  it('C1: Envoy: the original method and path choose the permission; a Latchkey-Permission header is a second source (400)', async () => {
    const path = `/v1/authorize/api/workspaces/${W}/devices/${d1}`;
    await t.http().get(`${path}/measurements?permission=measurements:write`).set(bearer(bot)).expect(204);
    expectProblem(await t.http().post(`${path}/measurements`).set(bearer(bot)), 403, 'forbidden');
    await t.http().get(path).set(bearer(viewer.personalToken)).expect(204);
    expectProblem(await t.http().delete(`${path}?permission=devices:read`).set(bearer(viewer.personalToken)), 403, 'forbidden');
    await t.http().delete(path).set(bearer(owner.personalToken)).expect(204);
    // Nothing in the table covers PUT, or another path: denied.
    expectProblem(await t.http().put(path).set(bearer(owner.personalToken)), 403, 'forbidden');
    expectProblem(await t.http().get(`${path}/secrets`).set(bearer(owner.personalToken)), 403, 'forbidden');
    expectProblem(
      await t.http().get(`${path}/measurements`).set(bearer(bot)).set('Latchkey-Permission', 'measurements:read'),
      400,
      'validation_failed',
    );
  });

  it('C1: Traefik: X-Forwarded-Method and X-Forwarded-Uri choose the permission; a permission in the address is a second source (400)', async () => {
    const uri = `/api/workspaces/${W}/devices/${d1}/measurements`;
    const traefik = (method: string | null, address = '/v1/authorize') => {
      const req = t.http().get(address).set(bearer(bot)).set('X-Forwarded-Uri', uri);
      return method === null ? req : req.set('X-Forwarded-Method', method);
    };
    await traefik('GET').expect(204);
    expectProblem(await traefik('POST'), 403, 'forbidden');
    expectProblem(await traefik('get'), 403, 'forbidden');
    expectProblem(await traefik(null), 400, 'validation_failed');
    expectProblem(await traefik('GET', '/v1/authorize?permission=measurements:read'), 400, 'validation_failed');
    // Plain mode is unchanged: the query says everything.
    await t.http().get(`/v1/authorize?workspaceId=${W}&permission=measurements:read&deviceId=${d1}`).set(bearer(bot)).expect(204);
  });
});
