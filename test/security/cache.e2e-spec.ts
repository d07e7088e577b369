// Audit findings L3 and L9 (docs/security.md): the hot-path caches against checks racing a change on the same instance,
// and against invalidation spam. Both databases.
import type { Client, Notification } from 'pg';
import { Invalidation, InvalidationEvent } from '../../src/cache/invalidation';
import { WorkspaceAccessResolver } from '../../src/authorization/workspace-access';
import { TokensRepository } from '../../src/tokens/tokens.repository';
import {
  bearer,
  builtInRoles,
  createNamedToken,
  createWorkspace,
  inviteAndAccept,
  login,
  markEmailVerified,
  registerUser,
} from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { ADMIN_EMAIL, startTestApp, TestApp } from '../support/test-app';

/**
 * On PostgreSQL this instance also hears its own pg_notify, a fraction of a millisecond after COMMIT,
 * and that used to hide L3 from any client slower than that. Other instances may take up to a
 * second; the instance that made the change may not lean on it: its notifications arrive late here.
 */
function slowDownOwnNotifications(invalidation: Invalidation): void {
  const client = (invalidation as unknown as { client: Client | null }).client;
  if (!client) return;
  const listeners = client.listeners('notification') as Array<(message: Notification) => void>;
  client.removeAllListeners('notification');
  client.on('notification', (message) => setTimeout(() => listeners.forEach((listener) => listener(message)), 500).unref());
}

describe('security: cache (L3, L9)', () => {
  let t: TestApp;
  let invalidation: Invalidation;

  beforeAll(async () => {
    // A long TTL, so only an invalidation can explain a change being seen.
    t = await startTestApp({ LATCHKEY_CACHE_TTL_SECONDS: '300' });
    invalidation = t.app.get(Invalidation);
    slowDownOwnNotifications(invalidation);
    invalidation.subscribe((event) => {
      if (event.kind === 'all') clears++;
    });
  });

  /**
   * 'all' events clear every cache. In the tests the embedded database is reached through a URL, so the
   * LISTEN connection is tried, refused (its socket admits one connection) and retried each second,
   * each time with an 'all'. A measure of what stays cached is taken again when one came during it.
   */
  let clears = 0;
  async function withoutClears(measure: () => Promise<number>): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const before = clears;
      const result = await measure();
      if (clears === before || attempt === 5) return result;
    }
  }
  afterAll(async () => {
    jest.restoreAllMocks();
    await t?.close();
  });

  /**
   * Runs `check` once, right after the next event of `kind` is published, while the transaction that
   * published it is still open. On PostgreSQL it is awaited there, so it reads the row as it was before
   * the change and fills the cache with it (the race of L3). The embedded database has one connection:
   * the check waits for the COMMIT, so there it is only started.
   */
  function checkDuringNextPublish(kind: InvalidationEvent['kind'], check: () => PromiseLike<{ status: number }>): Promise<number> {
    // Every publish goes through publishAll (one event or many).
    const publishAll = invalidation.publishAll.bind(invalidation);
    let answered!: (status: number) => void;
    const status = new Promise<number>((resolve) => (answered = resolve));
    const spy = jest.spyOn(invalidation, 'publishAll').mockImplementation(async (em, events) => {
      await publishAll(em, events);
      if (!events.some((event) => event.kind === kind)) return;
      spy.mockRestore();
      const during = Promise.resolve(check()).then((res) => res.status);
      if (t.database?.embedded) void during.then(answered);
      else answered(await during);
    });
    return status;
  }

  it('L3: a token revoked is refused on the instance that revoked it, even by a check made before COMMIT', async () => {
    const user = await registerUser(t);
    const named = await createNamedToken(t, user.personalToken, { scopes: ['*'] });
    const me = () => t.http().get('/v1/me').set(bearer(named.secret));
    await me().expect(200);
    const during = checkDuringNextPublish('token', me);
    await t.http().delete(`/v1/me/tokens/${named.id}`).set(bearer(user.personalToken)).expect(204);
    // Before COMMIT the token still lives: the check made then may pass; nothing after the 204 may.
    expect([200, 401]).toContain(await during);
    await me().expect(401);
    await me().expect(401);
  });

  it('L3: a member removed loses access on this instance at the 204, even after a check made before COMMIT', async () => {
    const owner = await registerUser(t);
    const ws = await createWorkspace(t, owner.personalToken);
    const roles = await builtInRoles(t, owner.personalToken, ws.id);
    const member = await registerUser(t);
    await inviteAndAccept(t, owner.personalToken, ws.id, member, [roles.member]);
    const check = () => t.http().get(`/v1/authorize?workspaceId=${ws.id}&permission=measurements:read`).set(bearer(member.personalToken));
    await check().expect(204);
    const during = checkDuringNextPublish('workspace', check);
    await t.http().delete(`/v1/workspaces/${ws.id}/members/${member.id}`).set(bearer(owner.personalToken)).expect(204);
    expect([204, 403]).toContain(await during);
    await check().expect(403);
  });

  it('L3: a deactivated user is refused at the 200, even after a check made before COMMIT', async () => {
    const adminSecret = await platformAdmin();
    const user = await registerUser(t);
    const me = () => t.http().get('/v1/me').set(bearer(user.personalToken));
    await me().expect(200);
    const during = checkDuringNextPublish('user', me);
    await t.http().post(`/v1/admin/users/${user.id}/deactivate`).set(bearer(adminSecret)).expect(200);
    expect([200, 401]).toContain(await during);
    await me().expect(401);
  });

  /**
   * Holds the next credential lookup of `secret` after it has read the row, until `meanwhile` is done:
   * an invalidation event during that time finds the fill in flight.
   */
  async function fillAcross(secret: string, meanwhile: () => Promise<unknown>): Promise<number> {
    const tokens = t.app.get(TokensRepository);
    const find = tokens.findCredentialByHash.bind(tokens);
    let readDone!: () => void;
    const read = new Promise<void>((resolve) => (readDone = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const spy = jest.spyOn(tokens, 'findCredentialByHash').mockImplementation(async (hash) => {
      spy.mockRestore();
      const row = await find(hash);
      readDone();
      await released;
      return row;
    });
    const check = t
      .http()
      .get('/v1/me')
      .set(bearer(secret))
      .then((res) => res.status);
    await read;
    await meanwhile();
    release();
    return check;
  }

  /** Credential lookups in the database a request costs (0: answered from the cache). */
  async function lookupsOf(request: () => PromiseLike<unknown>): Promise<number> {
    const spy = jest.spyOn(t.app.get(TokensRepository), 'findCredentialByHash');
    try {
      await request();
      return spy.mock.calls.length;
    } finally {
      spy.mockRestore();
    }
  }

  it('L9: an event about another token does not discard a fill in flight (spam cannot keep the cache cold)', async () => {
    const user = await registerUser(t);
    const lookups = await withoutClears(async () => {
      const cold = await createNamedToken(t, user.personalToken, { scopes: ['*'] });
      const other = await createNamedToken(t, user.personalToken, { scopes: ['*'] });
      const revokeOther = () => t.http().delete(`/v1/me/tokens/${other.id}`).set(bearer(user.personalToken)).expect(204);
      expect(await fillAcross(cold.secret, revokeOther)).toBe(200);
      // Stored despite the revocation of another token: the next check is answered from the cache.
      return lookupsOf(() => t.http().get('/v1/me').set(bearer(cold.secret)).expect(200));
    });
    expect(lookups).toBe(0);
  });

  it('L9: create/revoke spam leaves cached tokens cached', async () => {
    const user = await registerUser(t);
    const cached = await createNamedToken(t, user.personalToken, { scopes: ['*'] });
    const me = () => t.http().get('/v1/me').set(bearer(cached.secret)).expect(200);
    const lookups = await withoutClears(async () => {
      await me();
      for (let i = 0; i < 10; i++) {
        const spam = await createNamedToken(t, user.personalToken, { scopes: ['*'] });
        await t.http().delete(`/v1/me/tokens/${spam.id}`).set(bearer(user.personalToken)).expect(204);
      }
      return lookupsOf(me);
    });
    expect(lookups).toBe(0);
  });

  it('L9: an event about the token itself still discards its fill in flight (the old row is not stored)', async () => {
    const user = await registerUser(t);
    const named = await createNamedToken(t, user.personalToken, { scopes: ['*'] });
    // The lookup read the token alive, then the revocation committed before the lookup could store it.
    expect(
      await fillAcross(named.secret, () => t.http().delete(`/v1/me/tokens/${named.id}`).set(bearer(user.personalToken)).expect(204)),
    ).toBe(200);
    await t.http().get('/v1/me').set(bearer(named.secret)).expect(401);
  });

  it('L9: an event about the owner (deactivation) discards a fill in flight of any of their tokens', async () => {
    const adminSecret = await platformAdmin();
    const user = await registerUser(t);
    const named = await createNamedToken(t, user.personalToken, { scopes: ['*'] });
    await fillAcross(named.secret, () => t.http().post(`/v1/admin/users/${user.id}/deactivate`).set(bearer(adminSecret)).expect(200));
    await t.http().get('/v1/me').set(bearer(named.secret)).expect(401);
  });

  // Issue 21: a device deletion is an event of the device, not of its workspace.
  const authorizeOn = (workspaceId: string, deviceId: string, secret: string) =>
    t.http().get(`/v1/authorize?workspaceId=${workspaceId}&permission=measurements:read&deviceId=${deviceId}`).set(bearer(secret));

  it('L3: a deleted device is refused at once to a grant selecting it, to every-device access and to a token bound to it, even after a check made before COMMIT', async () => {
    const ws = await newWorkspace(t);
    const [d1, d2] = [(await ws.device()).id, (await ws.device()).id];
    const selecting = await ws.member('viewer', { devices: [d1, d2] });
    const everyDevice = await ws.member('viewer');
    const bot = await ws.apiUser({ roles: ['viewer'], devices: [d1] });
    const bound = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'], deviceIds: [d1] } as never);
    const secrets = [selecting.personalToken, everyDevice.personalToken, bot.token, bound.secret];
    for (const secret of secrets) await authorizeOn(ws.id, d1, secret).expect(204);
    const during = checkDuringNextPublish('device', () => authorizeOn(ws.id, d1, selecting.personalToken));
    await t.http().delete(`/v1/workspaces/${ws.id}/devices/${d1}`).set(bearer(ws.owner.personalToken)).expect(204);
    expect([204, 403, 404]).toContain(await during);
    for (const secret of secrets) expect((await authorizeOn(ws.id, d1, secret)).status).toBe(403);
    // The rest of the grant still holds.
    await authorizeOn(ws.id, d2, selecting.personalToken).expect(204);
  });

  /** Access-row reads in the database a request costs (0: answered from the cache). */
  async function accessReadsOf(request: () => PromiseLike<unknown>): Promise<number> {
    const spy = jest.spyOn(t.app.get(WorkspaceAccessResolver) as unknown as { query: () => Promise<unknown> }, 'query');
    try {
      await request();
      return spy.mock.calls.length;
    } finally {
      spy.mockRestore();
    }
  }

  it('L9: creating, renaming and deleting devices leaves cached access that does not depend on them cached', async () => {
    const ws = await newWorkspace(t);
    const d1 = (await ws.device()).id;
    const selecting = await ws.member('viewer', { devices: [d1] });
    const everyDevice = await ws.member('viewer');
    const bot = await ws.apiUser({ roles: ['viewer'], devices: [d1] });
    const secrets = [selecting.personalToken, everyDevice.personalToken, bot.token];
    const reads = await withoutClears(async () => {
      for (const secret of secrets) await authorizeOn(ws.id, d1, secret).expect(204);
      const other = (await ws.device()).id;
      await t
        .http()
        .patch(`/v1/workspaces/${ws.id}/devices/${d1}`)
        .set(bearer(ws.owner.personalToken))
        .send({ name: 'Renamed' })
        .expect(200);
      await t.http().delete(`/v1/workspaces/${ws.id}/devices/${other}`).set(bearer(ws.owner.personalToken)).expect(204);
      let total = 0;
      for (const secret of secrets) total += await accessReadsOf(() => authorizeOn(ws.id, d1, secret).expect(204));
      return total;
    });
    expect(reads).toBe(0);
  });

  /** The test app lists ADMIN_EMAIL as a platform admin; an email counts only once verified (H1). */
  let adminSecret: string | undefined;
  async function platformAdmin(): Promise<string> {
    if (adminSecret) return adminSecret;
    const admin = await registerUser(t, ADMIN_EMAIL);
    await markEmailVerified(t, admin.id);
    return (adminSecret = await login(t, ADMIN_EMAIL));
  }
});
